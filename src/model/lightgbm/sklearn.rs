//! LGBMClassifier / LGBMRegressor (lightgbm.sklearn): the wrapper's `_Booster` pickles its model
//! as the text model string (`_handle`, `handle` in older versions) plus `best_iteration`.
//! Classifiers map probabilities to `_classes` as the wrapper does (binary: [1 - p, p], argmax).

use std::sync::Arc;

use ndarray::{Array2, ArrayView2};

use super::categories;
use super::model::{self, softmax, LgbmModel, Link};
use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::tree::common::{argmax, check_width};
use crate::model::sklearn::Estimator;
use crate::model::value::{scalar_i64, ObjView, Value};

#[derive(Debug)]
pub struct Lgbm {
    model: LgbmModel,
    classes: Option<Arc<[Label]>>,
    summary: Summary,
}

/// The model string and `best_iteration` of a pickled `lightgbm.basic.Booster`.
pub fn booster_model<'a>(obj: &ObjView<'a>) -> Result<(&'a str, usize), LoadError> {
    let booster = obj.estimator("_Booster")?;
    if booster.full_name() != "lightgbm.basic.Booster" {
        return Err(obj.error(
            "_Booster",
            format!(
                "is {}, expected lightgbm.basic.Booster",
                booster.full_name()
            ),
        ));
    }
    let text = match booster.get("_handle").or_else(|| booster.get("handle")) {
        Some(Value::Str(s)) => &**s,
        Some(other) => {
            return Err(obj.error(
                "_Booster._handle",
                format!(
                    "expected the model string, found {}",
                    obj.heap.describe(other)
                ),
            ))
        }
        None => return Err(obj.error("_Booster", "has no model string (_handle)")),
    };
    let best = booster
        .get("best_iteration")
        .or_else(|| obj.get("_best_iteration"))
        .and_then(|v| scalar_i64(obj.heap, v))
        .unwrap_or(0);
    Ok((text, usize::try_from(best).unwrap_or(0)))
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let (text, best) = booster_model(&obj)?;
    let model = model::load(text, best).map_err(|e| obj.error("_Booster", e))?;
    if let Some(v) = obj.get("_n_features") {
        if scalar_i64(obj.heap, v) != Some(model.n_features as i64) {
            return Err(obj.error(
                "_n_features",
                format!("does not match the model's {} features", model.n_features),
            ));
        }
    }
    let classes: Option<Arc<[Label]>> = if obj.class_name() == "LGBMClassifier" {
        let labels = obj.array("_classes")?.to_labels(obj.heap)?;
        let fits = match model.link {
            Link::Sigmoid(_) => labels.len() == 2,
            Link::Softmax => labels.len() == model.k,
            Link::Identity | Link::Exp => false,
        };
        if !fits {
            return Err(obj.error(
                "_classes",
                format!(
                    "{} classes do not fit objective {:?}",
                    labels.len(),
                    model.objective
                ),
            ));
        }
        Some(Arc::from(labels))
    } else {
        if !matches!(model.link, Link::Identity | Link::Exp) {
            return Err(obj.error(
                "objective",
                format!("{:?} is not a regression objective", model.objective),
            ));
        }
        None
    };
    let mut summary = Summary::new(obj.class_name())
        .detail("objective", &model.objective)
        .detail("n_trees", model.trees.trees.len())
        .detail("n_iterations", model.used_iterations)
        .detail("max_leaves", model.trees.max_leaves)
        .detail("n_features", model.n_features);
    if model.used_iterations < model.n_iterations {
        summary = summary.detail("best_iteration", model.used_iterations);
    }
    if model.trees.n_categorical_splits > 0 {
        summary = summary.detail("categorical_splits", model.trees.n_categorical_splits);
    }
    if let Some(c) = &classes {
        summary = summary.detail("n_classes", c.len());
    }
    let n_features = model.n_features;
    let predictor = Estimator::Predictor(Box::new(Lgbm {
        model,
        classes,
        summary,
    }));
    match categories::parse(text, n_features).map_err(|e| obj.error("_Booster", e))? {
        None => Ok(predictor),
        Some(cats) => Ok(Estimator::Pipeline(vec![
            (
                "pandas_categorical".to_string(),
                Estimator::Transformer(Box::new(cats)),
            ),
            (obj.class_name().to_string(), predictor),
        ])),
    }
}

impl Lgbm {
    /// Raw scores (before the objective's output conversion), one column per tree of an iteration.
    pub fn raw(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, PredictError> {
        let m = &self.model;
        check_width(x, m.n_features)?;
        let mut out = Array2::<f64>::zeros((x.nrows(), m.k));
        let mut row = vec![0.0; m.n_features];
        for (xr, mut o) in x.rows().into_iter().zip(out.rows_mut()) {
            row.iter_mut().zip(xr.iter()).for_each(|(r, v)| *r = *v);
            if let Some(o) = o.as_slice_mut() {
                m.raw_row(&mut row, o);
            }
        }
        Ok(out)
    }
}

impl Predictor for Lgbm {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        let mut raw = self.raw(x)?;
        let Some(classes) = &self.classes else {
            if self.model.link == Link::Exp {
                raw.mapv_inplace(f64::exp);
            }
            return Ok(Output::Regression { values: raw });
        };
        let n = raw.nrows();
        let mut proba = Array2::<f64>::zeros((n, classes.len()));
        let mut predicted = Vec::with_capacity(n);
        for (r, mut p) in raw.rows().into_iter().zip(proba.rows_mut()) {
            let Some(p) = p.as_slice_mut() else { continue };
            match self.model.link {
                Link::Sigmoid(s) => {
                    let p1 = 1.0 / (1.0 + (-s * r[0]).exp());
                    p[0] = 1.0 - p1;
                    p[1] = p1;
                }
                _ => {
                    p.iter_mut().zip(r.iter()).for_each(|(d, v)| *d = *v);
                    softmax(p);
                }
            }
            predicted.push(argmax(p));
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
