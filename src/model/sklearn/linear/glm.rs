//! Generalised linear regressors (PoissonRegressor, GammaRegressor, TweedieRegressor): the linear
//! predictor `X · coef + intercept` through the inverse link of the loss the model was fitted with.

use std::sync::Arc;

use ndarray::ArrayView2;

use super::LinearCore;
use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::Estimator;
use crate::model::value::{ObjView, Value};

/// The link between the linear predictor and the mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    Identity,
    Log,
}

/// A fitted GLM regressor.
#[derive(Debug)]
pub struct GlmRegressor {
    class: String,
    core: LinearCore,
    link: Link,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let core = LinearCore::from_obj(&obj)?;
    if !core.flat || core.n_outputs() != 1 {
        return Err(obj.error("coef_", "expected a 1-d coef_ (one output)"));
    }
    let link = link(&obj)?;
    Ok(Estimator::Predictor(Box::new(GlmRegressor {
        class: obj.class_name().to_string(),
        core,
        link,
    })))
}

/// The link as scikit-learn picks it: from the fitted `_base_loss` when present (its class says
/// which link it inverts), else from the class, `power` and `link` parameters.
fn link(obj: &ObjView<'_>) -> Result<Link, LoadError> {
    if let Some(loss) = obj.get("_base_loss").filter(|v| **v != Value::None) {
        let name = obj
            .heap
            .object(loss)
            .map(|o| o.class.name.as_str())
            .unwrap_or("");
        return match name {
            "HalfSquaredError" | "HalfTweedieLossIdentity" => Ok(Link::Identity),
            "HalfPoissonLoss" | "HalfGammaLoss" | "HalfTweedieLoss" => Ok(Link::Log),
            _ => Err(obj.error(
                "_base_loss",
                format!(
                    "unsupported loss {}; supported: HalfPoissonLoss, HalfGammaLoss, HalfTweedieLoss (log link), HalfTweedieLossIdentity, HalfSquaredError (identity link)",
                    obj.heap.describe(loss)
                ),
            )),
        };
    }
    match obj.class_name() {
        "PoissonRegressor" | "GammaRegressor" => Ok(Link::Log),
        _ => {
            let power = obj.f64("power")?;
            match obj.opt_str("link").unwrap_or("auto") {
                "auto" if power <= 0.0 => Ok(Link::Identity),
                "auto" | "log" => Ok(Link::Log),
                "identity" => Ok(Link::Identity),
                other => Err(obj.error(
                    "link",
                    format!("unknown link {other:?}; supported: 'auto', 'log', 'identity'"),
                )),
            }
        }
    }
}

impl Predictor for GlmRegressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        let mut values = self.core.decision(x, &self.class)?;
        if self.link == Link::Log {
            values.mapv_inplace(f64::exp);
        }
        Ok(Output::Regression { values })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        None
    }

    fn summary(&self) -> Summary {
        Summary::new(&self.class)
            .detail("n_features", self.core.n_features())
            .detail(
                "link",
                match self.link {
                    Link::Identity => "identity",
                    Link::Log => "log",
                },
            )
    }
}
