//! Nearest neighbours: KNeighborsClassifier and KNeighborsRegressor from `_fit_X` and `_y`, with
//! uniform or distance weights and the minkowski family of metrics. The search replays brute
//! force or the pickled KD/ball tree (read as data) so ties pick the neighbours scikit-learn picks.

mod metric;
mod search;
mod tree;

use std::sync::Arc;

use ndarray::{Array2, ArrayView1, ArrayView2};

use super::{math, support, Estimator};
use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::value::{scalar_bool, scalar_f64, ObjView, Value};
use search::{distance_weights, k_nearest, Heap, Index, Metric};

/// The neighbour classes this family registers, each with its builder.
pub const CLASSES: &[super::Entry] = &[
    ("KNeighborsClassifier", |o, _| build(o, true)),
    ("KNeighborsRegressor", |o, _| build(o, false)),
];

/// What the fitted neighbours predict from.
#[derive(Debug)]
enum Target {
    /// Class index per training row (`_y`), into `classes`.
    Classes(Arc<[Label]>, Vec<usize>),
    /// Training targets, n_samples × n_outputs, and whether `_y` was 1-d.
    Values(Array2<f64>),
}

/// A fitted k-nearest-neighbours estimator.
#[derive(Debug)]
pub struct KNeighbors {
    class: String,
    fit_x: Array2<f64>,
    k: usize,
    distance: bool,
    metric: Metric,
    index: Index,
    algorithm: String,
    target: Target,
    feature_names: Option<Vec<String>>,
}

fn build(obj: ObjView<'_>, classifier: bool) -> Result<Estimator, LoadError> {
    let fit_x = obj.array("_fit_X")?;
    if fit_x.shape.len() != 2 {
        return Err(obj.error(
            "_fit_X",
            format!("expected a 2-d array, found {}", fit_x.describe()),
        ));
    }
    let fit_x = fit_x.to_array2_f64().map_err(|e| obj.error("_fit_X", e))?;
    let (n, n_features) = fit_x.dim();
    let feature_names = support::checked_inputs(&obj, n_features, "_fit_X")?;
    let k = obj.usize("n_neighbors")?;
    if k == 0 || k > n {
        return Err(obj.error(
            "n_neighbors",
            format!("is {k} but there are {n} training rows (scikit-learn refuses to predict)"),
        ));
    }
    let distance = match obj.get("weights") {
        None | Some(Value::None) => false,
        Some(Value::Str(s)) if &**s == "uniform" => false,
        Some(Value::Str(s)) if &**s == "distance" => true,
        Some(v) => {
            return Err(obj.error(
                "weights",
                format!("{} is not supported; supported: 'uniform', 'distance' (a callable would mean running Python code)", obj.heap.describe(v)),
            ))
        }
    };
    let metric = metric(&obj)?;
    let algorithm = obj.opt_str("_fit_method").unwrap_or("brute").to_string();
    let index = match algorithm.as_str() {
        "brute" => Index::Brute {
            y_norms: fit_x.rows().into_iter().map(|r| math::dot(r, r)).collect(),
        },
        "kd_tree" | "ball_tree" => Index::Tree(tree::read(&obj, n, n_features)?),
        other => {
            return Err(obj.error(
                "_fit_method",
                format!("{other:?} is not supported; expected 'brute', 'kd_tree' or 'ball_tree'"),
            ))
        }
    };
    let target = if classifier {
        classes_target(&obj, n)?
    } else {
        let y = support::matrix(&obj, "_y")?;
        // A 1-d `_y` of n values comes back as 1 × n.
        let y = if obj.array("_y")?.shape.len() == 1 {
            y.reversed_axes()
        } else {
            y
        };
        if y.nrows() != n || y.ncols() == 0 {
            return Err(obj.error(
                "_y",
                format!("has shape {:?} for {n} training rows", y.dim()),
            ));
        }
        Target::Values(y)
    };
    Ok(Estimator::Predictor(Box::new(KNeighbors {
        class: obj.class_name().to_string(),
        fit_x,
        k,
        distance,
        metric,
        index,
        algorithm,
        target,
        feature_names,
    })))
}

fn metric(obj: &ObjView<'_>) -> Result<Metric, LoadError> {
    let attr = if obj.has("effective_metric_") {
        "effective_metric_"
    } else {
        "metric"
    };
    let name = obj.str(attr).map_err(|_| {
        obj.error(
            attr,
            "a callable metric cannot be served (it would mean running Python code)",
        )
    })?;
    let params = obj
        .get("effective_metric_params_")
        .or_else(|| obj.get("metric_params"));
    let mut p = None;
    if let Some(params) = params.filter(|v| !matches!(v, Value::None)) {
        let entries = obj
            .heap
            .dict(params)
            .ok_or_else(|| obj.error("effective_metric_params_", "expected a dict"))?;
        for (key, value) in entries {
            match key {
                Value::Str(s) if &**s == "p" => p = scalar_f64(obj.heap, value),
                Value::Str(s) if &**s == "w" && matches!(value, Value::None) => {}
                other => {
                    return Err(obj.error(
                        "effective_metric_params_",
                        format!(
                            "parameter {} is not supported (only p)",
                            obj.heap.describe(other)
                        ),
                    ))
                }
            }
        }
    }
    if p.is_none() {
        p = obj.get("p").and_then(|v| scalar_f64(obj.heap, v));
    }
    Metric::parse(name, p).map_err(|e| obj.error(attr, e))
}

