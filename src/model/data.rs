//! The data that flows through a model: an input `Batch` (numbers plus optional text cells),
//! class `Label`s that keep their JSON type, and the `Output` of a predictor.

use std::sync::Arc;

use ndarray::{Array2, ArrayView2};
use serde::Serialize;

use super::error::PredictError;
use super::text::TextCells;

/// Rows to predict. `values` holds every numeric cell (NaN for missing); `text` is present only when
/// some cell is a string (a categorical value sent by name), and then holds those cells.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub values: Array2<f64>,
    pub text: Option<TextCells>,
}

impl Batch {
    pub fn numeric(values: Array2<f64>) -> Self {
        Batch { values, text: None }
    }

    pub fn n_rows(&self) -> usize {
        self.values.nrows()
    }

    pub fn n_cols(&self) -> usize {
        self.values.ncols()
    }

    /// The text at a cell, if that cell holds a string.
    pub fn text_at(&self, row: usize, col: usize) -> Option<&str> {
        self.text.as_ref()?.get(row, col).map(|s| &**s)
    }

    /// Does column `col` hold any string?
    pub fn column_has_text(&self, col: usize) -> bool {
        self.text.as_ref().is_some_and(|t| t.has_column(col))
    }

    /// The numbers, failing with the first string cell found. `who` names the estimator that needs numbers.
    pub fn require_numeric(&self, who: &str) -> Result<ArrayView2<'_, f64>, PredictError> {
        if let Some((_, col, s)) = self.text.as_ref().and_then(TextCells::first) {
            return Err(PredictError::bad_value(
                col,
                format!("{who} needs a number here, got the string {s:?}"),
            ));
        }
        Ok(self.values.view())
    }

    /// A new batch holding only the given columns, in the given order.
    pub fn select_columns(&self, cols: &[usize]) -> Batch {
        // Built row-major (`select` along columns gives a column-major array, which the row loops
        // downstream read with a stride).
        let values = Array2::from_shape_fn((self.n_rows(), cols.len()), |(r, c)| {
            self.values[[r, cols[c]]]
        });
        let text = self.text.as_ref().and_then(|t| t.select(cols));
        Batch { values, text }
    }
}

/// A class label, keeping the JSON type that matches the model's `classes_`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Label {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Label::Bool(b) => write!(f, "{b}"),
            Label::Int(i) => write!(f, "{i}"),
            Label::Float(x) => write!(f, "{x}"),
            Label::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// What a predictor returns for a batch.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// A classifier: the predicted class index per row (into `classes`), and probabilities when the
    /// estimator has `predict_proba` (rows × classes).
    Classification {
        classes: Arc<[Label]>,
        predicted: Vec<usize>,
        probabilities: Option<Array2<f64>>,
    },
    /// A regressor: rows × outputs (one column for single-output models).
    Regression { values: Array2<f64> },
}

impl Output {
    pub fn n_rows(&self) -> usize {
        match self {
            Output::Classification { predicted, .. } => predicted.len(),
            Output::Regression { values } => values.nrows(),
        }
    }
}
