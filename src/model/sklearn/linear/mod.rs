//! Linear models: regressors (LinearRegression, Ridge, Lasso, ElasticNet, their CV variants, SGD,
//! Huber, quantile, Bayesian, passive-aggressive, GLMs, PLS, kernel ridge) and linear classifiers
//! (LogisticRegression(CV), SGD, Perceptron, passive-aggressive, ridge), sharing `X · coefᵀ + intercept`.

pub(super) mod classifier;
mod glm;
mod kernel_ridge;
mod logistic;
mod margin;
pub mod math;
mod pls;
pub(super) mod regression;
mod sgd;

pub use classifier::{LinearClassifier, Proba};

use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::support;
use crate::model::error::{LoadError, PredictError};
use crate::model::value::ObjView;

/// The linear classes this family registers, each with its builder.
pub const CLASSES: &[super::Entry] = &[
    ("LinearRegression", |o, _| regression::build(o)),
    ("Ridge", |o, _| regression::build(o)),
    ("Lasso", |o, _| regression::build(o)),
    ("ElasticNet", |o, _| regression::build(o)),
    ("LogisticRegression", |o, _| logistic::build(o)),
    ("SGDClassifier", |o, _| sgd::build(o)),
    ("SGDRegressor", |o, _| regression::build(o)),
    ("RidgeCV", |o, _| regression::build(o)),
    ("LassoCV", |o, _| regression::build(o)),
    ("ElasticNetCV", |o, _| regression::build(o)),
    ("HuberRegressor", |o, _| regression::build(o)),
    ("QuantileRegressor", |o, _| regression::build(o)),
    ("BayesianRidge", |o, _| regression::build(o)),
    ("ARDRegression", |o, _| regression::build(o)),
    ("PassiveAggressiveRegressor", |o, _| regression::build(o)),
    ("PoissonRegressor", |o, _| glm::build(o)),
    ("GammaRegressor", |o, _| glm::build(o)),
    ("TweedieRegressor", |o, _| glm::build(o)),
    ("LogisticRegressionCV", |o, _| logistic::build(o)),
    ("RidgeClassifier", |o, _| margin::build(o)),
    ("RidgeClassifierCV", |o, _| margin::build(o)),
    ("Perceptron", |o, _| margin::build(o)),
    ("PassiveAggressiveClassifier", |o, _| margin::build(o)),
    ("PLSRegression", |o, _| pls::build(o)),
    ("KernelRidge", |o, _| kernel_ridge::build(o)),
];

/// The fitted `coef_` and `intercept_` of a linear model, as `n_outputs × n_features` plus one
/// intercept per output. Shapes are checked here so that `decision` cannot fail on them.
#[derive(Clone, Debug)]
pub struct LinearCore {
    coef: Array2<f64>,
    intercept: Array1<f64>,
    /// Was `coef_` 1-d (a single-output regressor)?
    pub flat: bool,
    pub feature_names: Option<Vec<String>>,
}

impl LinearCore {
    pub fn from_obj(obj: &ObjView<'_>) -> Result<Self, LoadError> {
        let coef_arr = obj.array("coef_")?;
        let flat = coef_arr.shape.len() <= 1;
        let coef = support::matrix(obj, "coef_")?;
        let n_out = coef.nrows();
        let n_features = coef.ncols();
        if n_out == 0 {
            return Err(obj.error("coef_", "has no rows"));
        }
        let raw = match obj.get("intercept_") {
            None | Some(crate::model::value::Value::None) => vec![0.0],
            Some(_) => support::f64s(obj, "intercept_")?,
        };
        let intercept = match raw.len() {
            1 => Array1::from_elem(n_out, raw[0]),
            n if n == n_out => Array1::from(raw),
            n => {
                return Err(obj.error(
                    "intercept_",
                    format!("has {n} values but coef_ has {n_out} rows"),
                ))
            }
        };
        let feature_names = support::checked_inputs(obj, n_features, "coef_")?;
        Ok(LinearCore {
            coef,
            intercept,
            flat,
            feature_names,
        })
    }

    pub fn n_features(&self) -> usize {
        self.coef.ncols()
    }

    pub fn n_outputs(&self) -> usize {
        self.coef.nrows()
    }

    /// `X · coefᵀ + intercept` (rows × outputs), after checking the width and that every value is
    /// finite, as scikit-learn's input validation does.
    pub fn decision(&self, x: ArrayView2<'_, f64>, who: &str) -> Result<Array2<f64>, PredictError> {
        support::check_width(self.n_features(), x.ncols())?;
        support::require_finite(x, who, self.feature_names.as_deref())?;
        let mut scores = x.dot(&self.coef.t());
        for mut row in scores.axis_iter_mut(Axis(0)) {
            row += &self.intercept;
        }
        Ok(scores)
    }
}