fn classes_target(obj: &ObjView<'_>, n: usize) -> Result<Target, LoadError> {
    if obj
        .get("outputs_2d_")
        .and_then(|v| scalar_bool(obj.heap, v))
        == Some(true)
    {
        return Err(obj.error("outputs_2d_", "multi-output classifiers are not supported"));
    }
    let classes = obj.labels("classes_")?;
    let raw = obj
        .array("_y")?
        .to_i64_vec()
        .map_err(|e| obj.error("_y", e))?;
    if raw.len() != n || obj.array("_y")?.shape.len() != 1 {
        return Err(obj.error(
            "_y",
            format!(
                "expected {n} class indices, found {}",
                obj.array("_y")?.describe()
            ),
        ));
    }
    let y = raw
        .iter()
        .map(|&c| usize::try_from(c).ok().filter(|&c| c < classes.len()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            obj.error(
                "_y",
                format!("holds a class index outside 0..{}", classes.len()),
            )
        })?;
    Ok(Target::Classes(Arc::from(classes), y))
}

impl KNeighbors {
    /// The `k` nearest training rows to `row` into `near`, as scikit-learn's search finds them.
    fn k_nearest(&self, row: ArrayView1<'_, f64>, heap: &mut Heap, near: &mut Vec<(f64, usize)>) {
        k_nearest(
            self.metric,
            &self.index,
            self.fit_x.view(),
            row,
            self.k,
            heap,
            near,
        );
    }
}

impl Predictor for KNeighbors {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        support::check_width(self.fit_x.ncols(), x.ncols())?;
        support::require_finite(x, &self.class, self.feature_names.as_deref())?;
        let mut near = Vec::with_capacity(self.k);
        let mut heap = Heap::new();
        let mut weights = Vec::with_capacity(self.k);
        let rows = x.nrows();
        match &self.target {
            Target::Classes(classes, y) => {
                let mut proba = Array2::<f64>::zeros((rows, classes.len()));
                let mut predicted = Vec::with_capacity(rows);
                for (r, row) in x.rows().into_iter().enumerate() {
                    self.k_nearest(row, &mut heap, &mut near);
                    let mut out = proba.row_mut(r);
                    if self.distance {
                        distance_weights(&near, &mut weights);
                        for (&(_, i), &w) in near.iter().zip(&weights) {
                            out[y[i]] += w;
                        }
                    } else {
                        for &(_, i) in &near {
                            out[y[i]] += 1.0;
                        }
                    }
                    predicted.push(math::argmax(out.view()));
                    let total: f64 = out.sum();
                    out.mapv_inplace(|v| v / total);
                }
                Ok(Output::Classification {
                    classes: Arc::clone(classes),
                    predicted,
                    probabilities: Some(proba),
                })
            }
            Target::Values(y) => {
                let mut values = Array2::<f64>::zeros((rows, y.ncols()));
                for (r, row) in x.rows().into_iter().enumerate() {
                    self.k_nearest(row, &mut heap, &mut near);
                    let mut out = values.row_mut(r);
                    if self.distance {
                        distance_weights(&near, &mut weights);
                        let denom: f64 = weights.iter().sum();
                        for (j, o) in out.iter_mut().enumerate() {
                            let num: f64 = near
                                .iter()
                                .zip(&weights)
                                .map(|(&(_, i), w)| y[[i, j]] * w)
                                .sum();
                            *o = num / denom;
                        }
                    } else {
                        for &(_, i) in &near {
                            out += &y.row(i);
                        }
                        out.mapv_inplace(|v| v / self.k as f64);
                    }
                }
                Ok(Output::Regression { values })
            }
        }
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        match &self.target {
            Target::Classes(c, _) => Some(Arc::clone(c)),
            Target::Values(_) => None,
        }
    }

    fn summary(&self) -> Summary {
        let s = Summary::new(&self.class)
            .detail("n_features", self.fit_x.ncols())
            .detail("n_samples_fit", self.fit_x.nrows())
            .detail("n_neighbors", self.k)
            .detail(
                "weights",
                if self.distance { "distance" } else { "uniform" },
            )
            .detail("metric", self.metric.name())
            .detail("search", format!("{} replayed", self.algorithm));
        match &self.target {
            Target::Classes(c, _) => s.detail("n_classes", c.len()),
            Target::Values(y) => s.detail("n_outputs", y.ncols()),
        }
    }
}
