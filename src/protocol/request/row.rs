//! One row, positional (a list) or by feature name (an object), appended to the request's rows with
//! its width, duplicate and missing-feature checks.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::cell::{Cell, CellSeed, ColumnSeed};
use super::context::Ctx;
use super::RequestError;
use crate::model::PredictError;

/// One row, positional (a list) or by name (an object); appended to `ctx.rows`.
pub(super) struct RowSeed<'a, 's> {
    pub(super) ctx: &'a mut Ctx<'s>,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row: a list of numbers/null, or an object of feature name to value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        let row = ctx.rows.n_rows;
        let mut col = 0;
        loop {
            if ctx.width == Some(col) {
                // Count the surplus without storing it.
                let mut got = col;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    got += 1;
                }
                if got > col {
                    let error = ctx.width_error(row, got);
                    return ctx.row_error(error);
                }
                break;
            }
            let seed = CellSeed {
                ctx: &mut *ctx,
                row,
                col,
                named: false,
            };
            // Positional cells are never text: the cell visitor refuses strings there.
            match seq.next_element_seed(seed)? {
                Some(cell) => ctx.rows.values.push(cell.number()),
                None => break,
            }
            col += 1;
        }
        match ctx.width {
            Some(w) if w == col => {}
            None if col > 0 => ctx.width = Some(col),
            _ => {
                let error = ctx.width_error(row, col);
                return ctx.row_error(error);
            }
        }
        ctx.rows.n_rows += 1;
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        let row = ctx.rows.n_rows;
        let Some(names) = ctx.schema.names.clone() else {
            return Err(ctx.fail(RequestError::Predict(PredictError::NoFeatureNames)));
        };
        let width = names.len();
        if ctx.width.is_some_and(|w| w != width) {
            return Err(ctx.fail(ctx.width_error(row, width)));
        }
        let start = ctx.begin_named_row(width);
        let mut columns = ColumnSeed {
            index: &ctx.schema.index,
            names: &names,
            hint: 0,
        };
        while let Some(column) = map.next_key_seed(columns)? {
            let col =
                match column {
                    Ok(col) => col,
                    Err(name) => {
                        let known = ctx.schema.known_names();
                        return Err(ctx.fail(RequestError::Predict(
                            PredictError::UnknownFeature { name, known },
                        )));
                    }
                };
            if ctx.seen.get(col).copied().unwrap_or(true) {
                let name = &names[col];
                return Err(ctx.fail(RequestError::invalid(format!(
                    "feature {name:?} appears twice in row {row}"
                ))));
            }
            ctx.seen[col] = true;
            columns.hint = col + 1;
            let seed = CellSeed {
                ctx: &mut *ctx,
                row,
                col,
                named: true,
            };
            match map.next_value_seed(seed)? {
                Cell::Num(x) => ctx.rows.values[start + col] = x,
                Cell::Text(s) => ctx.rows.text.push((start + col, s)),
            }
        }
        if let Some(missing) = ctx.seen.iter().position(|s| !s) {
            let name = names[missing].clone();
            return ctx.row_error(RequestError::Predict(PredictError::MissingFeature {
                name,
                row,
            }));
        }
        ctx.rows.n_rows += 1;
        Ok(())
    }
}
