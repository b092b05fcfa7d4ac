//! KernelRidge: `K(X, X_fit_) · dual_coef_` with one of the shared pairwise kernels
//! (linear, poly, rbf, sigmoid, laplacian, cosine); callable kernels and `kernel_params` are refused.

use std::sync::Arc;

use ndarray::{Array2, ArrayView2};

use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::math::kernels::{Kernel, NAMES};
use crate::model::sklearn::{support, Estimator};
use crate::model::value::{scalar_f64, ObjView, Value};

/// A fitted kernel ridge regressor.
#[derive(Debug)]
pub struct KernelRidge {
    kernel: Kernel,
    x_fit: Array2<f64>,
    /// n_train × n_targets.
    dual_coef: Array2<f64>,
    feature_names: Option<Vec<String>>,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let x_fit = support::matrix(&obj, "X_fit_")?;
    if obj.array("X_fit_")?.shape.len() != 2 || x_fit.nrows() == 0 {
        return Err(obj.error("X_fit_", "expected a non-empty 2-d array"));
    }
    let n_features = x_fit.ncols();
    if let Some(n) = support::n_features(&obj).filter(|&n| n != n_features) {
        return Err(obj.error(
            "X_fit_",
            format!("has {n_features} columns but n_features_in_ is {n}"),
        ));
    }
    let dual = obj.array("dual_coef_")?;
    let dual_coef = match dual.shape.len() {
        1 => support::matrix(&obj, "dual_coef_")?.reversed_axes(),
        2 => support::matrix(&obj, "dual_coef_")?,
        _ => return Err(obj.error("dual_coef_", "expected a 1-d or 2-d array")),
    };
    if dual_coef.nrows() != x_fit.nrows() {
        return Err(obj.error(
            "dual_coef_",
            format!(
                "has {} rows but X_fit_ has {} rows",
                dual_coef.nrows(),
                x_fit.nrows()
            ),
        ));
    }
    if !matches!(obj.get("kernel_params"), None | Some(Value::None)) {
        return Err(obj.error("kernel_params", "only None is supported"));
    }
    let name = match obj.req("kernel")? {
        Value::Str(s) => s.to_string(),
        other => {
            return Err(obj.error(
                "kernel",
                format!(
                    "{} is not supported (a callable kernel would mean running Python code); supported: {}",
                    obj.heap.describe(other),
                    NAMES.join(", ")
                ),
            ))
        }
    };
    let gamma = match obj.get("gamma") {
        None | Some(Value::None) => None,
        Some(_) => Some(obj.f64("gamma")?),
    };
    let num = |attr: &str, default: f64| match obj.get(attr) {
        None | Some(Value::None) => Ok(default),
        Some(v) => scalar_f64(obj.heap, v).ok_or_else(|| {
            obj.error(
                attr,
                format!("expected a number, found {}", obj.heap.describe(v)),
            )
        }),
    };
    let kernel = Kernel::from_name(
        &name,
        gamma,
        num("degree", 3.0)?,
        num("coef0", 1.0)?,
        n_features,
    )
    .ok_or_else(|| {
        obj.error(
            "kernel",
            format!("{name:?} is not supported; supported: {}", NAMES.join(", ")),
        )
    })?;
    Ok(Estimator::Predictor(Box::new(KernelRidge {
        kernel,
        x_fit,
        dual_coef,
        feature_names: support::feature_names(&obj)?,
    })))
}

impl Predictor for KernelRidge {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        support::check_width(self.x_fit.ncols(), x.ncols())?;
        support::require_finite(x, "KernelRidge", self.feature_names.as_deref())?;
        let k = self.kernel.matrix(x, self.x_fit.view());
        Ok(Output::Regression {
            values: k.dot(&self.dual_coef),
        })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        None
    }

    fn summary(&self) -> Summary {
        Summary::new("KernelRidge")
            .detail("kernel", self.kernel.name())
            .detail("n_features", self.x_fit.ncols())
            .detail("n_fit_rows", self.x_fit.nrows())
            .detail("n_targets", self.dual_coef.ncols())
    }
}
