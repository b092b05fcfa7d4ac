//! The `_preprocessor` of a HistGradientBoosting model fitted with categorical DataFrame columns
//! (scikit-learn ≥ 1.4, `categorical_features='from_dtype'`): an OrdinalEncoder on the categorical
//! columns (unknown and missing → NaN), placed first, then the numeric columns unchanged.

use std::collections::HashMap;

use ndarray::Array2;

use super::categorical_mask;
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::value::{Node, ObjView, Value};

/// The known categories of one column, in encoding order.
#[derive(Clone, Debug)]
enum Categories {
    Text(HashMap<String, usize>),
    Numbers(Vec<f64>),
}

#[derive(Clone, Debug)]
pub struct HgbPreprocessor {
    n_in: usize,
    categorical: Vec<(usize, Categories)>,
    numeric: Vec<usize>,
}

pub fn build(obj: &ObjView<'_>, n_features: usize) -> Result<HgbPreprocessor, LoadError> {
    let mask = categorical_mask(obj, "is_categorical_", n_features)?;
    let pre = obj.estimator("_preprocessor")?;
    let encoder = find_encoder(&pre)?;
    let cats = encoder.seq("categories_")?;
    let cat_cols: Vec<usize> = (0..n_features).filter(|&i| mask[i]).collect();
    if cats.len() != cat_cols.len() {
        return Err(encoder.error(
            "categories_",
            format!(
                "has {} columns but the model marks {} features categorical",
                cats.len(),
                cat_cols.len()
            ),
        ));
    }
    let mut categorical = Vec::with_capacity(cat_cols.len());
    for (&col, v) in cat_cols.iter().zip(cats) {
        categorical.push((col, read_categories(&encoder, v)?));
    }
    Ok(HgbPreprocessor {
        n_in: n_features,
        categorical,
        numeric: (0..n_features).filter(|&i| !mask[i]).collect(),
    })
}

/// The fitted OrdinalEncoder named "encoder" in the ColumnTransformer's `transformers_`.
fn find_encoder<'a>(pre: &ObjView<'a>) -> Result<ObjView<'a>, LoadError> {
    for t in pre.seq("transformers_")? {
        let Some(parts) = pre.heap.sequence(t) else {
            continue;
        };
        if matches!(parts.first(), Some(Value::Str(name)) if &**name == "encoder") {
            if let Some(v) = parts.get(1) {
                return pre
                    .heap
                    .estimator(v)
                    .map_err(|e| pre.error("transformers_", e));
            }
        }
    }
    Err(pre.error(
        "transformers_",
        "has no fitted \"encoder\" step for the categorical columns",
    ))
}

fn read_categories(encoder: &ObjView<'_>, v: &Value) -> Result<Categories, LoadError> {
    let Some(Node::Array(arr)) = encoder.heap.get(v) else {
        return Err(encoder.error(
            "categories_",
            format!("expected arrays, found {}", encoder.heap.describe(v)),
        ));
    };
    if let Some(items) = arr.objects() {
        let mut map = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::Str(s) => {
                    map.insert(s.to_string(), i);
                }
                // A missing value seen in fit encodes to NaN, like any missing input.
                Value::Float(f) if f.is_nan() => {}
                Value::None => {}
                other => {
                    return Err(encoder.error(
                        "categories_",
                        format!(
                            "category {} is neither a string nor missing",
                            encoder.heap.describe(other)
                        ),
                    ))
                }
            }
        }
        return Ok(Categories::Text(map));
    }
    if matches!(
        &arr.dtype,
        crate::model::numpy::Dtype::Scalar {
            kind: 'U' | 'S',
            ..
        }
    ) {
        let strings = arr.to_strings(encoder.heap)?;
        return Ok(Categories::Text(
            strings
                .into_iter()
                .enumerate()
                .map(|(i, s)| (s, i))
                .collect(),
        ));
    }
    Ok(Categories::Numbers(arr.to_f64_vec()?))
}

impl Transformer for HgbPreprocessor {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        if x.n_cols() != self.n_in {
            return Err(PredictError::FeatureCount {
                expected: self.n_in,
                got: x.n_cols(),
            });
        }
        let n_rows = x.n_rows();
        let mut out = Array2::<f64>::from_elem((n_rows, self.n_in), f64::NAN);
        for (j, (col, cats)) in self.categorical.iter().enumerate() {
            for r in 0..n_rows {
                out[(r, j)] = encode(cats, x, r, *col)?;
            }
        }
        let first = self.categorical.len();
        for (j, &col) in self.numeric.iter().enumerate() {
            for r in 0..n_rows {
                if let Some(s) = x.text_at(r, col) {
                    return Err(PredictError::bad_value(
                        col,
                        format!("needs a number, got the string {s:?}"),
                    ));
                }
                out[(r, first + j)] = x.values[(r, col)];
            }
        }
        Ok(Batch::numeric(out))
    }

    fn summary(&self) -> Summary {
        Summary::new("HistGradientBoosting categorical preprocessor")
            .detail("categorical_columns", self.categorical.len())
            .detail("numeric_columns", self.numeric.len())
    }
}

/// OrdinalEncoder(handle_unknown='use_encoded_value', unknown_value=nan, encoded_missing_value=nan).
fn encode(cats: &Categories, x: &Batch, r: usize, col: usize) -> Result<f64, PredictError> {
    let code = match (cats, x.text_at(r, col)) {
        (Categories::Text(map), Some(s)) => map.get(s).copied(),
        (Categories::Numbers(nums), None) => {
            let v = x.values[(r, col)];
            nums.iter().position(|c| *c == v)
        }
        (Categories::Text(_), None) => {
            let v = x.values[(r, col)];
            if !v.is_nan() {
                return Err(PredictError::bad_value(
                    col,
                    format!("this categorical column takes strings, got the number {v}"),
                ));
            }
            None
        }
        (Categories::Numbers(_), Some(s)) => {
            return Err(PredictError::bad_value(
                col,
                format!("this categorical column takes numbers, got the string {s:?}"),
            ))
        }
    };
    Ok(code.map_or(f64::NAN, |c| c as f64))
}
