//! DecisionTree / ExtraTree classifiers and regressors, and the averaging tree-ensemble predictor
//! that forests reuse: X is cast to float32, each tree routes a row to a leaf, leaves are averaged.

pub mod common;
pub mod nodes;
#[cfg(test)]
pub mod testutil;

use std::sync::Arc;

use ndarray::{Array2, ArrayView2};

use super::Estimator;
use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::value::ObjView;
use common::{argmax, older_than_patch, pairwise_sum};
use nodes::{NanPolicy, PackedTrees};

/// What a tree ensemble predicts.
#[derive(Clone, Debug)]
pub enum Task {
    /// Leaves hold class fractions (scikit-learn ≥ 1.4.1) or weighted counts (older, normalised in
    /// `predict_proba`; forests get them normalised at load time).
    Classifier {
        classes: Arc<[Label]>,
    },
    Regressor,
}

/// Trees whose leaf values are averaged in order: a single decision tree (one tree) or a forest.
#[derive(Debug)]
pub struct TreeEnsemble {
    pub summary: Summary,
    pub trees: PackedTrees,
    pub n_features: usize,
    pub task: Task,
    /// A single pre-1.4.1 classifier tree: predict takes argmax of the raw counts, proba normalises them.
    pub normalize_at_predict: bool,
}

/// Divide class counts by their (numpy) sum, a zero sum counting as 1, as old `predict_proba` did.
pub fn normalize_counts(v: &mut [f64]) {
    let mut sum = pairwise_sum(v);
    if sum == 0.0 {
        sum = 1.0;
    }
    for x in v.iter_mut() {
        *x /= sum;
    }
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    common::require_single_output(&obj)?;
    let n_features = common::n_features(&obj)?;
    let tree = obj.estimator("tree_")?;
    let (task, width) = task_of(&obj)?;
    let legacy = matches!(task, Task::Classifier { .. }) && older_than_patch(&obj, 1, 4, 1);
    let mut trees = PackedTrees::new(width);
    trees.push(&tree, n_features, |_| {})?;
    let summary = Summary::new(obj.class_name())
        .detail("n_features", n_features)
        .detail("nodes", trees.n_nodes())
        .detail("depth", trees.max_depth());
    Ok(Estimator::Predictor(Box::new(TreeEnsemble {
        summary: with_classes(summary, &task),
        trees,
        n_features,
        task,
        normalize_at_predict: legacy,
    })))
}

/// Classifier (with `classes_`) or regressor, and the number of values per leaf.
pub fn task_of(obj: &ObjView<'_>) -> Result<(Task, usize), LoadError> {
    if obj.class_name().ends_with("Classifier") {
        let classes = common::classes(obj)?;
        let width = classes.len();
        Ok((Task::Classifier { classes }, width))
    } else {
        Ok((Task::Regressor, 1))
    }
}

pub fn with_classes(summary: Summary, task: &Task) -> Summary {
    match task {
        Task::Classifier { classes } => summary.detail("n_classes", classes.len()),
        Task::Regressor => summary,
    }
}

impl TreeEnsemble {
    /// Sum of each tree's leaf values per row, divided by the number of trees (scikit-learn's order).
    /// Trees are the outer loop so one tree's nodes stay in cache across the batch; each cell still
    /// receives its trees in order, so the sums are bit-identical to scikit-learn's.
    fn average(&self, rows: &[f32], n_rows: usize, width: usize) -> Array2<f64> {
        let mut out = Array2::<f64>::zeros((n_rows, width));
        let n_trees = self.trees.n_trees() as f64;
        if let Some(buf) = out.as_slice_mut() {
            for &root in self.trees.roots() {
                for (acc, row) in buf
                    .chunks_exact_mut(width)
                    .zip(rows.chunks_exact(self.n_features))
                {
                    let leaf = self.trees.leaf(root, row, NanPolicy::Follow);
                    for (a, v) in acc.iter_mut().zip(self.trees.value(leaf)) {
                        *a += v;
                    }
                }
            }
        }
        out.mapv_inplace(|a| a / n_trees);
        out
    }

    fn predict_single_legacy(
        &self,
        rows: &[f32],
        n_rows: usize,
        width: usize,
    ) -> (Vec<usize>, Array2<f64>) {
        let mut proba = Array2::<f64>::zeros((n_rows, width));
        let mut predicted = Vec::with_capacity(n_rows);
        let root = self.trees.roots().first().copied().unwrap_or(0);
        for (r, mut out) in proba.rows_mut().into_iter().enumerate() {
            let row = rows
                .get(r * self.n_features..(r + 1) * self.n_features)
                .unwrap_or(&[]);
            let raw = self
                .trees
                .value(self.trees.leaf(root, row, NanPolicy::Follow));
            predicted.push(argmax(raw));
            for (o, v) in out.iter_mut().zip(raw) {
                *o = *v;
            }
            if let Some(slice) = out.as_slice_mut() {
                normalize_counts(slice);
            }
        }
        (predicted, proba)
    }
}

impl Predictor for TreeEnsemble {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        let rows = common::to_f32_rows(x, self.n_features)?;
        self.trees.check_nan(
            &rows,
            self.n_features,
            NanPolicy::Follow,
            &self.summary.class,
        )?;
        let n_rows = x.nrows();
        match &self.task {
            Task::Classifier { classes } => {
                let (predicted, proba) = if self.normalize_at_predict {
                    self.predict_single_legacy(&rows, n_rows, classes.len())
                } else {
                    let proba = self.average(&rows, n_rows, classes.len());
                    let predicted = proba
                        .rows()
                        .into_iter()
                        .map(|r| r.as_slice().map_or(0, argmax))
                        .collect();
                    (predicted, proba)
                };
                Ok(Output::Classification {
                    classes: classes.clone(),
                    predicted,
                    probabilities: Some(proba),
                })
            }
            Task::Regressor => Ok(Output::Regression {
                values: self.average(&rows, n_rows, 1),
            }),
        }
    }

    fn summary(&self) -> Summary {
        self.summary.clone()
    }
}

#[cfg(test)]
mod tests;
