//! AdaBoostClassifier (SAMME: weighted ±votes of the children's labels; SAMME.R from files of
//! scikit-learn < 1.6: centred log-probabilities; decision divided by the weight sum, probabilities
//! by softmax of the decision scaled as `_compute_proba_from_decision`) and AdaBoostRegressor
//! (the weighted median of the children's predictions).

use std::sync::Arc;

use ndarray::{Array2, ArrayView2, Axis};

use super::child::{self, Child};
use super::voting::children;
use crate::model::data::{Batch, Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::linear::math::{argmax, softmax_rows};
use crate::model::sklearn::{support, Estimator};
use crate::model::value::ObjView;

/// A fitted AdaBoost ensemble.
#[derive(Debug)]
pub struct AdaBoost {
    class: String,
    children: Vec<Child>,
    weights: Vec<f64>,
    /// Classifier: classes and whether the algorithm is SAMME.R.
    classes: Option<(Arc<[Label]>, bool)>,
}

pub fn build(obj: ObjView<'_>, depth: usize) -> Result<Estimator, LoadError> {
    let kids = children(&obj, "estimators_", depth)?;
    let mut weights = support::f64s(&obj, "estimator_weights_")?;
    if weights.len() < kids.len() {
        return Err(obj.error(
            "estimator_weights_",
            format!("has {} values for {} estimators", weights.len(), kids.len()),
        ));
    }
    let weight_sum: f64 = weights.iter().sum();
    weights.truncate(kids.len());
    let classes = if obj.class_name() == "AdaBoostClassifier" {
        let c = obj.labels("classes_")?;
        if c.len() < 2 {
            return Err(obj.error("classes_", "needs at least two classes"));
        }
        let real = match obj.opt_str("algorithm") {
            Some("SAMME.R") => true,
            None | Some("SAMME") | Some("deprecated") => false,
            Some(other) => {
                return Err(obj.error(
                    "algorithm",
                    format!("{other:?} is not supported; supported: 'SAMME', 'SAMME.R'"),
                ))
            }
        };
        for (i, k) in kids.iter().enumerate() {
            if k.classes().is_none_or(|kc| kc[..] != c[..]) {
                return Err(obj.error(
                    "estimators_",
                    format!("estimator {i} does not have the ensemble's classes_"),
                ));
            }
        }
        Some((Arc::from(c), real))
    } else {
        None
    };
    // The decision divides by the sum of every weight (`estimator_weights_.sum()`).
    weights.push(weight_sum);
    Ok(Estimator::Predictor(Box::new(AdaBoost {
        class: obj.class_name().to_string(),
        children: kids,
        weights,
        classes,
    })))
}

impl AdaBoost {
    fn who(&self, i: usize) -> String {
        format!("{} estimator {i}", self.class)
    }

    fn median(&self, x: &Batch) -> Result<Array2<f64>, PredictError> {
        let mut preds = Vec::with_capacity(self.children.len());
        for (i, c) in self.children.iter().enumerate() {
            preds.push(child::values(c.predict(x)?, &self.who(i))?);
        }
        let w = &self.weights[..self.children.len()];
        Ok(Array2::from_shape_fn((x.n_rows(), 1), |(r, _)| {
            let mut order: Vec<usize> = (0..preds.len()).collect();
            order.sort_by(|&a, &b| preds[a][[r, 0]].total_cmp(&preds[b][[r, 0]]));
            let mut cdf = Vec::with_capacity(order.len());
            let mut acc = 0.0;
            for &e in &order {
                acc += w[e];
                cdf.push(acc);
            }
            let half = 0.5 * acc;
            let pos = cdf.iter().position(|&c| c >= half).unwrap_or(0);
            preds[order[pos]][[r, 0]]
        }))
    }
}

impl Predictor for AdaBoost {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        self.predict_batch(&Batch::numeric(x.to_owned()), "")
    }

    fn predict_batch(&self, x: &Batch, _who: &str) -> Result<Output, PredictError> {
        let Some((classes, real)) = &self.classes else {
            return Ok(Output::Regression {
                values: self.median(x)?,
            });
        };
        let k = classes.len();
        let kf = k as f64;
        let mut pred = Array2::<f64>::zeros((x.n_rows(), k));
        for (i, c) in self.children.iter().enumerate() {
            let out = c.predict(x)?;
            if *real {
                let mut p = child::proba_k(out, k, &self.who(i))?;
                p.mapv_inplace(|v| v.max(f64::EPSILON).ln());
                for (mut row, prow) in pred.axis_iter_mut(Axis(0)).zip(p.axis_iter(Axis(0))) {
                    let s: f64 = prow.sum();
                    for (t, &lp) in row.iter_mut().zip(prow) {
                        *t += (kf - 1.0) * (lp - (1.0 / kf) * s);
                    }
                }
            } else {
                let w = self.weights[i];
                let other = -1.0 / (kf - 1.0) * w;
                for (r, j) in child::labels(out, &self.who(i))?.into_iter().enumerate() {
                    for c in 0..k.min(pred.ncols()) {
                        pred[[r, c]] += if c == j { w } else { other };
                    }
                }
            }
        }
        pred /= self.weights[self.weights.len() - 1];
        let (predicted, mut dec) = if k == 2 {
            let d: Vec<f64> = pred.axis_iter(Axis(0)).map(|r| -r[0] + r[1]).collect();
            let predicted = d.iter().map(|&v| usize::from(v > 0.0)).collect();
            let dec =
                Array2::from_shape_fn(
                    (d.len(), 2),
                    |(r, c)| if c == 0 { -d[r] / 2.0 } else { d[r] / 2.0 },
                );
            (predicted, dec)
        } else {
            let predicted = pred.axis_iter(Axis(0)).map(argmax).collect();
            (predicted, pred / (kf - 1.0))
        };
        softmax_rows(&mut dec);
        Ok(Output::Classification {
            classes: Arc::clone(classes),
            predicted,
            probabilities: Some(dec),
        })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        self.classes.as_ref().map(|(c, _)| Arc::clone(c))
    }

    fn summary(&self) -> Summary {
        let mut s = Summary::new(&self.class).detail("n_estimators", self.children.len());
        if let Some((_, real)) = &self.classes {
            s = s.detail("algorithm", if *real { "SAMME.R" } else { "SAMME" });
        }
        match self.children.first() {
            Some(c) => s.child("estimators_[0]", c.summary()),
            None => s,
        }
    }
}
