//! `pandas_categorical`: a LightGBM model fitted on a DataFrame with `category` columns keeps each
//! column's categories; LightGBM's Python package turns such a column into category codes (unknown
//! and missing values become NaN) before predicting. This transformer does the same for string cells
//! sent by name; numbers pass through as codes, as LightGBM takes them from a numpy array.

use std::collections::HashMap;

use ndarray::Array2;

use super::text::text_error;
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};

#[derive(Debug)]
pub struct PandasCategorical {
    n_features: usize,
    /// (column, category string -> code) per categorical column.
    columns: Vec<(usize, HashMap<String, f64>)>,
}

/// Read the `[categorical_feature: i,j]` parameter and the `pandas_categorical:` line that follow
/// the trees. `None` when the model has no pandas categories.
pub fn parse(model_str: &str, n_features: usize) -> Result<Option<PandasCategorical>, LoadError> {
    let tail = match model_str.find("\nend of trees") {
        Some(at) => &model_str[at..],
        None => return Ok(None),
    };
    let mut indices = None;
    let mut cats = None;
    for line in tail.lines() {
        if let Some(v) = line.strip_prefix("[categorical_feature: ") {
            indices = Some(v.trim_end_matches(']'));
        } else if let Some(v) = line.strip_prefix("pandas_categorical:") {
            cats = Some(v);
        }
    }
    let Some(cats) = cats else { return Ok(None) };
    let cats: serde_json::Value = serde_json::from_str(cats)
        .map_err(|e| text_error("pandas_categorical", format!("is not JSON: {e}")))?;
    let lists = match cats {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::Array(lists) if lists.is_empty() => return Ok(None),
        serde_json::Value::Array(lists) => lists,
        _ => {
            return Err(text_error(
                "pandas_categorical",
                "is not a list of category lists",
            ))
        }
    };
    let indices: Vec<usize> = indices
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            text_error(
                "parameters",
                "categorical_feature is not a list of column indices",
            )
        })?;
    if indices.len() != lists.len() || indices.iter().any(|&i| i >= n_features) {
        return Err(text_error(
            "pandas_categorical",
            format!(
                "has {} category lists for categorical_feature {indices:?} of {n_features} features",
                lists.len()
            ),
        ));
    }
    let mut columns = Vec::with_capacity(lists.len());
    for (&col, list) in indices.iter().zip(lists) {
        let serde_json::Value::Array(items) = list else {
            return Err(text_error(
                "pandas_categorical",
                format!("column {col}: not a list"),
            ));
        };
        let mut map = HashMap::with_capacity(items.len());
        for (code, item) in items.into_iter().enumerate() {
            // Only string categories can arrive as text; numeric ones are sent as codes.
            if let serde_json::Value::String(s) = item {
                map.insert(s, code as f64);
            }
        }
        columns.push((col, map));
    }
    Ok(Some(PandasCategorical {
        n_features,
        columns,
    }))
}

impl Transformer for PandasCategorical {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        if x.n_cols() != self.n_features {
            return Err(PredictError::FeatureCount {
                expected: self.n_features,
                got: x.n_cols(),
            });
        }
        let mut values: Array2<f64> = x.values.clone();
        for (col, map) in &self.columns {
            for r in 0..x.n_rows() {
                if let Some(s) = x.text_at(r, *col) {
                    values[(r, *col)] = map.get(s).copied().unwrap_or(f64::NAN);
                }
            }
        }
        for c in 0..x.n_cols() {
            if x.column_has_text(c) && !self.columns.iter().any(|(col, _)| *col == c) {
                for r in 0..x.n_rows() {
                    if let Some(s) = x.text_at(r, c) {
                        return Err(PredictError::bad_value(
                            c,
                            format!(
                                "is not a categorical column; needs a number, got the string {s:?}"
                            ),
                        ));
                    }
                }
            }
        }
        Ok(Batch::numeric(values))
    }

    fn summary(&self) -> Summary {
        Summary::new("LightGBM pandas_categorical")
            .detail("categorical_columns", self.columns.len())
    }
}
