//! SVC and NuSVC: libsvm's one-vs-one decision values, the vote (`d > 0` votes for the first class
//! of the pair, ties go to the lowest class index), `break_ties` through scikit-learn's
//! `_ovr_decision_function`, Platt-scaled probabilities when fitted with `probability=True`, and
//! `decision_function` (for calibration and stacking).

use std::sync::Arc;

use ndarray::{Array1, Array2, ArrayView2};

use super::{dual_coef, intercept, n_support, proba, LibsvmCore};
use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::{math, support, Estimator};
use crate::model::value::{scalar_bool, ObjView, Value};

/// A fitted SVC / NuSVC.
#[derive(Debug)]
pub struct SvmClassifier {
    core: LibsvmCore,
    classes: Arc<[Label]>,
    /// Support vectors per class (libsvm's `nSV`), and where each class's block starts.
    n_support: Vec<usize>,
    start: Vec<usize>,
    /// `(n_classes - 1) × n_SV`, libsvm's `sv_coef`.
    dual_coef: Array2<f64>,
    /// One per pair (`-rho`).
    intercept: Vec<f64>,
    /// Platt parameters per pair, when fitted with `probability=True`.
    platt: Option<(Vec<f64>, Vec<f64>)>,
    /// `break_ties=True` with `decision_function_shape='ovr'` and more than two classes.
    break_ties: bool,
    shape: String,
}

fn truthy(obj: &ObjView<'_>, attr: &str) -> bool {
    obj.get(attr)
        .and_then(|v| match v {
            Value::Str(_) => None, // 1.9's `probability="deprecated"` means False
            _ => scalar_bool(obj.heap, v),
        })
        .unwrap_or(false)
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let core = LibsvmCore::from_obj(&obj)?;
    let classes = obj.labels("classes_")?;
    let k = classes.len();
    if k < 2 {
        return Err(obj.error(
            "classes_",
            format!("has {k} class(es); expected at least 2"),
        ));
    }
    let n_sv = core.n_sv();
    let n_support = n_support(&obj, n_sv)?;
    if n_support.len() != k {
        return Err(obj.error(
            "_n_support",
            format!("has {} counts for {k} classes", n_support.len()),
        ));
    }
    let mut start = vec![0; k];
    for i in 1..k {
        start[i] = start[i - 1] + n_support[i - 1];
    }
    let pairs = k * (k - 1) / 2;
    let dual_coef = dual_coef(&obj, k - 1, n_sv)?;
    let intercept = intercept(&obj, pairs)?;
    let platt = if truthy(&obj, "probability") {
        let a = either(&obj, "_probA", "probA_")?;
        let b = either(&obj, "_probB", "probB_")?;
        if a.len() != pairs || b.len() != pairs {
            return Err(obj.error(
                "_probA",
                format!(
                    "probability=True needs {pairs} Platt parameters per array, found {} and {}",
                    a.len(),
                    b.len()
                ),
            ));
        }
        Some((a, b))
    } else {
        None
    };
    let shape = obj.opt_str("decision_function_shape").unwrap_or("ovr");
    if shape != "ovr" && shape != "ovo" {
        return Err(obj.error(
            "decision_function_shape",
            format!("{shape:?} is not supported; expected 'ovr' or 'ovo'"),
        ));
    }
    let break_ties = truthy(&obj, "break_ties");
    if break_ties && shape == "ovo" {
        return Err(obj.error(
            "break_ties",
            "break_ties=True with decision_function_shape='ovo' cannot predict (scikit-learn raises)",
        ));
    }
    Ok(Estimator::Predictor(Box::new(SvmClassifier {
        core,
        classes: Arc::from(classes),
        n_support,
        start,
        dual_coef,
        intercept,
        platt,
        break_ties: break_ties && k > 2,
        shape: shape.to_string(),
    })))
}

/// Platt parameters under the current name (`_probA`) or the pre-0.23 one (`probA_`).
fn either(obj: &ObjView<'_>, new: &str, old: &str) -> Result<Vec<f64>, LoadError> {
    if obj.has(new) {
        support::f64s(obj, new)
    } else {
        support::f64s(obj, old)
    }
}

impl SvmClassifier {
    /// libsvm's `svm_predict_values` for one row: the one-vs-one decision values into `dec`.
    fn decision(&self, kvalue: &Array1<f64>, dec: &mut [f64]) {
        let k = self.n_support.len();
        let mut p = 0;
        for i in 0..k {
            for j in i + 1..k {
                let (si, sj) = (self.start[i], self.start[j]);
                let coef1 = self.dual_coef.row(j - 1);
                let coef2 = self.dual_coef.row(i);
                let mut sum = 0.0;
                for t in si..si + self.n_support[i] {
                    sum += coef1[t] * kvalue[t];
                }
                for t in sj..sj + self.n_support[j] {
                    sum += coef2[t] * kvalue[t];
                }
                // libsvm subtracts rho; scikit-learn stores intercept = -rho.
                sum -= -self.intercept[p];
                dec[p] = sum;
                p += 1;
            }
        }
    }

