//! A fitted sub-estimator of a meta-estimator: built through the registry (so any registered
//! class, pipelines included), flattened into transforms plus the predictor that ends it.

use std::sync::Arc;

use ndarray::Array2;

use crate::model::data::{Batch, Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::pipeline::into_transformer;
use crate::model::sklearn::{build, Estimator};
use crate::model::value::{ObjView, Value};

/// A sub-estimator: optional transforms, then a predictor.
#[derive(Debug)]
pub struct Child {
    transform: Option<Box<dyn crate::model::estimator::Transformer>>,
    predictor: Box<dyn Predictor>,
}

impl Child {
    /// Build the estimator `value` (found at `who`, e.g. `VotingClassifier.estimators_[2]`).
    pub fn build(
        obj: &ObjView<'_>,
        value: &Value,
        depth: usize,
        who: &str,
    ) -> Result<Child, LoadError> {
        let est = build(obj.heap, value, depth + 1)
            .map_err(|e| LoadError::model(format!("{who}: {e}")))?;
        Child::from_estimator(est, who)
    }

    fn from_estimator(est: Estimator, who: &str) -> Result<Child, LoadError> {
        let not_predictor =
            || LoadError::model(format!("{who}: a classifier or regressor is needed here"));
        match est {
            Estimator::Predictor(p) => Ok(Child {
                transform: None,
                predictor: p,
            }),
            Estimator::Pipeline(mut steps) => {
                // Unwrap the last step until it is a predictor (nested pipelines end in one).
                let (_, last) = steps.pop().ok_or_else(not_predictor)?;
                let mut prefix = vec![("pre".to_string(), Estimator::Pipeline(steps))];
                let mut last = last;
                loop {
                    match last {
                        Estimator::Predictor(p) => {
                            let transform = into_transformer(Estimator::Pipeline(prefix), who)?;
                            return Ok(Child {
                                transform,
                                predictor: p,
                            });
                        }
                        Estimator::Pipeline(mut inner) => {
                            let (_, l) = inner.pop().ok_or_else(not_predictor)?;
                            prefix.push(("pre".to_string(), Estimator::Pipeline(inner)));
                            last = l;
                        }
                        _ => return Err(not_predictor()),
                    }
                }
            }
            _ => Err(not_predictor()),
        }
    }

    /// Predict rows (text cells reach the child's own encoders).
    pub fn predict(&self, x: &Batch) -> Result<Output, PredictError> {
        match &self.transform {
            None => self.predictor.predict_batch(x, "the final estimator"),
            Some(t) => self
                .predictor
                .predict_batch(&t.transform(x)?, "the final estimator"),
        }
    }

    pub fn has_decision_function(&self) -> bool {
        self.predictor.has_decision_function()
    }

    /// The predictor's decision function, after the transforms.
    pub fn decision_function(&self, x: &Batch) -> Result<Array2<f64>, PredictError> {
        let out;
        let input = match &self.transform {
            None => x,
            Some(t) => {
                out = t.transform(x)?;
                &out
            }
        };
        self.predictor
            .decision_function(input.require_numeric("the final estimator")?)
    }

    pub fn classes(&self) -> Option<Arc<[Label]>> {
        self.predictor.classes()
    }

    pub fn summary(&self) -> Summary {
        match &self.transform {
            None => self.predictor.summary(),
            Some(t) => Summary::new("Pipeline")
                .child("transform", t.summary())
                .child("predict", self.predictor.summary()),
        }
    }
}

/// The probabilities of a classifier's output (rows × classes), or an error naming `who`.
pub fn proba(out: Output, who: &str) -> Result<Array2<f64>, PredictError> {
    match out {
        Output::Classification {
            probabilities: Some(p),
            ..
        } => Ok(p),
        _ => Err(PredictError::Unsupported(format!(
            "{who} gave no probabilities"
        ))),
    }
}

/// The predicted class indices (into the child's classes) of a classifier's output.
pub fn labels(out: Output, who: &str) -> Result<Vec<usize>, PredictError> {
    match out {
        Output::Classification { predicted, .. } => Ok(predicted),
        _ => Err(PredictError::Unsupported(format!(
            "{who} is not a classifier"
        ))),
    }
}

/// The values of a regressor's output (rows × outputs, at least one output).
pub fn values(out: Output, who: &str) -> Result<Array2<f64>, PredictError> {
    match out {
        Output::Regression { values } if values.ncols() > 0 => Ok(values),
        _ => Err(PredictError::Unsupported(format!(
            "{who} is not a regressor"
        ))),
    }
}

/// Probabilities that must be rows × `k`.
pub fn proba_k(out: Output, k: usize, who: &str) -> Result<Array2<f64>, PredictError> {
    let p = proba(out, who)?;
    if p.ncols() == k {
        Ok(p)
    } else {
        Err(PredictError::Unsupported(format!(
            "{who} gave {} probability columns for {k} classes",
            p.ncols()
        )))
    }
}

/// The class labels of a classifier as integers `0..k` when they are exactly those (what a
/// meta-estimator that label-encodes its target fits its children on).
pub fn encoded(classes: &[Label]) -> bool {
    classes
        .iter()
        .enumerate()
        .all(|(i, l)| matches!(l, Label::Int(v) if *v == i as i64))
}
