//! Discriminant analysis: LinearDiscriminantAnalysis (a linear decision function; expit for two
//! classes, softmax otherwise) and QuadraticDiscriminantAnalysis (per-class Gaussian log posteriors).

mod qda;

use super::linear::{LinearClassifier, LinearCore, Proba};
use super::Estimator;
use crate::model::error::LoadError;
use crate::model::value::ObjView;

/// The discriminant-analysis classes this family registers.
pub const CLASSES: &[super::Entry] = &[
    ("LinearDiscriminantAnalysis", |o, _| build_lda(o)),
    ("QuadraticDiscriminantAnalysis", |o, _| qda::build(o)),
];

/// LDA's `predict_proba`: `[1 - expit(d), expit(d)]` for two classes, `softmax(d)` otherwise.
fn build_lda(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let core = LinearCore::from_obj(&obj)?;
    let n_classes = obj.array("classes_")?.len();
    let proba = if n_classes == 2 {
        Proba::OvrSigmoid
    } else {
        Proba::Softmax
    };
    let solver = obj.opt_str("solver").unwrap_or("svd").to_string();
    let clf = LinearClassifier::new(&obj, core, proba, vec![("solver".into(), solver)])?;
    Ok(Estimator::Predictor(Box::new(clf)))
}
