//! The shared linear classifier: decision function, label choice and the probability rule picked
//! at load time (sigmoid one-vs-rest, softmax, modified Huber, or none).

use std::sync::Arc;

use ndarray::{Array2, ArrayView2, Axis};

use super::math::{argmax, expit, normalize_rows, softmax_rows};
use super::LinearCore;
use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::value::ObjView;

/// How `predict_proba` turns decision values into probabilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proba {
    /// Sigmoid per class; binary gives `[1 - p, p]`, multiclass normalises the sigmoids
    /// (scikit-learn's `_predict_proba_lr`).
    OvrSigmoid,
    /// Softmax over classes; a binary model uses the softmax of `[-d, d]`.
    Softmax,
    /// SGDClassifier with `loss='modified_huber'`: `(clip(d, -1, 1) + 1) / 2`, normalised.
    ModifiedHuber,
    /// No `predict_proba` (e.g. hinge loss).
    None,
}

impl std::fmt::Display for Proba {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Proba::OvrSigmoid => "ovr-sigmoid",
            Proba::Softmax => "softmax",
            Proba::ModifiedHuber => "modified-huber",
            Proba::None => "none",
        })
    }
}

/// A fitted linear classifier.
#[derive(Debug)]
pub struct LinearClassifier {
    class: String,
    core: LinearCore,
    classes: Arc<[Label]>,
    proba: Proba,
    extra: Vec<(String, String)>,
}

impl LinearClassifier {
    pub fn new(
        obj: &ObjView<'_>,
        core: LinearCore,
        proba: Proba,
        extra: Vec<(String, String)>,
    ) -> Result<Self, LoadError> {
        let classes = obj.labels("classes_")?;
        Self::with_classes(obj, core, classes, proba, extra)
    }

    /// Like [`LinearClassifier::new`], with the class labels read elsewhere (RidgeClassifier keeps
    /// them in its `_label_binarizer`).
    pub fn with_classes(
        obj: &ObjView<'_>,
        core: LinearCore,
        classes: Vec<Label>,
        proba: Proba,
        extra: Vec<(String, String)>,
    ) -> Result<Self, LoadError> {
        let n_classes = classes.len();
        let rows = core.n_outputs();
        let ok = if n_classes == 2 {
            rows == 1
        } else {
            n_classes > 2 && rows == n_classes
        };
        if !ok || core.flat {
            return Err(obj.error(
                "coef_",
                format!(
                    "has {rows} row(s) for {n_classes} classes; expected a 2-d coef_ with 1 row for 2 classes or one row per class"
                ),
            ));
        }
        Ok(LinearClassifier {
            class: obj.class_name().to_string(),
            core,
            classes: Arc::from(classes),
            proba,
            extra,
        })
    }

    fn probabilities(&self, scores: &Array2<f64>) -> Option<Array2<f64>> {
        let n = scores.nrows();
        let binary = scores.ncols() == 1;
        match self.proba {
            Proba::None => None,
            Proba::OvrSigmoid if binary => Some(Array2::from_shape_fn((n, 2), |(r, c)| {
                let p = expit(scores[[r, 0]]);
                if c == 1 {
                    p
                } else {
                    1.0 - p
                }
            })),
            Proba::OvrSigmoid => {
                let mut p = scores.mapv(expit);
                normalize_rows(&mut p);
                Some(p)
            }
            Proba::Softmax if binary => {
                let mut p = Array2::from_shape_fn((n, 2), |(r, c)| {
                    if c == 1 {
                        scores[[r, 0]]
                    } else {
                        -scores[[r, 0]]
                    }
                });
                softmax_rows(&mut p);
                Some(p)
            }
            Proba::Softmax => {
                let mut p = scores.clone();
                softmax_rows(&mut p);
                Some(p)
            }
            Proba::ModifiedHuber => {
                let half = |d: f64| (d.clamp(-1.0, 1.0) + 1.0) / 2.0;
                if binary {
                    Some(Array2::from_shape_fn((n, 2), |(r, c)| {
                        let p = half(scores[[r, 0]]);
                        if c == 1 {
                            p
                        } else {
                            1.0 - p
                        }
                    }))
                } else {
                    let mut p = scores.mapv(half);
                    normalize_rows(&mut p);
                    Some(p)
                }
            }
        }
    }
}

impl Predictor for LinearClassifier {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        let scores = self.core.decision(x, &self.class)?;
        let predicted = if scores.ncols() == 1 {
            scores
                .column(0)
                .iter()
                .map(|&d| usize::from(d > 0.0))
                .collect()
        } else {
            scores.axis_iter(Axis(0)).map(argmax).collect()
        };
        Ok(Output::Classification {
            classes: Arc::clone(&self.classes),
            predicted,
            probabilities: self.probabilities(&scores),
        })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        Some(Arc::clone(&self.classes))
    }

    fn has_decision_function(&self) -> bool {
        true
    }

    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, PredictError> {
        self.core.decision(x, &self.class)
    }

    fn summary(&self) -> Summary {
        let mut s = Summary::new(&self.class)
            .detail("n_features", self.core.n_features())
            .detail("n_classes", self.classes.len())
            .detail("proba", self.proba);
        for (k, v) in &self.extra {
            s = s.detail(k, v);
        }
        s
    }
}
