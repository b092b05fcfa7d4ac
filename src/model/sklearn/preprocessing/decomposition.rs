//! PCA (`(X - mean_) · componentsᵀ`, optionally whitened by `sqrt(explained_variance_)`; from
//! scikit-learn 1.5 projected first and centred after, with the variance clipped at eps) and
//! TruncatedSVD (`X · componentsᵀ`).

use ndarray::{Array1, Array2, Axis};

use super::{numeric, width};
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::sklearn::{support, Estimator};
use crate::model::value::ObjView;

/// A fitted PCA or TruncatedSVD.
#[derive(Debug)]
pub struct Projection {
    class: String,
    components: Array2<f64>,
    mean: Option<Array1<f64>>,
    /// Project first, then subtract `mean · componentsᵀ` (scikit-learn ≥ 1.5).
    centre_after: bool,
    whiten: Option<Array1<f64>>,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let components = support::matrix(&obj, "components_")?;
    if obj.array("components_")?.shape.len() != 2 {
        return Err(obj.error("components_", "expected a 2-d array"));
    }
    let n = width(&obj, "components_", Some(components.ncols()))?;
    let k = components.nrows();
    let pca = obj.class_name() == "PCA";
    let mean = if pca {
        support::opt_f64s(&obj, "mean_")?.map(Array1::from)
    } else {
        None
    };
    if let Some(m) = mean.as_ref().filter(|m| m.len() != n) {
        return Err(obj.error("mean_", format!("has {} values for {n} features", m.len())));
    }
    let whiten = if pca && obj.has("whiten") && obj.bool("whiten")? {
        let var = support::f64s(&obj, "explained_variance_")?;
        if var.len() != k {
            return Err(obj.error(
                "explained_variance_",
                format!("has {} values for {k} components", var.len()),
            ));
        }
        let new = support::at_least(&obj, 1, 5);
        Some(Array1::from_iter(var.iter().map(|v| {
            let s = v.sqrt();
            if new && s < f64::EPSILON {
                f64::EPSILON
            } else {
                s
            }
        })))
    } else {
        None
    };
    Ok(Estimator::Transformer(Box::new(Projection {
        class: obj.class_name().to_string(),
        components,
        mean,
        centre_after: support::at_least(&obj, 1, 5),
        whiten,
    })))
}

impl Transformer for Projection {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        let values = numeric(x, self.components.ncols(), &self.class, true)?;
        let ct = self.components.t();
        let mut out = match &self.mean {
            Some(m) if self.centre_after => {
                let mut out = values.dot(&ct);
                let offset = m.dot(&ct);
                for mut row in out.axis_iter_mut(Axis(0)) {
                    row -= &offset;
                }
                out
            }
            Some(m) => {
                let mut centred = values.to_owned();
                for mut row in centred.axis_iter_mut(Axis(0)) {
                    row -= m;
                }
                centred.dot(&ct)
            }
            None => values.dot(&ct),
        };
        if let Some(scale) = &self.whiten {
            for mut row in out.axis_iter_mut(Axis(0)) {
                row /= scale;
            }
        }
        Ok(Batch::numeric(out))
    }

    fn summary(&self) -> Summary {
        Summary::new(&self.class)
            .detail("n_features", self.components.ncols())
            .detail("n_components", self.components.nrows())
            .detail("whiten", self.whiten.is_some())
    }
}
