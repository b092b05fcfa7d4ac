//! Support vector machines: libsvm's SVC, NuSVC, SVR and NuSVR (rebuilt from `support_vectors_`,
//! the private `_dual_coef_` / `_intercept_` libsvm itself uses, `_n_support` and `_gamma`), and
//! liblinear's LinearSVC / LinearSVR (plain `X · coefᵀ + intercept`).

mod classifier;
mod proba;
mod regressor;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::linear::classifier::{LinearClassifier, Proba};
use super::linear::LinearCore;
use super::math::LibsvmKernel;
use super::{support, Estimator};
use crate::model::error::{LoadError, PredictError};
use crate::model::value::{scalar_bool, ObjView};

/// The SVM classes this family registers, each with its builder.
pub const CLASSES: &[super::Entry] = &[
    ("SVC", |o, _| classifier::build(o)),
    ("NuSVC", |o, _| classifier::build(o)),
    ("SVR", |o, _| regressor::build(o)),
    ("NuSVR", |o, _| regressor::build(o)),
    ("LinearSVC", |o, _| build_linear_svc(o)),
    ("LinearSVR", |o, _| super::linear::regression::build(o)),
];

/// LinearSVC: liblinear's `coef_` / `intercept_`; binary predicts `d > 0`, multiclass the first
/// largest score (one-vs-rest or crammer_singer alike). It has no `predict_proba`.
fn build_linear_svc(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let core = LinearCore::from_obj(&obj)?;
    let mut extra = Vec::new();
    if let Some(mc) = obj.opt_str("multi_class") {
        extra.push(("multi_class".to_string(), mc.to_string()));
    }
    let clf = LinearClassifier::new(&obj, core, Proba::None, extra)?;
    Ok(Estimator::Predictor(Box::new(clf)))
}

/// What every libsvm model holds: the kernel, the support vectors and the input width.
#[derive(Debug)]
pub struct LibsvmCore {
    pub class: String,
    pub kernel: LibsvmKernel,
    /// n_SV × n_features.
    pub support_vectors: Array2<f64>,
    pub feature_names: Option<Vec<String>>,
}

impl LibsvmCore {
    pub fn from_obj(obj: &ObjView<'_>) -> Result<Self, LoadError> {
        if obj.get("_sparse").and_then(|v| scalar_bool(obj.heap, v)) == Some(true) {
            return Err(obj.error(
                "_sparse",
                "the model was fitted on a sparse matrix; only models fitted on dense input are supported",
            ));
        }
        let kernel = kernel(obj)?;
        let sv = obj.array("support_vectors_")?;
        if sv.shape.len() != 2 {
            return Err(obj.error(
                "support_vectors_",
                format!("expected a 2-d array, found {}", sv.describe()),
            ));
        }
        let support_vectors = sv
            .to_array2_f64()
            .map_err(|e| obj.error("support_vectors_", e))?;
        let n_features = support_vectors.ncols();
        let feature_names = support::checked_inputs(obj, n_features, "support_vectors_")?;
        Ok(LibsvmCore {
            class: obj.class_name().to_string(),
            kernel,
            support_vectors,
            feature_names,
        })
    }

    pub fn n_features(&self) -> usize {
        self.support_vectors.ncols()
    }

    pub fn n_sv(&self) -> usize {
        self.support_vectors.nrows()
    }

    /// Check the input as scikit-learn's `check_array` does (width, finite values).
    pub fn check(&self, x: ArrayView2<'_, f64>) -> Result<(), PredictError> {
        support::check_width(self.n_features(), x.ncols())?;
        support::require_finite(x, &self.class, self.feature_names.as_deref())
    }

    /// `k(x, sv_i)` for every support vector, into `out`.
    pub fn kernel_row(&self, x: ArrayView1<'_, f64>, out: &mut Array1<f64>) {
        for (o, sv) in out.iter_mut().zip(self.support_vectors.rows()) {
            *o = self.kernel.eval(x, sv);
        }
    }
}

/// The kernel from `kernel`, `_gamma`, `coef0` and `degree`; precomputed and callable kernels are refused.
fn kernel(obj: &ObjView<'_>) -> Result<LibsvmKernel, LoadError> {
    let name = obj.str("kernel").map_err(|_| {
        obj.error(
            "kernel",
            "a callable kernel cannot be served (it would mean running Python code); supported: 'linear', 'poly', 'rbf', 'sigmoid'",
        )
    })?;
    let gamma = || obj.f64("_gamma");
    let coef0 = || obj.f64("coef0");
    Ok(match name {
        "linear" => LibsvmKernel::Linear,
        "rbf" => LibsvmKernel::Rbf { gamma: gamma()? },
        "sigmoid" => LibsvmKernel::Sigmoid {
            gamma: gamma()?,
            coef0: coef0()?,
        },
        "poly" => {
            let degree = obj.usize("degree")?;
            let degree = u32::try_from(degree)
                .ok()
                .filter(|&d| d <= 1000)
                .ok_or_else(|| obj.error("degree", format!("{degree} is out of range")))?;
            LibsvmKernel::Poly {
                gamma: gamma()?,
                coef0: coef0()?,
                degree,
            }
        }
        other => {
            return Err(obj.error(
                "kernel",
                format!("{other:?} is not supported; supported: 'linear', 'poly', 'rbf', 'sigmoid' (not 'precomputed')"),
            ))
        }
    })
}

/// An integer attribute under its current name or an older one (`_n_support` / `n_support_`).
fn i64s_either(obj: &ObjView<'_>, names: &[&str]) -> Result<Vec<i64>, LoadError> {
    for name in names {
        if let Some(v) = obj.get(name) {
            return support::value_i64s(obj, name, v);
        }
    }
    Err(obj.error(names[0], "attribute is missing"))
}

/// `_n_support`: support vectors per class, each ≥ 0, summing to the number of support vectors.
fn n_support(obj: &ObjView<'_>, n_sv: usize) -> Result<Vec<usize>, LoadError> {
    let raw = i64s_either(obj, &["_n_support", "n_support_"])?;
    let counts: Vec<usize> = raw
        .iter()
        .map(|&c| {
            usize::try_from(c).map_err(|_| obj.error("_n_support", format!("negative count {c}")))
        })
        .collect::<Result<_, _>>()?;
    let total = counts
        .iter()
        .try_fold(0usize, |a, &c| a.checked_add(c))
        .ok_or_else(|| obj.error("_n_support", "counts overflow"))?;
    if total != n_sv {
        return Err(obj.error(
            "_n_support",
            format!("counts sum to {total} but support_vectors_ has {n_sv} rows"),
        ));
    }
    Ok(counts)
}

/// `_dual_coef_` (libsvm's sign; the public `dual_coef_` is negated for binary models) as `rows × n_sv`.
fn dual_coef(obj: &ObjView<'_>, rows: usize, n_sv: usize) -> Result<Array2<f64>, LoadError> {
    let attr = "_dual_coef_";
    let m = support::matrix(obj, attr)?;
    if m.dim() != (rows, n_sv) {
        return Err(obj.error(
            attr,
            format!(
                "has shape {:?}; expected ({rows}, {n_sv}) for {n_sv} support vectors",
                m.dim()
            ),
        ));
    }
    Ok(m)
}

/// `_intercept_` (libsvm's `-rho`), `len` values.
fn intercept(obj: &ObjView<'_>, len: usize) -> Result<Vec<f64>, LoadError> {
    let attr = "_intercept_";
    let v = support::f64s(obj, attr)?;
    if v.len() != len {
        return Err(obj.error(attr, format!("has {} values; expected {len}", v.len())));
    }
    Ok(v)
}
