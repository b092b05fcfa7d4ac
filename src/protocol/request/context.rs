//! The state one request's parse shares between the nested seeds: the rows read so far, the width,
//! the first typed error, and the row error deferred until the rows of a batch are counted.

use serde::de;
use serde_json::Value;

use super::{Request, RequestError, Rows, Schema};
use crate::model::PredictError;

/// Parse state shared by the nested seeds.
pub(super) struct Ctx<'s> {
    pub(super) schema: &'s Schema,
    pub(super) id: Option<Value>,
    pub(super) rows: Rows,
    pub(super) width: Option<usize>,
    pub(super) single: Option<bool>,
    pub(super) error: Option<RequestError>,
    pub(super) seen: Vec<bool>,
    /// Parsing `instances`: a row that was read whole but is wrong is reported after the row count.
    pub(super) in_batch: bool,
    pub(super) deferred: Option<RequestError>,
}

impl<'s> Ctx<'s> {
    pub(super) fn new(schema: &'s Schema) -> Self {
        Ctx {
            schema,
            id: None,
            rows: Rows::default(),
            width: schema.n_features,
            single: None,
            error: None,
            seen: Vec::new(),
            in_batch: false,
            deferred: None,
        }
    }

    /// Record a typed error and return a serde error that aborts the parse.
    pub(super) fn fail<E: de::Error>(&mut self, error: RequestError) -> E {
        let message = error.to_string();
        self.error.get_or_insert(error);
        E::custom(message)
    }

    /// A row that was read to its end but cannot be used: in a batch the error waits until the rows
    /// are counted (so `too_many_instances` wins); a single row fails at once.
    pub(super) fn row_error<E: de::Error>(&mut self, error: RequestError) -> Result<(), E> {
        if self.in_batch {
            self.deferred.get_or_insert(error);
            Ok(())
        } else {
            Err(self.fail(error))
        }
    }

    pub(super) fn finish(&mut self) -> Result<Request, RequestError> {
        let single = self.single.ok_or_else(|| {
            RequestError::invalid(
                "the request needs \"features\" (one row) or \"instances\" (a list of rows)",
            )
        })?;
        if self.rows.n_rows == 0 {
            return Err(RequestError::invalid(
                "\"instances\" is empty; send at least one row",
            ));
        }
        let mut rows = std::mem::take(&mut self.rows);
        rows.n_cols = self.width.unwrap_or(0);
        Ok(Request {
            id: self.id.take(),
            single,
            rows,
        })
    }

    /// Start a row sent by name, `width` features wide: its cells are NaN until read, none seen yet.
    /// Returns where the row starts in `rows.values`.
    pub(super) fn begin_named_row(&mut self, width: usize) -> usize {
        self.width = Some(width);
        let start = self.rows.values.len();
        self.rows.values.resize(start + width, f64::NAN);
        self.seen.clear();
        self.seen.resize(width, false);
        start
    }

    pub(super) fn column_name(&self, col: usize, named: bool) -> String {
        match (&self.schema.names, named) {
            (Some(names), true) => names.get(col).cloned().unwrap_or_else(|| col.to_string()),
            _ => col.to_string(),
        }
    }

    pub(super) fn width_error(&self, row: usize, got: usize) -> RequestError {
        match (self.schema.n_features, self.width) {
            (Some(expected), _) => {
                RequestError::Predict(PredictError::FeatureCount { expected, got })
            }
            (None, Some(expected)) => RequestError::RaggedRows { row, expected, got },
            (None, None) => RequestError::invalid("a row is empty; send at least one feature"),
        }
    }
}
