//! StackingClassifier and StackingRegressor: each kept child's `stack_method_` output (predict_proba
//! with the first column dropped for two classes, or predict as one column), then the input itself
//! when `passthrough`, concatenated and given to `final_estimator_` (scikit-learn's
//! `_concatenate_predictions`). A classifier's final labels go back through its label encoding.

use std::sync::Arc;

use ndarray::{concatenate, Array2, ArrayView2, Axis};

use super::child::{self, Child};
use super::voting::children;
use crate::model::data::{Batch, Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::Estimator;
use crate::model::value::{ObjView, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Proba,
    Decision,
    Predict,
}

/// A fitted stacking ensemble.
#[derive(Debug)]
pub struct Stacking {
    class: String,
    children: Vec<(Child, Method)>,
    final_estimator: Child,
    passthrough: bool,
    classes: Option<Arc<[Label]>>,
}

pub fn build(obj: ObjView<'_>, depth: usize) -> Result<Estimator, LoadError> {
    let kids = children(&obj, "estimators_", depth)?;
    let methods = obj.seq("stack_method_")?;
    if methods.len() != kids.len() {
        return Err(obj.error(
            "stack_method_",
            format!(
                "has {} entries for {} fitted estimators",
                methods.len(),
                kids.len()
            ),
        ));
    }
    let classifier = obj.class_name() == "StackingClassifier";
    let classes: Option<Arc<[Label]>> = if classifier {
        let c = obj.labels("classes_")?;
        Some(Arc::from(c))
    } else {
        None
    };
    let mut out = Vec::with_capacity(kids.len());
    for (i, (kid, m)) in kids.into_iter().zip(methods).enumerate() {
        let method = match m {
            Value::Str(s) if &**s == "predict_proba" && classifier => Method::Proba,
            Value::Str(s) if &**s == "predict" => Method::Predict,
            Value::Str(s) if &**s == "decision_function" && kid.has_decision_function() => {
                Method::Decision
            }
            other => {
                return Err(obj.error(
                    "stack_method_",
                    format!(
                        "entry {i} is {}; supported: 'predict_proba', 'predict', and 'decision_function' for linear, discriminant and SVC/NuSVC classifiers",
                        obj.heap.describe(other)
                    ),
                ))
            }
        };
        if classifier {
            let ok = kid.classes().is_some_and(|cc| child::encoded(&cc));
            if !ok {
                return Err(obj.error(
                    "estimators_",
                    format!("estimator {i} is not a classifier of the label-encoded classes"),
                ));
            }
        }
        out.push((kid, method));
    }
    let final_estimator = Child::build(
        &obj,
        obj.req("final_estimator_")?,
        depth,
        &format!("{}.final_estimator_", obj.class_name()),
    )?;
    if let Some(c) = &classes {
        let ok = final_estimator
            .classes()
            .is_some_and(|fc| fc.len() == c.len() && child::encoded(&fc));
        if !ok {
            return Err(obj.error(
                "final_estimator_",
                format!(
                    "is not a classifier of the label-encoded classes 0..{}",
                    c.len()
                ),
            ));
        }
    }
    Ok(Estimator::Predictor(Box::new(Stacking {
        class: obj.class_name().to_string(),
        children: out,
        final_estimator,
        passthrough: obj.has("passthrough") && obj.bool("passthrough")?,
        classes,
    })))
}

impl Stacking {
    fn meta(&self, x: &Batch) -> Result<Array2<f64>, PredictError> {
        let mut parts: Vec<Array2<f64>> = Vec::new();
        for (i, (kid, method)) in self.children.iter().enumerate() {
            let who = format!("{} estimator {i}", self.class);
            if *method == Method::Decision {
                parts.push(kid.decision_function(x)?);
                continue;
            }
            let out = kid.predict(x)?;
            parts.push(match (method, &out) {
                (Method::Proba, _) => {
                    let p = child::proba(out, &who)?;
                    if p.ncols() == 2 {
                        p.slice(ndarray::s![.., 1..]).to_owned()
                    } else {
                        p
                    }
                }
                (
                    _,
                    Output::Classification {
                        classes, predicted, ..
                    },
                ) => Array2::from_shape_fn((predicted.len(), 1), |(r, _)| {
                    match &classes[predicted[r]] {
                        Label::Int(v) => *v as f64,
                        _ => predicted[r] as f64,
                    }
                }),
                (_, Output::Regression { .. }) => child::values(out, &who)?,
            });
        }
        if self.passthrough {
            parts.push(x.require_numeric(&self.class)?.to_owned());
        }
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        concatenate(Axis(1), &views)
            .map_err(|e| PredictError::Unsupported(format!("{}: {e}", self.class)))
    }
}

impl Predictor for Stacking {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        self.predict_batch(&Batch::numeric(x.to_owned()), "")
    }

    fn predict_batch(&self, x: &Batch, _who: &str) -> Result<Output, PredictError> {
        let meta = self.meta(x)?;
        let out = self.final_estimator.predict(&Batch::numeric(meta))?;
        match (&self.classes, out) {
            (
                Some(classes),
                Output::Classification {
                    predicted,
                    probabilities,
                    ..
                },
            ) => Ok(Output::Classification {
                classes: Arc::clone(classes),
                predicted,
                probabilities,
            }),
            (_, out) => Ok(out),
        }
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        self.classes.clone()
    }

    fn summary(&self) -> Summary {
        let mut s = Summary::new(&self.class)
            .detail("n_estimators", self.children.len())
            .detail("passthrough", self.passthrough);
        for (i, (c, m)) in self.children.iter().enumerate() {
            let name = format!(
                "estimators_[{i}] {}",
                match m {
                    Method::Proba => "predict_proba",
                    Method::Decision => "decision_function",
                    Method::Predict => "predict",
                }
            );
            s = s.child(name, c.summary());
        }
        s.child("final_estimator_", self.final_estimator.summary())
    }
}
