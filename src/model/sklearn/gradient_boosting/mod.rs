//! GradientBoostingClassifier / Regressor: raw = link(init_ prediction) + Σ learning_rate · tree(X),
//! then the loss's inverse link (expit, softmax, or identity), following scikit-learn's own maths
//! for both the pre-1.4 `_gb_losses` and the current `_loss` module.

mod init;

use std::sync::Arc;

use ndarray::{Array2, ArrayView2};

use super::tree::common::{self, argmax, expit, older_than, pairwise_sum, softmax_in_place};
use super::tree::nodes::{NanPolicy, PackedTrees};
use super::Estimator;
use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::value::ObjView;

/// How raw scores become predictions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Link {
    Identity,
    /// Binary log-loss: p = expit(raw).
    Logit,
    /// Exponential loss: p = expit(2·raw).
    HalfLogit,
    /// Multiclass log-loss: p = softmax(raw).
    Multinomial,
}
/// Where the raw scores start.
#[derive(Debug)]
pub(crate) enum Init {
    /// `init='zero'`.
    Zero,
    /// A constant raw score per output (Dummy priors, computed at load time).
    Constant(Vec<f64>),
    /// Any other estimator: its predictions go through the link at predict time.
    Estimator(Box<dyn Predictor>),
}
#[derive(Debug)]
pub struct GradientBoosting {
    summary: Summary,
    trees: PackedTrees,
    n_features: usize,
    /// Trees per stage: 1 for regression and binary classification, n_classes for multiclass.
    k: usize,
    link: Link,
    init: Init,
    classes: Option<Arc<[Label]>>,
    /// Written by scikit-learn < 1.4 (`_gb_losses`): float32 clipping eps, argmax over probabilities.
    legacy: bool,
}

