//! QuantileTransformer: each column mapped through its `quantiles_` onto `references_` by
//! `np.interp`, forwards and backwards averaged as scikit-learn does (so repeated quantiles map to
//! the middle), the ends pinned to 0 and 1; normal output then takes the normal quantile, clipped
//! as scikit-learn clips it. NaN passes through.

use ndarray::Axis;

use super::numeric;
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::sklearn::math::normal::ndtri;
use crate::model::sklearn::{support, Estimator};
use crate::model::value::ObjView;

/// A fitted QuantileTransformer (uniform output).
#[derive(Debug)]
pub struct Quantile {
    /// Per column: its quantiles (ascending).
    quantiles: Vec<Vec<f64>>,
    references: Vec<f64>,
    normal: bool,
}

/// scikit-learn's `BOUNDS_THRESHOLD`.
const BOUNDS: f64 = 1e-7;

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let normal = match obj.opt_str("output_distribution").unwrap_or("uniform") {
        "uniform" => false,
        "normal" => true,
        out => {
            return Err(obj.error(
                "output_distribution",
                format!("{out:?} is not supported; supported: 'uniform', 'normal'"),
            ))
        }
    };
    let q = support::matrix(&obj, "quantiles_")?;
    let references = support::f64s(&obj, "references_")?;
    if obj.array("quantiles_")?.shape.len() != 2 || q.nrows() != references.len() || q.nrows() < 2 {
        return Err(obj.error(
            "quantiles_",
            format!(
                "has {} rows but references_ has {} values (at least 2 needed)",
                q.nrows(),
                references.len()
            ),
        ));
    }
    let n = super::width(&obj, "quantiles_", Some(q.ncols()))?;
    let quantiles: Vec<Vec<f64>> = q.axis_iter(Axis(1)).map(|c| c.to_vec()).collect();
    if quantiles
        .iter()
        .flatten()
        .chain(&references)
        .any(|v| !v.is_finite())
        || references.windows(2).any(|w| w[0] > w[1])
        || quantiles.iter().any(|c| c.windows(2).any(|w| w[0] > w[1]))
    {
        return Err(obj.error(
            "quantiles_",
            "quantiles_ and references_ must be finite and ascending",
        ));
    }
    debug_assert_eq!(quantiles.len(), n);
    Ok(Estimator::Transformer(Box::new(Quantile {
        quantiles,
        references,
        normal,
    })))
}

/// numpy's `interp(x, xp, fp)` for ascending `xp` (ties resolved as numpy's binary search does).
pub fn interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let last = xp.len() - 1;
    if x > xp[last] {
        return fp[last];
    }
    if x < xp[0] {
        return fp[0];
    }
    let j = xp.partition_point(|&v| v <= x).saturating_sub(1);
    if j >= last || xp[j] == x {
        return fp[j.min(last)];
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let r = slope * (x - xp[j]) + fp[j];
    if r.is_nan() {
        let r2 = slope * (x - xp[j + 1]) + fp[j + 1];
        if r2.is_nan() && fp[j] == fp[j + 1] {
            return fp[j];
        }
        return r2;
    }
    r
}

impl Transformer for Quantile {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        let mut out = numeric(x, self.quantiles.len(), "QuantileTransformer", false)?.to_owned();
        let neg_q: Vec<Vec<f64>> = self
            .quantiles
            .iter()
            .map(|q| q.iter().rev().map(|v| -v).collect())
            .collect();
        let neg_r: Vec<f64> = self.references.iter().rev().map(|v| -v).collect();
        for (c, mut col) in out.axis_iter_mut(Axis(1)).enumerate() {
            let q = &self.quantiles[c];
            for v in col.iter_mut() {
                if v.is_infinite() {
                    return Err(PredictError::bad_value(
                        format!("#{c}"),
                        "QuantileTransformer does not accept an infinite value",
                    ));
                }
                if v.is_nan() {
                    continue;
                }
                let x = *v;
                let (first, last) = (q[0], q[q.len() - 1]);
                let (below, above) = if self.normal {
                    (x - BOUNDS < first, x + BOUNDS > last)
                } else {
                    (x == first, x == last)
                };
                let mut y = 0.5 * (interp(x, q, &self.references) - interp(-x, &neg_q[c], &neg_r));
                if above {
                    y = 1.0;
                }
                if below {
                    y = 0.0;
                }
                if self.normal {
                    let eps = f64::EPSILON;
                    let lo = ndtri(BOUNDS - eps);
                    let hi = ndtri(1.0 - (BOUNDS - eps));
                    y = ndtri(y).max(lo).min(hi);
                }
                *v = y;
            }
        }
        Ok(Batch::numeric(out))
    }

    fn summary(&self) -> Summary {
        Summary::new("QuantileTransformer")
            .detail("n_features", self.quantiles.len())
            .detail("n_quantiles", self.references.len())
            .detail(
                "output_distribution",
                if self.normal { "normal" } else { "uniform" },
            )
    }
}
