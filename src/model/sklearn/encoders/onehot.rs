//! OneHotEncoder: one indicator column per (kept) category, with scikit-learn's unknown handling
//! ('error', 'ignore' → all zeros, 'infrequent_if_exist'/'warn' → the infrequent column),
//! infrequent grouping and dropped categories. Output is always dense.

use ndarray::Array2;

use super::categories::Lookup;
use super::{optional_indices, read_fitted, Categories, Infrequent};
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::sklearn::{support, Estimator};
use crate::model::value::{ObjView, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unknown {
    Error,
    Ignore,
    Infrequent,
}

/// One encoded input column.
#[derive(Debug)]
struct Column {
    categories: Categories,
    infrequent: Infrequent,
    drop: Option<usize>,
    offset: usize,
    width: usize,
}

/// A fitted OneHotEncoder.
#[derive(Debug)]
pub struct OneHotEncoder {
    columns: Vec<Column>,
    unknown: Unknown,
    n_out: usize,
    feature_names: Option<Vec<String>>,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let fitted = read_fitted(&obj)?;
    let n = fitted.categories.len();
    let unknown = match obj.opt_str("handle_unknown").unwrap_or("error") {
        "error" => Unknown::Error,
        "ignore" => Unknown::Ignore,
        "infrequent_if_exist" | "warn" => Unknown::Infrequent,
        other => return Err(obj.error("handle_unknown", format!("unsupported value {other:?}"))),
    };
    // `_drop_idx_after_grouping` (≥ 1.1) indexes the grouped categories; older files only have
    // `drop_idx_`, which is the same thing when there is no infrequent grouping.
    let drop_attr = if obj.has("_drop_idx_after_grouping") {
        "_drop_idx_after_grouping"
    } else {
        "drop_idx_"
    };
    let drops = optional_indices(&obj, drop_attr, n)?.unwrap_or_else(|| vec![None; n]);
    let mut columns = Vec::with_capacity(n);
    let mut offset = 0;
    for (i, ((categories, infrequent), drop)) in fitted
        .categories
        .into_iter()
        .zip(fitted.infrequent)
        .zip(drops)
        .enumerate()
    {
        let n_cats = categories.len();
        let grouped = match &infrequent.mapping {
            Some(map) => {
                if map.len() != n_cats {
                    return Err(obj.error(
                        "_default_to_infrequent_mappings",
                        format!(
                            "column {i} maps {} categories, expected {n_cats}",
                            map.len()
                        ),
                    ));
                }
                map.iter().max().map_or(0, |m| m + 1)
            }
            None => n_cats,
        };
        if let Some(d) = drop {
            if d >= grouped {
                return Err(obj.error(
                    drop_attr,
                    format!("column {i} drops category {d} of {grouped}"),
                ));
            }
        }
        let width = grouped - usize::from(drop.is_some());
        columns.push(Column {
            categories,
            infrequent,
            drop,
            offset,
            width,
        });
        offset += width;
    }
    if let Some(Value::Ref(_)) = obj.get("_n_features_outs") {
        let expected = support::value_i64s(&obj, "_n_features_outs", obj.req("_n_features_outs")?)?;
        let ours: Vec<i64> = columns.iter().map(|c| c.width as i64).collect();
        if expected != ours {
            return Err(obj.error(
                "_n_features_outs",
                format!(
                    "says {expected:?} output columns per feature but the categories give {ours:?}"
                ),
            ));
        }
    }
    Ok(Estimator::Transformer(Box::new(OneHotEncoder {
        columns,
        unknown,
        n_out: offset,
        feature_names: fitted.feature_names,
    })))
}

impl OneHotEncoder {
    /// The output position (within the column's block) of one cell, or None for all zeros.
    fn encode(
        &self,
        col: &Column,
        x: &Batch,
        row: usize,
        c: usize,
    ) -> Result<Option<usize>, PredictError> {
        let label = || support::column_label(self.feature_names.as_deref(), c);
        let (mut idx, mut valid) = match col.categories.lookup(x, row, c, &label)? {
            Lookup::Known(i) => (i, true),
            Lookup::Unknown(value) => {
                if self.unknown == Unknown::Error {
                    return Err(PredictError::UnknownCategory {
                        column: label(),
                        value,
                        known: col.categories.known(),
                    });
                }
                (0, false)
            }
        };
        if let Some(first) = col.infrequent.first {
            if !valid {
                idx = first;
                valid = self.unknown == Unknown::Infrequent;
            }
        }
        if let Some(map) = &col.infrequent.mapping {
            idx = *map.get(idx).ok_or_else(|| internal(c))?;
        }
        if let Some(d) = col.drop {
            if idx == d {
                valid = false;
            } else if idx > d {
                idx -= 1;
            }
        }
        if !valid {
            return Ok(None);
        }
        if idx >= col.width {
            return Err(internal(c));
        }
        Ok(Some(col.offset + idx))
    }
}

fn internal(col: usize) -> PredictError {
    PredictError::Unsupported(format!(
        "OneHotEncoder column #{col}: category index out of range; the model file is inconsistent"
    ))
}

impl Transformer for OneHotEncoder {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        support::check_width(self.columns.len(), x.n_cols())?;
        let mut out = Array2::<f64>::zeros((x.n_rows(), self.n_out));
        for row in 0..x.n_rows() {
            for (c, col) in self.columns.iter().enumerate() {
                if let Some(pos) = self.encode(col, x, row, c)? {
                    out[[row, pos]] = 1.0;
                }
            }
        }
        Ok(Batch::numeric(out))
    }

    fn summary(&self) -> Summary {
        let unknown = match self.unknown {
            Unknown::Error => "error",
            Unknown::Ignore => "ignore",
            Unknown::Infrequent => "infrequent_if_exist",
        };
        Summary::new("OneHotEncoder")
            .detail("n_features", self.columns.len())
            .detail("n_outputs", self.n_out)
            .detail("handle_unknown", unknown)
    }
}
