//! GradientBoosting's starting scores: `init_` (a Dummy prior or constant, 'zero', or any other
//! estimator) mapped through the loss's link, as `_init_raw_predictions` (≥ 1.4) or `_gb_losses` (< 1.4).

use super::{Init, Link};
use crate::model::error::LoadError;
use crate::model::sklearn::dummy::{self, Dummy};
use crate::model::sklearn::tree::common::{logit, pairwise_sum};
use crate::model::sklearn::Estimator;
use crate::model::value::{ObjView, Value};

pub(super) fn read_init(
    obj: &ObjView<'_>,
    link: Link,
    legacy: bool,
    k: usize,
    depth: usize,
) -> Result<Init, LoadError> {
    let value = obj.req("init_")?;
    if let Value::Str(s) = value {
        return match &**s {
            "zero" => Ok(Init::Zero),
            other => Err(obj.error("init_", format!("unknown init {other:?}"))),
        };
    }
    let init = obj.estimator("init_")?;
    if matches!(init.class_name(), "DummyClassifier" | "DummyRegressor") {
        let model = dummy::read(&init).map_err(|e| obj.error("init_", e))?;
        let raw = match (&model.dummy, link) {
            (Dummy::Regressor { constant }, Link::Identity) => vec![*constant],
            (Dummy::Classifier { proba, .. }, l) if l != Link::Identity => {
                init_raw(proba, link, legacy)
            }
            _ => return Err(obj.error("init_", "does not match the model's task")),
        };
        if raw.len() != k {
            return Err(obj.error(
                "init_",
                format!("gives {} outputs, expected {k}", raw.len()),
            ));
        }
        return Ok(Init::Constant(raw));
    }
    match crate::model::sklearn::build(obj.heap, value, depth + 1)? {
        Estimator::Predictor(p) => Ok(Init::Estimator(p)),
        _ => Err(obj.error("init_", "must be a single classifier or regressor")),
    }
}

/// `_init_raw_predictions` for one row of init probabilities (classifiers only).
pub(super) fn init_raw(proba: &[f64], link: Link, legacy: bool) -> Vec<f64> {
    let eps = if legacy {
        f64::from(f32::EPSILON)
    } else {
        f64::EPSILON
    };
    let clip = |p: f64| p.clamp(eps, 1.0 - eps);
    match link {
        Link::Logit | Link::HalfLogit => {
            let p = clip(proba.get(1).copied().unwrap_or(0.0));
            let raw = if legacy {
                (p / (1.0 - p)).ln()
            } else {
                logit(p)
            };
            vec![if link == Link::HalfLogit {
                0.5 * raw
            } else {
                raw
            }]
        }
        Link::Multinomial => {
            let logs: Vec<f64> = proba.iter().map(|&p| clip(p).ln()).collect();
            if legacy {
                return logs;
            }
            // log(p / gmean(p)), gmean = exp(mean(log p)).
            let gm = (pairwise_sum(&logs) / logs.len() as f64).exp();
            proba.iter().map(|&p| (clip(p) / gm).ln()).collect()
        }
        Link::Identity => proba.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_raw_binary_is_logit_of_positive_prior() {
        let raw = init_raw(&[0.25, 0.75], Link::Logit, false);
        assert!((raw[0] - 3f64.ln()).abs() < 1e-15);
        let half = init_raw(&[0.25, 0.75], Link::HalfLogit, true);
        assert!((half[0] - 0.5 * 3f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn init_raw_multiclass_is_centred_in_new_versions() {
        let raw = init_raw(&[0.2, 0.3, 0.5], Link::Multinomial, false);
        assert!(raw.iter().sum::<f64>().abs() < 1e-12);
        let old = init_raw(&[0.2, 0.3, 0.5], Link::Multinomial, true);
        assert!((old[0] - 0.2f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn init_raw_clips_zero_probabilities() {
        let raw = init_raw(&[1.0, 0.0], Link::Logit, false);
        assert!(raw[0].is_finite() && raw[0] < -30.0);
    }
}
