//! Linear classifiers without `predict_proba`: Perceptron, PassiveAggressiveClassifier and
//! RidgeClassifier(CV), whose labels older versions keep only in `_label_binarizer.classes_`.

use super::classifier::{LinearClassifier, Proba};
use super::LinearCore;
use crate::model::error::LoadError;
use crate::model::sklearn::Estimator;
use crate::model::value::ObjView;

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let mut core = LinearCore::from_obj(&obj)?;
    if !obj.class_name().starts_with("RidgeClassifier") {
        let clf = LinearClassifier::new(&obj, core, Proba::None, Vec::new())?;
        return Ok(Estimator::Predictor(Box::new(clf)));
    }
    // Newer versions ravel a binary ridge classifier's coef_ to 1-d; it is still one row.
    core.flat = false;
    let lb = obj.estimator("_label_binarizer")?;
    let y_type = lb.opt_str("y_type_").unwrap_or("binary");
    if y_type != "binary" && y_type != "multiclass" {
        return Err(obj.error(
            "_label_binarizer",
            format!("target type {y_type:?} is not supported; supported: binary, multiclass"),
        ));
    }
    let clf = if obj.has("classes_") {
        LinearClassifier::new(&obj, core, Proba::None, Vec::new())?
    } else {
        let classes = lb.labels("classes_")?;
        LinearClassifier::with_classes(&obj, core, classes, Proba::None, Vec::new())?
    };
    Ok(Estimator::Predictor(Box::new(clf)))
}