    /// The predicted class index from the decision values.
    fn vote(&self, dec: &[f64]) -> usize {
        let k = self.n_support.len();
        if self.break_ties {
            return math::argmax(ovr_decision(dec, k).view());
        }
        let mut votes = vec![0usize; k];
        let mut p = 0;
        for i in 0..k {
            for j in i + 1..k {
                if dec[p] > 0.0 {
                    votes[i] += 1;
                } else {
                    votes[j] += 1;
                }
                p += 1;
            }
        }
        let mut best = 0;
        for i in 1..k {
            if votes[i] > votes[best] {
                best = i;
            }
        }
        best
    }
}

/// scikit-learn's `_ovr_decision_function(dec < 0, -dec, k)`: votes plus a confidence in (-1/3, 1/3).
fn ovr_decision(dec: &[f64], k: usize) -> Array1<f64> {
    let mut votes = Array1::<f64>::zeros(k);
    let mut conf = Array1::<f64>::zeros(k);
    let mut p = 0;
    for i in 0..k {
        for j in i + 1..k {
            let c = -dec[p];
            conf[i] -= c;
            conf[j] += c;
            if dec[p] < 0.0 {
                votes[j] += 1.0;
            } else {
                votes[i] += 1.0;
            }
            p += 1;
        }
    }
    votes + conf.mapv(|s| s / (3.0 * (s.abs() + 1.0)))
}

impl Predictor for SvmClassifier {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        self.core.check(x)?;
        let k = self.n_support.len();
        let mut kvalue = Array1::zeros(self.core.n_sv());
        let mut dec = vec![0.0; k * (k - 1) / 2];
        let mut predicted = Vec::with_capacity(x.nrows());
        let mut probabilities = self.platt.as_ref().map(|_| Array2::zeros((x.nrows(), k)));
        let mut p = vec![0.0; k];
        for (r, row) in x.rows().into_iter().enumerate() {
            self.core.kernel_row(row, &mut kvalue);
            self.decision(&kvalue, &mut dec);
            predicted.push(self.vote(&dec));
            if let (Some((a, b)), Some(out)) = (&self.platt, probabilities.as_mut()) {
                proba::predict_probability(&dec, a, b, &mut p);
                out.row_mut(r).assign(&ndarray::ArrayView1::from(&p[..]));
            }
        }
        Ok(Output::Classification {
            classes: Arc::clone(&self.classes),
            predicted,
            probabilities,
        })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        Some(Arc::clone(&self.classes))
    }

    fn has_decision_function(&self) -> bool {
        true
    }

    /// scikit-learn's `decision_function`: binary, the one pair's value with its sign flipped (1 column);
    /// more classes, the one-vs-one values, or `_ovr_decision_function` of them with
    /// `decision_function_shape='ovr'`.
    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, PredictError> {
        self.core.check(x)?;
        let k = self.n_support.len();
        let pairs = k * (k - 1) / 2;
        let ovr = self.shape == "ovr" && k > 2;
        let width = match (k, ovr) {
            (2, _) => 1,
            (_, true) => k,
            _ => pairs,
        };
        let mut kvalue = Array1::zeros(self.core.n_sv());
        let mut dec = vec![0.0; pairs];
        let mut out = Array2::zeros((x.nrows(), width));
        for (r, row) in x.rows().into_iter().enumerate() {
            self.core.kernel_row(row, &mut kvalue);
            self.decision(&kvalue, &mut dec);
            let mut target = out.row_mut(r);
            if k == 2 {
                target[0] = -dec[0];
            } else if ovr {
                target.assign(&ovr_decision(&dec, k));
            } else {
                target.assign(&ndarray::ArrayView1::from(&dec[..]));
            }
        }
        Ok(out)
    }

    fn summary(&self) -> Summary {
        Summary::new(&self.core.class)
            .detail("n_features", self.core.n_features())
            .detail("n_classes", self.classes.len())
            .detail("kernel", self.core.kernel.name())
            .detail("n_support_vectors", self.core.n_sv())
            .detail("decision_function_shape", &self.shape)
            .detail(
                "proba",
                if self.platt.is_some() {
                    "platt"
                } else {
                    "none"
                },
            )
    }
}
