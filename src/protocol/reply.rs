//! Reply bodies (docs/protocol.md): a prediction or an error, encoded in the request's format (JSON, or a
//! plain-data pickle for pickle requests). Rows are serialized straight from the shared model output.

use ndarray::ArrayView1;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::batch::Answer;
use super::error::RequestError;
use super::Format;
use crate::model::{Label, Output};

/// Encode a successful answer.
pub fn encode_answer(
    format: Format,
    id: Option<&Value>,
    single: bool,
    answer: &Answer,
) -> Result<Vec<u8>, RequestError> {
    encode(format, &AnswerView { id, single, answer })
}

/// Encode an error reply. Never fails: a reply that cannot be pickled falls back to JSON.
pub fn encode_error(format: Format, id: Option<&Value>, error: &RequestError) -> Vec<u8> {
    let view = ErrorView { id, error };
    encode(format, &view)
        .or_else(|_| encode(Format::Json, &view))
        .unwrap_or_else(|_| {
            br#"{"error":{"code":"internal_error","message":"cannot encode the error reply"}}"#
                .to_vec()
        })
}

fn encode<T: Serialize>(format: Format, value: &T) -> Result<Vec<u8>, RequestError> {
    match format {
        Format::Json => serde_json::to_vec(value)
            .map_err(|e| RequestError::Internal(format!("encoding the JSON reply: {e}"))),
        Format::Pickle => serde_pickle::to_vec(value, serde_pickle::SerOptions::new())
            .map_err(|e| RequestError::Internal(format!("encoding the pickle reply: {e}"))),
    }
}

struct ErrorView<'a> {
    id: Option<&'a Value>,
    error: &'a RequestError,
}

impl Serialize for ErrorView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1 + usize::from(self.id.is_some())))?;
        if let Some(id) = self.id {
            map.serialize_entry("id", id)?;
        }
        map.serialize_entry(
            "error",
            &ErrorBody {
                code: self.error.code(),
                message: self.error.to_string(),
            },
        )?;
        map.end()
    }
}

#[derive(Serialize)]
struct ErrorBody {
    code: &'static str,
    message: String,
}

/// An answer as the reply object (Celery results reuse it without an `id`).
pub(crate) struct AnswerView<'a> {
    pub(crate) id: Option<&'a Value>,
    pub(crate) single: bool,
    pub(crate) answer: &'a Answer,
}

impl Serialize for AnswerView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Answer { output, start, len } = self.answer;
        let rows = *start..start + len;
        let id_len = usize::from(self.id.is_some());
        match output.as_ref() {
            Output::Classification {
                classes,
                predicted,
                probabilities,
            } => {
                let n = id_len + 2 + usize::from(probabilities.is_some());
                let mut map = s.serialize_map(Some(n))?;
                if let Some(id) = self.id {
                    map.serialize_entry("id", id)?;
                }
                let picked = predicted.get(rows.clone()).unwrap_or(&[]);
                let label = |i: &usize| classes.get(*i);
                if self.single {
                    map.serialize_entry("prediction", &picked.first().and_then(label))?;
                } else {
                    let labels: Vec<Option<&Label>> = picked.iter().map(label).collect();
                    map.serialize_entry("predictions", &labels)?;
                }
                if let Some(p) = probabilities {
                    if self.single {
                        let row = (start < &p.nrows()).then(|| p.row(*start));
                        map.serialize_entry("probabilities", &row.map(Floats))?;
                    } else {
                        map.serialize_entry("probabilities", &RowsView(p, rows))?;
                    }
                }
                map.serialize_entry("classes", &classes[..])?;
                map.end()
            }
            Output::Regression { values } => {
                let mut map = s.serialize_map(Some(id_len + 1))?;
                if let Some(id) = self.id {
                    map.serialize_entry("id", id)?;
                }
                let one_output = values.ncols() == 1;
                if self.single {
                    let row = (start < &values.nrows()).then(|| values.row(*start));
                    match row {
                        Some(r) if one_output => map.serialize_entry("prediction", &r[0])?,
                        Some(r) => map.serialize_entry("prediction", &Floats(r))?,
                        None => map.serialize_entry("prediction", &())?,
                    }
                } else if one_output {
                    let column = values.column(0);
                    let end = rows.end.min(column.len());
                    let slice = column.slice(ndarray::s![rows.start.min(end)..end]);
                    map.serialize_entry("predictions", &Floats(slice))?;
                } else {
                    map.serialize_entry("predictions", &RowsView(values, rows))?;
                }
                map.end()
            }
        }
    }
}

/// A row of floats; NaN becomes null in JSON.
struct Floats<'a>(ArrayView1<'a, f64>);

impl Serialize for Floats<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for x in self.0.iter() {
            seq.serialize_element(x)?;
        }
        seq.end()
    }
}

/// Rows `range` of a matrix, as a list of lists.
struct RowsView<'a>(&'a ndarray::Array2<f64>, std::ops::Range<usize>);

impl Serialize for RowsView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let end = self.1.end.min(self.0.nrows());
        let start = self.1.start.min(end);
        let mut seq = s.serialize_seq(Some(end - start))?;
        for i in start..end {
            seq.serialize_element(&Floats(self.0.row(i)))?;
        }
        seq.end()
    }
}