pub fn build(obj: ObjView<'_>, depth: usize) -> Result<Estimator, LoadError> {
    common::require_single_output(&obj)?;
    let n_features = common::n_features(&obj)?;
    let legacy = older_than(&obj, 1, 4);
    let loss = obj.opt_str("loss").unwrap_or("");
    let (classes, link, k) = if obj.class_name() == "GradientBoostingClassifier" {
        let classes = common::classes(&obj)?;
        let link = match (loss, classes.len()) {
            ("exponential", 2) => Link::HalfLogit,
            ("log_loss" | "deviance" | "", 2) => Link::Logit,
            ("log_loss" | "deviance" | "", n) if n > 2 => Link::Multinomial,
            (other, n) => {
                return Err(obj.error(
                    "loss",
                    format!("{other:?} with {n} classes is not supported"),
                ))
            }
        };
        let k = if link == Link::Multinomial {
            classes.len()
        } else {
            1
        };
        (Some(classes), link, k)
    } else {
        match loss {
            "squared_error" | "ls" | "absolute_error" | "lad" | "huber" | "quantile" | "" => {}
            other => return Err(obj.error("loss", format!("{other:?} is not supported"))),
        }
        (None, Link::Identity, 1)
    };
    let learning_rate = obj.f64("learning_rate")?;
    let trees = stages(&obj, n_features, k, learning_rate)?;
    let init = init::read_init(&obj, link, legacy, k, depth)?;
    let mut summary = Summary::new(obj.class_name())
        .detail("n_estimators", trees.n_trees() / k.max(1))
        .detail("n_features", n_features)
        .detail("learning_rate", learning_rate)
        .detail("loss", if loss.is_empty() { "default" } else { loss })
        .detail("max_depth", trees.max_depth());
    if let Some(c) = &classes {
        summary = summary.detail("n_classes", c.len());
    }
    Ok(Estimator::Predictor(Box::new(GradientBoosting {
        summary,
        trees,
        n_features,
        k,
        link,
        init,
        classes,
        legacy,
    })))
}
/// `estimators_`: an object array (n_stages × k) of DecisionTreeRegressor, packed stage by stage.
/// Leaf values are pre-multiplied by the learning rate, exactly as `scale * value` in scikit-learn.
fn stages(
    obj: &ObjView<'_>,
    n_features: usize,
    k: usize,
    lr: f64,
) -> Result<PackedTrees, LoadError> {
    let arr = obj.array("estimators_")?;
    let (n_stages, cols) = match arr.shape.as_slice() {
        [s, c] => (*s, *c),
        shape => {
            return Err(obj.error(
                "estimators_",
                format!("expected a 2-d array, found shape {shape:?}"),
            ))
        }
    };
    if cols != k || n_stages == 0 {
        return Err(obj.error(
            "estimators_",
            format!("has shape ({n_stages}, {cols}); expected at least one stage of {k} trees"),
        ));
    }
    let items = arr
        .objects()
        .ok_or_else(|| obj.error("estimators_", "expected an object array of trees"))?;
    let mut trees = PackedTrees::new(1);
    for s in 0..n_stages {
        for j in 0..k {
            let idx = if arr.fortran_order {
                s + j * n_stages
            } else {
                s * k + j
            };
            let at = format!("estimators_[{s}, {j}]");
            let v = items.get(idx).ok_or_else(|| obj.error(&at, "is missing"))?;
            let tree = obj
                .heap
                .estimator(v)
                .and_then(|est| est.estimator("tree_"))
                .map_err(|e| obj.error(&at, e))?;
            trees.push(&tree, n_features, |v| v.iter_mut().for_each(|x| *x *= lr))?;
        }
    }
    Ok(trees)
}
impl GradientBoosting {
    /// The raw scores (rows × k) before the inverse link.
    fn raw(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, PredictError> {
        let rows = common::to_f32_rows(x, self.n_features)?;
        let n_rows = x.nrows();
        let mut raw = Array2::<f64>::zeros((n_rows, self.k));
        match &self.init {
            Init::Zero => {}
            Init::Constant(c) => raw.rows_mut().into_iter().for_each(|mut r| {
                r.iter_mut().zip(c).for_each(|(o, v)| *o = *v);
            }),
            Init::Estimator(p) => self.estimator_init(p.as_ref(), &rows, n_rows, &mut raw)?,
        }
        // Stage-major, like predict_stages: each cell gets its stages in order.
        if let Some(buf) = raw.as_slice_mut() {
            for (idx, &root) in self.trees.roots().iter().enumerate() {
                let k = idx % self.k;
                for (out, row) in buf
                    .chunks_exact_mut(self.k)
                    .zip(rows.chunks_exact(self.n_features))
                {
                    let leaf = self.trees.leaf(root, row, NanPolicy::Right);
                    if let (Some(o), Some(v)) = (out.get_mut(k), self.trees.value(leaf).first()) {
                        *o += v;
                    }
                }
            }
        }
        Ok(raw)
    }

    /// A non-dummy `init_`: predicted on the float32-cast input, then linked.
    fn estimator_init(
        &self,
        p: &dyn Predictor,
        rows: &[f32],
        n_rows: usize,
        raw: &mut Array2<f64>,
    ) -> Result<(), PredictError> {
        let x32 = Array2::from_shape_fn((n_rows, self.n_features), |(r, c)| {
            f64::from(
                rows.get(r * self.n_features + c)
                    .copied()
                    .unwrap_or(f32::NAN),
            )
        });
        let unsupported =
            || PredictError::Unsupported("init_ estimator returned an unexpected shape".into());
        match p.predict(x32.view())? {
            Output::Regression { values } if self.link == Link::Identity && values.ncols() == 1 => {
                raw.column_mut(0).assign(&values.column(0));
            }
            Output::Classification {
                probabilities: Some(proba),
                ..
            } if self.link != Link::Identity => {
                for (mut out, prow) in raw.rows_mut().into_iter().zip(proba.rows()) {
                    let v = init::init_raw(&prow.to_vec(), self.link, self.legacy);
                    if v.len() != out.len() {
                        return Err(unsupported());
                    }
                    out.iter_mut().zip(v).for_each(|(o, x)| *o = x);
                }
            }
            _ => return Err(unsupported()),
        }
        Ok(())
    }
}

impl Predictor for GradientBoosting {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        let raw = self.raw(x)?;
        let Some(classes) = &self.classes else {
            return Ok(Output::Regression { values: raw });
        };
        let n_rows = raw.nrows();
        let mut proba = Array2::<f64>::zeros((n_rows, classes.len()));
        let mut predicted = Vec::with_capacity(n_rows);
        for (r, mut p) in proba.rows_mut().into_iter().enumerate() {
            let raw_row = raw.row(r);
            match self.link {
                Link::Logit | Link::HalfLogit => {
                    let z = raw_row[0];
                    let p1 = expit(if self.link == Link::HalfLogit {
                        2.0 * z
                    } else {
                        z
                    });
                    p[0] = 1.0 - p1;
                    p[1] = p1;
                    let positive = if self.legacy && self.link == Link::Logit {
                        p1 > p[0]
                    } else {
                        z >= 0.0
                    };
                    predicted.push(usize::from(positive));
                }
                _ => {
                    p.assign(&raw_row);
                    let Some(slice) = p.as_slice_mut() else {
                        continue;
                    };
                    if self.legacy {
                        legacy_softmax(slice);
                        predicted.push(argmax(slice));
                    } else {
                        predicted.push(raw_row.as_slice().map_or(0, argmax));
                        softmax_in_place(slice);
                    }
                }
            }
        }
        Ok(Output::Classification {
            classes: classes.clone(),
            predicted,
            probabilities: Some(proba),
        })
    }

    fn summary(&self) -> Summary {
        self.summary.clone()
    }
}
/// scikit-learn < 1.4: `nan_to_num(exp(raw - logsumexp(raw)))`.
fn legacy_softmax(row: &mut [f64]) {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let shifted: Vec<f64> = row.iter().map(|v| (v - max).exp()).collect();
    let lse = pairwise_sum(&shifted).ln() + max;
    for v in row.iter_mut() {
        let p = (*v - lse).exp();
        *v = if p.is_finite() { p } else { 0.0 };
    }
}

#[cfg(test)]
mod tests;
