//! VotingClassifier (soft: weighted average of the children's probabilities; hard: weighted vote
//! of their label-encoded predictions, first maximum wins) and VotingRegressor (weighted average).
//! `drop` entries are skipped and their weights with them, as `_weights_not_none` does.

use std::sync::Arc;

use ndarray::{Array2, ArrayView2, Axis};

use super::child::{self, Child};
use crate::model::data::{Batch, Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::linear::math::argmax;
use crate::model::sklearn::{support, Estimator};
use crate::model::value::{ObjView, Value};

/// A fitted voting ensemble.
#[derive(Debug)]
pub struct Voting {
    class: String,
    children: Vec<Child>,
    weights: Option<Vec<f64>>,
    /// `Some` for a classifier: its classes and whether voting is soft.
    classes: Option<(Arc<[Label]>, bool)>,
}

/// The weights of the estimators that were not dropped, or None for equal weights.
pub fn weights_not_none(
    obj: &ObjView<'_>,
    n_children: usize,
) -> Result<Option<Vec<f64>>, LoadError> {
    let Some(w) = support::opt_f64s(obj, "weights")? else {
        return Ok(None);
    };
    let entries = obj.seq("estimators")?;
    if entries.len() != w.len() {
        return Err(obj.error(
            "weights",
            format!("has {} values for {} estimators", w.len(), entries.len()),
        ));
    }
    let kept: Vec<f64> = entries
        .iter()
        .zip(&w)
        .filter(
            |(e, _)| !matches!(obj.heap.sequence(e), Some([_, Value::Str(s)]) if &**s == "drop"),
        )
        .map(|(_, w)| *w)
        .collect();
    if kept.len() != n_children {
        return Err(obj.error(
            "weights",
            format!(
                "{} weights remain after 'drop' for {n_children} fitted estimators",
                kept.len()
            ),
        ));
    }
    Ok(Some(kept))
}

/// The fitted children of `estimators_`.
pub fn children(obj: &ObjView<'_>, attr: &str, depth: usize) -> Result<Vec<Child>, LoadError> {
    let items = obj.seq(attr)?;
    if items.is_empty() {
        return Err(obj.error(attr, "is empty"));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, v)| Child::build(obj, v, depth, &format!("{}.{attr}[{i}]", obj.class_name())))
        .collect()
}

pub fn build(obj: ObjView<'_>, depth: usize) -> Result<Estimator, LoadError> {
    let children = children(&obj, "estimators_", depth)?;
    let weights = weights_not_none(&obj, children.len())?;
    let classes = if obj.class_name() == "VotingClassifier" {
        let classes = obj.labels("classes_")?;
        let soft = match obj.opt_str("voting").unwrap_or("hard") {
            "soft" => true,
            "hard" => false,
            other => {
                return Err(obj.error(
                    "voting",
                    format!("{other:?} is not supported; supported: 'hard', 'soft'"),
                ))
            }
        };
        for (i, c) in children.iter().enumerate() {
            let ok = c
                .classes()
                .is_some_and(|cc| cc.len() == classes.len() && child::encoded(&cc));
            if !ok {
                return Err(obj.error(
                    "estimators_",
                    format!(
                        "estimator {i} is not a classifier of the label-encoded classes 0..{}",
                        classes.len()
                    ),
                ));
            }
        }
        Some((Arc::from(classes), soft))
    } else {
        None
    };
    Ok(Estimator::Predictor(Box::new(Voting {
        class: obj.class_name().to_string(),
        children,
        weights,
        classes,
    })))
}

/// `np.average(stack, axis=0, weights)`: sum in order (weighted), divided by the count or weight sum.
pub fn average(parts: Vec<Array2<f64>>, weights: Option<&[f64]>) -> Array2<f64> {
    let mut iter = parts.into_iter().enumerate();
    let Some((_, first)) = iter.next() else {
        return Array2::zeros((0, 0));
    };
    let w = |i: usize| weights.map_or(1.0, |w| w[i]);
    let mut sum = if weights.is_some() {
        first * w(0)
    } else {
        first
    };
    let n = 1 + iter.len();
    for (i, p) in iter {
        if weights.is_some() {
            sum = sum + p * w(i);
        } else {
            sum += &p;
        }
    }
    let denom = weights.map_or(n as f64, |w| w.iter().sum());
    sum / denom
}

impl Predictor for Voting {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        self.predict_batch(&Batch::numeric(x.to_owned()), "")
    }

    fn predict_batch(&self, x: &Batch, _who: &str) -> Result<Output, PredictError> {
        let who = |i: usize| format!("{} estimator {i}", self.class);
        let Some((classes, soft)) = &self.classes else {
            let parts = self
                .children
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let v = child::values(c.predict(x)?, &who(i))?;
                    Ok(v.column(0).to_owned().insert_axis(Axis(1)))
                })
                .collect::<Result<Vec<_>, PredictError>>()?;
            return Ok(Output::Regression {
                values: average(parts, self.weights.as_deref()),
            });
        };
        if *soft {
            let parts = self
                .children
                .iter()
                .enumerate()
                .map(|(i, c)| child::proba_k(c.predict(x)?, classes.len(), &who(i)))
                .collect::<Result<Vec<_>, PredictError>>()?;
            let p = average(parts, self.weights.as_deref());
            return Ok(Output::Classification {
                classes: Arc::clone(classes),
                predicted: p.axis_iter(Axis(0)).map(argmax).collect(),
                probabilities: Some(p),
            });
        }
        let mut votes = Array2::<f64>::zeros((x.n_rows(), classes.len()));
        for (i, c) in self.children.iter().enumerate() {
            let w = self.weights.as_ref().map_or(1.0, |w| w[i]);
            for (r, k) in child::labels(c.predict(x)?, &who(i))?
                .into_iter()
                .enumerate()
            {
                votes[[r, k]] += w;
            }
        }
        Ok(Output::Classification {
            classes: Arc::clone(classes),
            predicted: votes.axis_iter(Axis(0)).map(argmax).collect(),
            probabilities: None,
        })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        self.classes.as_ref().map(|(c, _)| Arc::clone(c))
    }

    fn summary(&self) -> Summary {
        let mut s = Summary::new(&self.class).detail("n_estimators", self.children.len());
        if let Some((_, soft)) = &self.classes {
            s = s.detail("voting", if *soft { "soft" } else { "hard" });
        }
        for (i, c) in self.children.iter().enumerate() {
            s = s.child(format!("estimators_[{i}]"), c.summary());
        }
        s
    }
}
