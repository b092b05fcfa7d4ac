//! OrdinalEncoder: each cell becomes its category index, with `unknown_value` for unknown values
//! (handle_unknown='use_encoded_value'), `encoded_missing_value` for the missing category, and
//! infrequent categories grouped into one code.

use ndarray::Array2;

use super::categories::Lookup;
use super::{read_fitted, Categories, Infrequent};
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::sklearn::{support, Estimator};
use crate::model::value::{scalar_f64, scalar_i64, ObjView, Value};

#[derive(Debug)]
struct Column {
    categories: Categories,
    infrequent: Infrequent,
    /// The category index that encodes as `encoded_missing_value` (`_missing_indices`).
    missing: Option<usize>,
}

/// A fitted OrdinalEncoder.
#[derive(Debug)]
pub struct OrdinalEncoder {
    columns: Vec<Column>,
    /// `Some(code)` with handle_unknown='use_encoded_value'; None means unknown values are errors.
    unknown_value: Option<f64>,
    encoded_missing_value: f64,
    float32: bool,
    feature_names: Option<Vec<String>>,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let fitted = read_fitted(&obj)?;
    let unknown_value = match obj.opt_str("handle_unknown").unwrap_or("error") {
        "error" => None,
        "use_encoded_value" => Some(number_or_nan(&obj, "unknown_value")?),
        other => return Err(obj.error("handle_unknown", format!("unsupported value {other:?}"))),
    };
    let encoded_missing_value = if obj.has("encoded_missing_value") {
        number_or_nan(&obj, "encoded_missing_value")?
    } else {
        f64::NAN
    };
    let mut missing = vec![None; fitted.categories.len()];
    if let Some(v) = obj.get("_missing_indices") {
        let pairs = obj.heap.dict(v).unwrap_or(&[]);
        for (k, idx) in pairs {
            let (Some(k), Some(idx)) = (scalar_i64(obj.heap, k), scalar_i64(obj.heap, idx)) else {
                return Err(obj.error("_missing_indices", "expected a dict of int to int"));
            };
            let slot = usize::try_from(k).ok().and_then(|k| missing.get_mut(k));
            match (slot, usize::try_from(idx)) {
                (Some(slot), Ok(idx)) => *slot = Some(idx),
                _ => {
                    return Err(obj.error(
                        "_missing_indices",
                        format!("entry {k}: {idx} is out of range"),
                    ))
                }
            }
        }
    }
    let columns = fitted
        .categories
        .into_iter()
        .zip(fitted.infrequent)
        .zip(missing)
        .map(|((categories, infrequent), missing)| Column {
            categories,
            infrequent,
            missing,
        })
        .collect();
    let float32 = matches!(obj.get("dtype"), Some(Value::Global(g)) if g.name == "float32" || g.name == "float16");
    Ok(Estimator::Transformer(Box::new(OrdinalEncoder {
        columns,
        unknown_value,
        encoded_missing_value,
        float32,
        feature_names: fitted.feature_names,
    })))
}

/// An int, float or NaN parameter (None counts as NaN).
fn number_or_nan(obj: &ObjView<'_>, attr: &str) -> Result<f64, LoadError> {
    match obj.req(attr)? {
        Value::None => Ok(f64::NAN),
        v => scalar_f64(obj.heap, v).ok_or_else(|| {
            obj.error(
                attr,
                format!("expected a number, found {}", obj.heap.describe(v)),
            )
        }),
    }
}

impl OrdinalEncoder {
    fn encode(&self, col: &Column, x: &Batch, row: usize, c: usize) -> Result<f64, PredictError> {
        let label = || support::column_label(self.feature_names.as_deref(), c);
        let (mut idx, valid) = match col.categories.lookup(x, row, c, &label)? {
            Lookup::Known(i) => (i, true),
            Lookup::Unknown(value) => {
                if self.unknown_value.is_none() {
                    return Err(PredictError::UnknownCategory {
                        column: label(),
                        value,
                        known: col.categories.known(),
                    });
                }
                (0, false)
            }
        };
        if let (Some(first), Some(map)) = (col.infrequent.first, &col.infrequent.mapping) {
            if !valid {
                idx = first;
            }
            if col.missing != Some(idx) {
                idx = *map.get(idx).ok_or_else(|| {
                    PredictError::Unsupported(format!(
                        "OrdinalEncoder column {}: infrequent mapping out of range; the model file is inconsistent",
                        label()
                    ))
                })?;
            }
        }
        let mut out = idx as f64;
        if col.missing == Some(idx) {
            out = self.encoded_missing_value;
        }
        if !valid {
            out = self.unknown_value.unwrap_or(f64::NAN);
        }
        if self.float32 {
            out = f64::from(out as f32);
        }
        Ok(out)
    }
}

impl Transformer for OrdinalEncoder {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        support::check_width(self.columns.len(), x.n_cols())?;
        let mut out = Array2::<f64>::zeros((x.n_rows(), self.columns.len()));
        for row in 0..x.n_rows() {
            for (c, col) in self.columns.iter().enumerate() {
                out[[row, c]] = self.encode(col, x, row, c)?;
            }
        }
        Ok(Batch::numeric(out))
    }

    fn summary(&self) -> Summary {
        Summary::new("OrdinalEncoder")
            .detail("n_features", self.columns.len())
            .detail(
                "handle_unknown",
                if self.unknown_value.is_some() {
                    "use_encoded_value"
                } else {
                    "error"
                },
            )
    }
}
