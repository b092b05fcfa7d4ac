//! The four scalers: StandardScaler `(x - mean_) / scale_`, MinMaxScaler `x * scale_ + min_` (then
//! optional clip), MaxAbsScaler `x / scale_` and RobustScaler `(x - center_) / scale_`. NaN passes
//! through, as in scikit-learn.

use ndarray::{Array2, Axis, Zip};

use super::support;
use super::Estimator;
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::value::ObjView;

/// The per-column operation, in scikit-learn's order of floating-point operations.
#[derive(Debug)]
enum Op {
    /// `(x - center) / scale`, either part optional (StandardScaler, RobustScaler).
    CenterScale {
        center: Option<Vec<f64>>,
        scale: Option<Vec<f64>>,
    },
    /// `x * scale + min`, clipped to `range` when set (MinMaxScaler).
    MulAdd {
        scale: Vec<f64>,
        min: Vec<f64>,
        clip: Option<(f64, f64)>,
    },
    /// `x / scale`, clipped to [-1, 1] when set (MaxAbsScaler).
    Div { scale: Vec<f64>, clip: bool },
}

/// A fitted scaler.
#[derive(Debug)]
pub struct Scaler {
    class: String,
    n_features: usize,
    op: Op,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let op = match obj.class_name() {
        "StandardScaler" => Op::CenterScale {
            center: flag_vec(&obj, "with_mean", "mean_")?,
            scale: flag_vec(&obj, "with_std", "scale_")?,
        },
        "RobustScaler" => Op::CenterScale {
            center: flag_vec(&obj, "with_centering", "center_")?,
            scale: flag_vec(&obj, "with_scaling", "scale_")?,
        },
        "MinMaxScaler" => {
            let clip = if obj.has("clip") && obj.bool("clip")? {
                let range = support::f64s(&obj, "feature_range")?;
                match range.as_slice() {
                    [lo, hi] => Some((*lo, *hi)),
                    _ => return Err(obj.error("feature_range", "expected (min, max)")),
                }
            } else {
                None
            };
            Op::MulAdd {
                scale: support::f64s(&obj, "scale_")?,
                min: support::f64s(&obj, "min_")?,
                clip,
            }
        }
        "MaxAbsScaler" => Op::Div {
            scale: support::f64s(&obj, "scale_")?,
            clip: obj.has("clip") && obj.bool("clip")?,
        },
        _ => return Err(super::unsupported(&obj.full_name())),
    };
    let lens: Vec<usize> = match &op {
        Op::CenterScale { center, scale } => [center, scale]
            .iter()
            .filter_map(|v| v.as_ref().map(Vec::len))
            .collect(),
        Op::MulAdd { scale, min, .. } => vec![scale.len(), min.len()],
        Op::Div { scale, .. } => vec![scale.len()],
    };
    let n_features =
        match support::n_features(&obj) {
            Some(n) => n,
            None => match lens.first() {
                Some(&n) => n,
                None => return Err(obj.error(
                    "n_features_in_",
                    "is missing and no fitted statistics say how many features the scaler takes",
                )),
            },
        };
    if let Some(bad) = lens.iter().find(|&&l| l != n_features) {
        return Err(obj.error(
            "scale_",
            format!("has {bad} values but the scaler was fitted on {n_features} features"),
        ));
    }
    Ok(Estimator::Transformer(Box::new(Scaler {
        class: obj.class_name().to_string(),
        n_features,
        op,
    })))
}

/// A statistic that is used only when its flag is on (absent flags count as on). When on, the
/// attribute may still be None (scikit-learn stores None when the flag was off at fit time).
fn flag_vec(obj: &ObjView<'_>, flag: &str, attr: &str) -> Result<Option<Vec<f64>>, LoadError> {
    let on = !obj.has(flag) || obj.bool(flag)?;
    if !on {
        return Ok(None);
    }
    support::opt_f64s(obj, attr)
}

impl Transformer for Scaler {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        support::check_width(self.n_features, x.n_cols())?;
        let values = x.require_numeric(&self.class)?;
        let mut out: Array2<f64> = values.to_owned();
        match &self.op {
            Op::CenterScale { center, scale } => {
                for mut row in out.axis_iter_mut(Axis(0)) {
                    if let Some(c) = center {
                        Zip::from(&mut row)
                            .and(c.as_slice())
                            .for_each(|v, c| *v -= c);
                    }
                    if let Some(s) = scale {
                        Zip::from(&mut row)
                            .and(s.as_slice())
                            .for_each(|v, s| *v /= s);
                    }
                }
            }
            Op::MulAdd { scale, min, clip } => {
                for mut row in out.axis_iter_mut(Axis(0)) {
                    Zip::from(&mut row)
                        .and(scale.as_slice())
                        .and(min.as_slice())
                        .for_each(|v, s, m| {
                            *v *= s;
                            *v += m;
                            if let Some((lo, hi)) = clip {
                                *v = clip_value(*v, *lo, *hi);
                            }
                        });
                }
            }
            Op::Div { scale, clip } => {
                for mut row in out.axis_iter_mut(Axis(0)) {
                    Zip::from(&mut row).and(scale.as_slice()).for_each(|v, s| {
                        *v /= s;
                        if *clip {
                            *v = clip_value(*v, -1.0, 1.0);
                        }
                    });
                }
            }
        }
        Ok(Batch::numeric(out))
    }

    fn summary(&self) -> Summary {
        let s = Summary::new(&self.class).detail("n_features", self.n_features);
        match &self.op {
            Op::CenterScale { center, scale } => s
                .detail("center", center.is_some())
                .detail("scale", scale.is_some()),
            Op::MulAdd { clip, .. } => s.detail("clip", clip.is_some()),
            Op::Div { clip, .. } => s.detail("clip", clip),
        }
    }
}

/// numpy's clip: NaN stays NaN.
fn clip_value(v: f64, lo: f64, hi: f64) -> f64 {
    if v.is_nan() {
        v
    } else {
        v.max(lo).min(hi)
    }
}
