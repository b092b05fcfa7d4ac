//! LogisticRegression: picks sigmoid (binary and one-vs-rest) or softmax (multinomial) exactly as
//! the scikit-learn version that wrote the file did in `predict_proba`.

use super::classifier::{LinearClassifier, Proba};
use super::LinearCore;
use crate::model::error::LoadError;
use crate::model::sklearn::{support, Estimator};
use crate::model::value::{ObjView, Value};

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let core = LinearCore::from_obj(&obj)?;
    let n_classes = obj.array("classes_")?.len();
    let multi_class = match obj.get("multi_class") {
        None | Some(Value::None) => None,
        Some(_) => Some(obj.str("multi_class")?),
    };
    let solver = obj.opt_str("solver").unwrap_or("lbfgs");
    let proba = proba_rule(multi_class, solver, n_classes, &obj)?;
    let mut extra = vec![("solver".to_string(), solver.to_string())];
    if let Some(mc) = multi_class {
        extra.push(("multi_class".to_string(), mc.to_string()));
    }
    let clf = LinearClassifier::new(&obj, core, proba, extra)?;
    Ok(Estimator::Predictor(Box::new(clf)))
}

/// scikit-learn's choice between one-vs-rest sigmoids and softmax:
/// - ≤ 1.4: `multi_class in ('ovr', 'warn')`, or `'auto'` with 2 classes or a liblinear /
///   newton-cholesky solver, means one-vs-rest; anything else is softmax.
/// - 1.5 – 1.7: the default became `'deprecated'`, treated like `'auto'`; newton-cholesky learned
///   the multinomial loss in 1.6.
/// - ≥ 1.8 (no `multi_class` attribute): binary is a sigmoid, multiclass a softmax.
fn proba_rule(
    multi_class: Option<&str>,
    solver: &str,
    n_classes: usize,
    obj: &ObjView<'_>,
) -> Result<Proba, LoadError> {
    let auto = || {
        let ovr_solver =
            solver == "liblinear" || (solver == "newton-cholesky" && !support::at_least(obj, 1, 6));
        if n_classes <= 2 || ovr_solver {
            Proba::OvrSigmoid
        } else {
            Proba::Softmax
        }
    };
    Ok(match multi_class {
        None => {
            if n_classes <= 2 || solver == "liblinear" {
                Proba::OvrSigmoid
            } else {
                Proba::Softmax
            }
        }
        Some("ovr") | Some("warn") => Proba::OvrSigmoid,
        Some("multinomial") => Proba::Softmax,
        Some("auto") | Some("deprecated") => auto(),
        Some(other) => {
            return Err(obj.error(
                "multi_class",
                format!("unknown value {other:?}; expected 'auto', 'ovr' or 'multinomial'"),
            ))
        }
    })
}
