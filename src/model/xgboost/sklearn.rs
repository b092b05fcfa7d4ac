//! XGBClassifier / XGBRegressor and their random-forest XGBRF* variants (xgboost.sklearn): the
//! wrapper's `_Booster` holds the model as a raw buffer (`handle`); predictions follow the wrapper:
//! rows cast to float32, `missing` values as NaN, float32 margins summed tree by tree, then the
//! objective's link and the wrapper's labels.

use std::sync::Arc;

use ndarray::{Array2, ArrayView2};

use super::model::{self, Link, XgbModel};
use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::tree::common::check_width;
use crate::model::sklearn::Estimator;
use crate::model::value::{scalar_f64, Node, ObjView, Value};

#[derive(Debug)]
pub struct Xgb {
    model: XgbModel,
    /// Input values treated as missing besides NaN (the wrapper's `missing`).
    missing: Option<f32>,
    classes: Option<Arc<[Label]>>,
    summary: Summary,
}

/// The raw model buffer of a pickled `xgboost.core.Booster` (its `handle`).
pub fn booster_bytes<'a>(obj: &ObjView<'a>) -> Result<&'a [u8], LoadError> {
    let booster = obj.estimator("_Booster")?;
    if booster.full_name() != "xgboost.core.Booster" {
        return Err(obj.error(
            "_Booster",
            format!("is {}, expected xgboost.core.Booster", booster.full_name()),
        ));
    }
    let handle = booster
        .req("handle")
        .map_err(|_| obj.error("_Booster", "has no model (handle)"))?;
    match handle {
        Value::Bytes(b) => Ok(b),
        Value::Ref(_) => match obj.heap.get(handle) {
            Some(Node::ByteArray(b)) => Ok(b),
            _ => Err(obj.error(
                "_Booster.handle",
                format!(
                    "expected the model bytes, found {}",
                    obj.heap.describe(handle)
                ),
            )),
        },
        other => Err(obj.error(
            "_Booster.handle",
            format!(
                "expected the model bytes, found {}",
                obj.heap.describe(other)
            ),
        )),
    }
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let model = model::load(booster_bytes(&obj)?).map_err(|e| obj.error("_Booster", e))?;
    let classifier = matches!(obj.class_name(), "XGBClassifier" | "XGBRFClassifier");
    let classes: Option<Arc<[Label]>> = if classifier {
        let labels: Vec<Label> = match obj.get("classes_") {
            Some(Value::Ref(_)) => obj.array("classes_")?.to_labels(obj.heap)?,
            _ => (0..obj.i64("n_classes_")?).map(Label::Int).collect(),
        };
        let fits = match model.link {
            Link::Sigmoid => labels.len() == 2 && model.objective == "binary:logistic",
            Link::Softprob | Link::Softmax => labels.len() == model.n_groups && labels.len() > 2,
            Link::Identity | Link::Exp => false,
        };
        if !fits {
            return Err(obj.error(
                "objective",
                format!(
                    "{} does not fit a classifier of {} classes",
                    model.objective,
                    labels.len()
                ),
            ));
        }
        Some(Arc::from(labels))
    } else {
        if matches!(model.link, Link::Softprob | Link::Softmax) {
            return Err(obj.error(
                "objective",
                format!("{} is not a regression objective", model.objective),
            ));
        }
        None
    };
    let missing = match obj.get("missing") {
        Some(v) => scalar_f64(obj.heap, v)
            .filter(|m| !m.is_nan())
            .map(|m| m as f32),
        None => None,
    };
    let mut summary = Summary::new(obj.class_name())
        .detail("objective", &model.objective)
        .detail("n_trees", model.forest.roots.len())
        .detail("n_iterations", model.used_iterations)
        .detail("max_depth", model.forest.max_depth)
        .detail("n_features", model.n_features)
        .detail("xgboost_model_version", &model.version);
    if model.used_iterations < model.n_iterations {
        summary = summary.detail("best_iteration", model.used_iterations - 1);
    }
    if let Some(c) = &classes {
        summary = summary.detail("n_classes", c.len());
    }
    Ok(Estimator::Predictor(Box::new(Xgb {
        model,
        missing,
        classes,
        summary,
    })))
}

/// XGBoost's `common::Sigmoid`, in float32.
fn sigmoid(x: f32) -> f32 {
    1.0 / ((-x).min(88.7).exp() + 1.0 + 1e-16)
}

/// XGBoost's `common::Softmax`: float32 exponentials, a double sum.
fn softmax(v: &mut [f32]) {
    let max = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f64;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += f64::from(*x);
    }
    let sum = sum as f32;
    v.iter_mut().for_each(|x| *x /= sum);
}

/// Index of the first largest value.
fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}

impl Xgb {
    /// Float32 margins, one row per input row and one column per output group.
    pub fn margins(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f32>, PredictError> {
        let m = &self.model;
        check_width(x, m.n_features)?;
        let k = m.n_groups;
        let mut out = Array2::<f32>::zeros((x.nrows(), k));
        let mut row = vec![0f32; m.n_features];
        let forest = &m.forest;
        for (xr, mut o) in x.rows().into_iter().zip(out.rows_mut()) {
            for (r, v) in row.iter_mut().zip(xr.iter()) {
                let f = *v as f32;
                *r = if Some(f) == self.missing { f32::NAN } else { f };
            }
            let Some(o) = o.as_slice_mut() else { continue };
            o.copy_from_slice(&m.base_margin);
            if k == 1 {
                let mut s = o[0];
                for &root in &forest.roots {
                    s += forest.leaf(root, &row);
                }
                o[0] = s;
            } else {
                for (&root, &g) in forest.roots.iter().zip(&forest.groups) {
                    if let Some(slot) = o.get_mut(g as usize) {
                        *slot += forest.leaf(root, &row);
                    }
                }
            }
        }
        Ok(out)
    }
}

impl Predictor for Xgb {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        let mut margins = self.margins(x)?;
        let Some(classes) = &self.classes else {
            let values = match self.model.link {
                Link::Sigmoid => margins.mapv(|m| f64::from(sigmoid(m))),
                Link::Exp => margins.mapv(|m| f64::from(m.exp())),
                _ => margins.mapv(f64::from),
            };
            return Ok(Output::Regression { values });
        };
        let n = margins.nrows();
        let mut proba = Array2::<f64>::zeros((n, classes.len()));
        let mut predicted = Vec::with_capacity(n);
        for (mut mrow, mut p) in margins.rows_mut().into_iter().zip(proba.rows_mut()) {
            let Some(m) = mrow.as_slice_mut() else {
                continue;
            };
            match self.model.link {
                Link::Sigmoid => {
                    let p1 = sigmoid(m[0]);
                    p[0] = f64::from(1.0f32 - p1);
                    p[1] = f64::from(p1);
                    predicted.push(usize::from(p1 > 0.5));
                }
                Link::Softmax => {
                    predicted.push(argmax(m));
                    softmax(m);
                    p.iter_mut()
                        .zip(m.iter())
                        .for_each(|(d, s)| *d = f64::from(*s));
                }
                _ => {
                    softmax(m);
                    predicted.push(argmax(m));
                    p.iter_mut()
                        .zip(m.iter())
                        .for_each(|(d, s)| *d = f64::from(*s));
                }
            }
        }
        Ok(Output::Classification {
            classes: classes.clone(),
            predicted,
            probabilities: Some(proba),
        })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        self.classes.clone()
    }

    fn summary(&self) -> Summary {
        self.summary.clone()
    }
}
