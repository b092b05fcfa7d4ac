//! SGDClassifier: a linear decision function whose `predict_proba` exists only for the log loss
//! (one-vs-rest sigmoids) and the modified Huber loss.

use super::classifier::{LinearClassifier, Proba};
use super::LinearCore;
use crate::model::error::LoadError;
use crate::model::sklearn::Estimator;
use crate::model::value::ObjView;

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let core = LinearCore::from_obj(&obj)?;
    let loss = obj.opt_str("loss").unwrap_or("hinge");
    let proba = match loss {
        // 'log' is the name before scikit-learn 1.1 renamed it (removed in 1.3).
        "log_loss" | "log" => Proba::OvrSigmoid,
        "modified_huber" => Proba::ModifiedHuber,
        _ => Proba::None,
    };
    let extra = vec![("loss".to_string(), loss.to_string())];
    let clf = LinearClassifier::new(&obj, core, proba, extra)?;
    Ok(Estimator::Predictor(Box::new(clf)))
}
