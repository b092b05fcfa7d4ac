//! Naive Bayes: GaussianNB, MultinomialNB, BernoulliNB (`binarize`), ComplementNB and
//! CategoricalNB. Each computes scikit-learn's joint log likelihood; `predict` is its first
//! argmax and `predict_proba` is `exp(jll - logsumexp(jll))`, as `_BaseNB` does.

mod build;

use std::sync::Arc;

use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::{math, support};
use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::value::ObjView;

/// The naive Bayes classes this family registers, each with its builder.
pub const CLASSES: &[super::Entry] = &[
    ("GaussianNB", |o, _| build::gaussian(o)),
    ("MultinomialNB", |o, _| build::discrete(o)),
    ("BernoulliNB", |o, _| build::discrete(o)),
    ("ComplementNB", |o, _| build::discrete(o)),
    ("CategoricalNB", |o, _| build::categorical(o)),
];

/// How the joint log likelihood is computed.
#[derive(Debug)]
enum Kind {
    /// `log prior + (-½ Σ log(2π var) - ½ Σ (x - θ)² / var)` per class.
    Gaussian {
        theta: Array2<f64>,
        var: Array2<f64>,
        log_prior: Array1<f64>,
        /// `-½ Σ log(2π var)` per class.
        norm: Array1<f64>,
    },
    /// `X · weightᵀ + bias` (Multinomial, Complement; Bernoulli after binarizing X, with
    /// `weight = flp - log(1 - exp(flp))` and `bias = class_log_prior + Σ log(1 - exp(flp))`).
    Linear {
        weight: Array2<f64>,
        bias: Array1<f64>,
        binarize: Option<f64>,
    },
    /// `Σ_i flp_i[class, ⌊x_i⌋] + class_log_prior`, one table per feature.
    Categorical {
        tables: Vec<Array2<f64>>,
        log_prior: Array1<f64>,
    },
}

/// A fitted naive Bayes classifier.
#[derive(Debug)]
pub struct NaiveBayes {
    class: String,
    classes: Arc<[Label]>,
    n_features: usize,
    kind: Kind,
    feature_names: Option<Vec<String>>,
    detail: Vec<(String, String)>,
}

impl NaiveBayes {
    fn new(
        obj: &ObjView<'_>,
        n_features: usize,
        kind: Kind,
        detail: Vec<(String, String)>,
    ) -> Result<Self, LoadError> {
        let classes = obj.labels("classes_")?;
        let n_classes = match &kind {
            Kind::Gaussian { log_prior, .. } | Kind::Categorical { log_prior, .. } => {
                log_prior.len()
            }
            Kind::Linear { bias, .. } => bias.len(),
        };
        if classes.len() != n_classes || n_classes == 0 {
            return Err(obj.error(
                "classes_",
                format!(
                    "has {} classes but the fitted parameters have {n_classes}",
                    classes.len()
                ),
            ));
        }
        if let Some(expected) = support::n_features(obj) {
            if expected != n_features {
                return Err(obj.error(
                    "n_features_in_",
                    format!("is {expected} but the fitted parameters have {n_features} features"),
                ));
            }
        }
        let feature_names = support::feature_names(obj)?;
        if feature_names
            .as_ref()
            .is_some_and(|f| f.len() != n_features)
        {
            return Err(obj.error(
                "feature_names_in_",
                format!("does not name {n_features} features"),
            ));
        }
        Ok(NaiveBayes {
            class: obj.class_name().to_string(),
            classes: Arc::from(classes),
            n_features,
            kind,
            feature_names,
            detail,
        })
    }

    fn joint_log_likelihood(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, PredictError> {
        Ok(match &self.kind {
            Kind::Gaussian {
                theta,
                var,
                log_prior,
                norm,
            } => {
                let mut jll = Array2::zeros((x.nrows(), log_prior.len()));
                for (r, row) in x.rows().into_iter().enumerate() {
                    for c in 0..log_prior.len() {
                        let s: f64 = row
                            .iter()
                            .zip(theta.row(c))
                            .zip(var.row(c))
                            .map(|((&v, &t), &s2)| (v - t).powi(2) / s2)
                            .sum();
                        jll[[r, c]] = log_prior[c] + (norm[c] - 0.5 * s);
                    }
                }
                jll
            }
            Kind::Linear {
                weight,
                bias,
                binarize,
            } => {
                let mut jll = match binarize {
                    Some(t) => x.mapv(|v| if v > *t { 1.0 } else { 0.0 }).dot(&weight.t()),
                    None => x.dot(&weight.t()),
                };
                for mut row in jll.axis_iter_mut(Axis(0)) {
                    row += bias;
                }
                jll
            }
            Kind::Categorical { tables, log_prior } => {
                let mut jll = Array2::zeros((x.nrows(), log_prior.len()));
                for (r, row) in x.rows().into_iter().enumerate() {
                    let mut out = jll.row_mut(r);
                    for (col, (&v, table)) in row.iter().zip(tables).enumerate() {
                        // scikit-learn casts X to int (truncating) and then indexes the table.
                        let cat = v.trunc();
                        if cat < 0.0 || cat >= table.ncols() as f64 {
                            return Err(PredictError::bad_value(
                                support::column_label(self.feature_names.as_deref(), col),
                                format!(
                                    "CategoricalNB was fitted on categories 0..{} for this feature, got {v}",
                                    table.ncols()
                                ),
                            ));
                        }
                        out += &table.column(cat as usize);
                    }
                    out += log_prior;
                }
                jll
            }
        })
    }
}

impl Predictor for NaiveBayes {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        support::check_width(self.n_features, x.ncols())?;
        support::require_finite(x, &self.class, self.feature_names.as_deref())?;
        let mut jll = self.joint_log_likelihood(x)?;
        let predicted = jll.axis_iter(Axis(0)).map(math::argmax).collect();
        for mut row in jll.axis_iter_mut(Axis(0)) {
            let lse = math::logsumexp(row.view());
            row.mapv_inplace(|v| (v - lse).exp());
        }
        Ok(Output::Classification {
            classes: Arc::clone(&self.classes),
            predicted,
            probabilities: Some(jll),
        })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        Some(Arc::clone(&self.classes))
    }

    fn summary(&self) -> Summary {
        let mut s = Summary::new(&self.class)
            .detail("n_features", self.n_features)
            .detail("n_classes", self.classes.len());
        for (k, v) in &self.detail {
            s = s.detail(k, v);
        }
        s
    }
}
