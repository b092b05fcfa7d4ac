//! PLSRegression: `(X - _x_mean) · coefᵀ + intercept_`; files written before scikit-learn 1.5 also
//! divide by `_x_std` first (later versions fold the scale into `coef_`).

use std::sync::Arc;

use ndarray::{ArrayView2, Axis, Zip};

use super::LinearCore;
use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::{support, Estimator};
use crate::model::value::ObjView;

/// A fitted PLS regression.
#[derive(Debug)]
pub struct Pls {
    core: LinearCore,
    x_mean: Vec<f64>,
    /// `_x_std` when the writing version divides by it at predict time.
    x_std: Option<Vec<f64>>,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    if !obj.has("intercept_") {
        return Err(obj.error(
            "intercept_",
            "is missing: PLSRegression files written before scikit-learn 1.1 are not supported",
        ));
    }
    let core = LinearCore::from_obj(&obj)?;
    if core.flat {
        return Err(obj.error("coef_", "expected a 2-d coef_ (n_targets × n_features)"));
    }
    let n = core.n_features();
    let x_mean = support::f64s(&obj, "_x_mean")?;
    let x_std = if support::at_least(&obj, 1, 5) {
        None
    } else {
        Some(support::f64s(&obj, "_x_std")?)
    };
    for (attr, len) in [
        ("_x_mean", Some(x_mean.len())),
        ("_x_std", x_std.as_ref().map(Vec::len)),
    ] {
        if let Some(len) = len.filter(|&l| l != n) {
            return Err(obj.error(attr, format!("has {len} values but coef_ has {n} columns")));
        }
    }
    Ok(Estimator::Predictor(Box::new(Pls {
        core,
        x_mean,
        x_std,
    })))
}

impl Predictor for Pls {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        support::check_width(self.core.n_features(), x.ncols())?;
        let mut centred = x.to_owned();
        for mut row in centred.axis_iter_mut(Axis(0)) {
            Zip::from(&mut row)
                .and(self.x_mean.as_slice())
                .for_each(|v, m| *v -= m);
            if let Some(std) = &self.x_std {
                Zip::from(&mut row)
                    .and(std.as_slice())
                    .for_each(|v, s| *v /= s);
            }
        }
        let values = self.core.decision(centred.view(), "PLSRegression")?;
        Ok(Output::Regression { values })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        None
    }

    fn summary(&self) -> Summary {
        Summary::new("PLSRegression")
            .detail("n_features", self.core.n_features())
            .detail("n_targets", self.core.n_outputs())
    }
}
