//! RandomForest and ExtraTrees classifiers and regressors: every tree in `estimators_` is packed
//! into one arena, and predictions average the trees' probabilities or values in order.

use super::tree::common::{self, older_than_patch};
use super::tree::nodes::PackedTrees;
use super::tree::{normalize_counts, task_of, with_classes, Task, TreeEnsemble};
use super::Estimator;
use crate::model::error::LoadError;
use crate::model::estimator::Summary;
use crate::model::value::ObjView;

/// Most trees accepted in one forest (a bound on hostile files; real forests have hundreds).
const MAX_TREES: usize = 100_000;

pub fn build(obj: ObjView<'_>, depth: usize) -> Result<Estimator, LoadError> {
    let _ = depth;
    common::require_single_output(&obj)?;
    let n_features = common::n_features(&obj)?;
    let (task, width) = task_of(&obj)?;
    let legacy = matches!(task, Task::Classifier { .. }) && older_than_patch(&obj, 1, 4, 1);
    let members = obj.seq("estimators_")?;
    if members.is_empty() {
        return Err(obj.error("estimators_", "is empty; the forest has no trees"));
    }
    if members.len() > MAX_TREES {
        return Err(obj.error(
            "estimators_",
            format!(
                "has {} trees, more than the {MAX_TREES} accepted",
                members.len()
            ),
        ));
    }
    let mut trees = PackedTrees::new(width);
    for (i, member) in members.iter().enumerate() {
        let est = obj
            .heap
            .estimator(member)
            .map_err(|e| obj.error(&format!("estimators_[{i}]"), e))?;
        let tree = est
            .estimator("tree_")
            .map_err(|e| obj.error(&format!("estimators_[{i}]"), e))?;
        // Each tree's predict_proba normalised its counts before averaging (scikit-learn < 1.4).
        trees.push(&tree, n_features, |v| {
            if legacy {
                normalize_counts(v);
            }
        })?;
    }
    let summary = Summary::new(obj.class_name())
        .detail("n_estimators", trees.n_trees())
        .detail("n_features", n_features)
        .detail("nodes", trees.n_nodes())
        .detail("max_depth", trees.max_depth());
    Ok(Estimator::Predictor(Box::new(TreeEnsemble {
        summary: with_classes(summary, &task),
        trees,
        n_features,
        task,
        normalize_at_predict: false,
    })))
}
