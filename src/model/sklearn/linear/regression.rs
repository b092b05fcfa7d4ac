//! Linear regressors: LinearRegression, Ridge, Lasso, ElasticNet and SGDRegressor all predict
//! `X · coefᵀ + intercept`, one column per target.

use std::sync::Arc;

use ndarray::ArrayView2;

use super::LinearCore;
use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::Estimator;
use crate::model::value::ObjView;

/// A fitted linear regressor.
#[derive(Debug)]
pub struct LinearRegressor {
    class: String,
    core: LinearCore,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let core = LinearCore::from_obj(&obj)?;
    let single = [
        "SGDRegressor",
        "HuberRegressor",
        "QuantileRegressor",
        "BayesianRidge",
        "ARDRegression",
        "PassiveAggressiveRegressor",
        "LassoCV",
        "ElasticNetCV",
    ];
    if single.contains(&obj.class_name()) && core.n_outputs() != 1 {
        return Err(obj.error(
            "coef_",
            format!(
                "{} has one output, found {}",
                obj.class_name(),
                core.n_outputs()
            ),
        ));
    }
    Ok(Estimator::Predictor(Box::new(LinearRegressor {
        class: obj.class_name().to_string(),
        core,
    })))
}

impl Predictor for LinearRegressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        let values = self.core.decision(x, &self.class)?;
        Ok(Output::Regression { values })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        None
    }

    fn summary(&self) -> Summary {
        Summary::new(&self.class)
            .detail("n_features", self.core.n_features())
            .detail("n_outputs", self.core.n_outputs())
    }
}
