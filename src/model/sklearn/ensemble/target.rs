//! TransformedTargetRegressor: `regressor_`'s predictions mapped back through `transformer_`'s
//! inverse: StandardScaler, RobustScaler, MinMaxScaler and MaxAbsScaler inverses in scikit-learn's
//! order of operations, or a FunctionTransformer's allow-listed `inverse_func` (None = identity).

use std::sync::Arc;

use ndarray::{ArrayView2, Axis, Zip};

use super::child::{self, Child};
use crate::model::data::{Batch, Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::preprocessing::function::{function_attr, Ufunc};
use crate::model::sklearn::{support, Estimator};
use crate::model::value::ObjView;

/// An inverse transform of the target.
#[derive(Debug)]
enum Inverse {
    /// `y * mul + add` per column, either part optional (Standard/Robust/MaxAbs scalers).
    MulAdd(Option<Vec<f64>>, Option<Vec<f64>>),
    /// `(y - sub) / div` per column (MinMaxScaler).
    SubDiv(Vec<f64>, Vec<f64>),
    Func(Option<Ufunc>),
}

/// A fitted TransformedTargetRegressor.
#[derive(Debug)]
pub struct TransformedTarget {
    regressor: Child,
    inverse: Inverse,
    transformer: String,
}

fn flagged(t: &ObjView<'_>, flag: &str, attr: &str) -> Result<Option<Vec<f64>>, LoadError> {
    if t.has(flag) && !t.bool(flag)? {
        return Ok(None);
    }
    support::opt_f64s(t, attr)
}

pub fn build(obj: ObjView<'_>, depth: usize) -> Result<Estimator, LoadError> {
    let regressor = Child::build(
        &obj,
        obj.req("regressor_")?,
        depth,
        "TransformedTargetRegressor.regressor_",
    )?;
    if regressor.classes().is_some() {
        return Err(obj.error("regressor_", "is a classifier; a regressor is needed"));
    }
    let t = obj.estimator("transformer_")?;
    let inverse = match t.class_name() {
        "StandardScaler" => Inverse::MulAdd(flagged(&t, "with_std", "scale_")?, flagged(&t, "with_mean", "mean_")?),
        "RobustScaler" => Inverse::MulAdd(
            flagged(&t, "with_scaling", "scale_")?,
            flagged(&t, "with_centering", "center_")?,
        ),
        "MaxAbsScaler" => Inverse::MulAdd(Some(support::f64s(&t, "scale_")?), None),
        "MinMaxScaler" => Inverse::SubDiv(support::f64s(&t, "min_")?, support::f64s(&t, "scale_")?),
        "FunctionTransformer" => Inverse::Func(function_attr(&t, "inverse_func")?),
        other => {
            return Err(obj.error(
                "transformer_",
                format!(
                    "{other} is not supported; supported: StandardScaler, RobustScaler, MinMaxScaler, MaxAbsScaler, FunctionTransformer with an allow-listed inverse_func"
                ),
            ))
        }
    };
    let lens: Vec<usize> = match &inverse {
        Inverse::MulAdd(a, b) => [a, b]
            .iter()
            .filter_map(|v| v.as_ref().map(Vec::len))
            .collect(),
        Inverse::SubDiv(a, b) => vec![a.len(), b.len()],
        Inverse::Func(_) => Vec::new(),
    };
    if lens.iter().any(|&l| l != 1) {
        return Err(obj.error(
            "transformer_",
            "only a single-target transformer (one fitted column) is supported",
        ));
    }
    Ok(Estimator::Predictor(Box::new(TransformedTarget {
        regressor,
        inverse,
        transformer: t.class_name().to_string(),
    })))
}

impl Predictor for TransformedTarget {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        self.predict_batch(&Batch::numeric(x.to_owned()), "")
    }

    fn predict_batch(&self, x: &Batch, _who: &str) -> Result<Output, PredictError> {
        let mut values = child::values(
            self.regressor.predict(x)?,
            "TransformedTargetRegressor.regressor_",
        )?;
        for mut col in values.axis_iter_mut(Axis(1)) {
            match &self.inverse {
                Inverse::MulAdd(mul, add) => {
                    if let Some(m) = mul {
                        Zip::from(&mut col).for_each(|v| *v *= m[0]);
                    }
                    if let Some(a) = add {
                        Zip::from(&mut col).for_each(|v| *v += a[0]);
                    }
                }
                Inverse::SubDiv(sub, div) => Zip::from(&mut col).for_each(|v| {
                    *v -= sub[0];
                    *v /= div[0];
                }),
                Inverse::Func(Some(f)) => col.mapv_inplace(f.f),
                Inverse::Func(None) => {}
            }
        }
        Ok(Output::Regression { values })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        None
    }

    fn summary(&self) -> Summary {
        let t = match &self.inverse {
            Inverse::Func(Some(f)) => format!("FunctionTransformer(inverse_func={f:?})"),
            _ => self.transformer.clone(),
        };
        Summary::new("TransformedTargetRegressor")
            .detail("transformer", t)
            .child("regressor_", self.regressor.summary())
    }
}
