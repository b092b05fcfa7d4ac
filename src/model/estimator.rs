//! The two traits every rebuilt scikit-learn estimator implements, and the `Summary` that
//! `inspect` prints. Shapes are checked when an estimator is built, so these calls never panic.

use std::sync::Arc;

use ndarray::{Array2, ArrayView2};

use super::data::{Batch, Label, Output};
use super::error::PredictError;

/// A fitted transformer (scaler, imputer, encoder, column transformer).
pub trait Transformer: Send + Sync + std::fmt::Debug {
    /// Transform a batch. The result is numeric unless the transformer passes text through.
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError>;
    /// What `inspect` shows.
    fn summary(&self) -> Summary;
}

/// A fitted final estimator (classifier or regressor).
pub trait Predictor: Send + Sync + std::fmt::Debug {
    /// Predict a batch of rows. Must return `PredictError::FeatureCount` (never panic) when the
    /// number of columns is not what the estimator was fitted on.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError>;
    /// The class labels of a classifier (`classes_`), in the order of its probabilities; `None` for
    /// a regressor.
    fn classes(&self) -> Option<Arc<[Label]>>;
    /// What `inspect` shows.
    fn summary(&self) -> Summary;
    /// Predict a batch that may hold text cells. Estimators that need numbers (all but the
    /// meta-estimators, whose children may start with encoders) refuse text with an error naming
    /// `who` and the cell.
    fn predict_batch(&self, x: &Batch, who: &str) -> Result<Output, PredictError> {
        self.predict(x.require_numeric(who)?)
    }
    /// Does [`Predictor::decision_function`] answer (scikit-learn's `decision_function`)?
    fn has_decision_function(&self) -> bool {
        false
    }
    /// scikit-learn's `decision_function`: rows × 1 for a binary classifier (its 1-d output), rows ×
    /// classes otherwise. Only called when [`Predictor::has_decision_function`] is true.
    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, PredictError> {
        let _ = x;
        Err(PredictError::Unsupported(format!(
            "{} has no decision_function here",
            self.summary().class
        )))
    }
}

/// A description of an estimator for `inspect`: its class, a few key facts, and its children.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Summary {
    pub class: String,
    pub details: Vec<(String, String)>,
    pub children: Vec<(String, Summary)>,
}

impl Summary {
    pub fn new(class: impl Into<String>) -> Self {
        Summary {
            class: class.into(),
            ..Summary::default()
        }
    }

    pub fn detail(mut self, key: impl Into<String>, value: impl std::fmt::Display) -> Self {
        self.details.push((key.into(), value.to_string()));
        self
    }

    pub fn child(mut self, name: impl Into<String>, child: Summary) -> Self {
        self.children.push((name.into(), child));
        self
    }

    /// An indented tree, one estimator per line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out, "", 0);
        out
    }

    fn render_into(&self, out: &mut String, name: &str, depth: usize) {
        let indent = "  ".repeat(depth);
        let label = if name.is_empty() {
            self.class.clone()
        } else {
            format!("{name}: {}", self.class)
        };
        let details: Vec<String> = self
            .details
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if details.is_empty() {
            out.push_str(&format!("{indent}{label}\n"));
        } else {
            out.push_str(&format!("{indent}{label} ({})\n", details.join(", ")));
        }
        for (child_name, child) in &self.children {
            child.render_into(out, child_name, depth + 1);
        }
    }
}
