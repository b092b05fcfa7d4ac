//! The per-class calibrators of CalibratedClassifierCV: `_SigmoidCalibration` (`expit(-(a·t + b))`),
//! `IsotonicRegression` (clip to `[X_min_, X_max_]`, then `np.interp`), and temperature scaling
//! (`softmax(beta_ · logits)`, scikit-learn ≥ 1.8).

use ndarray::{Array2, Axis};

use crate::model::error::{LoadError, PredictError};
use crate::model::sklearn::linear::math::{expit, softmax_rows};
use crate::model::sklearn::preprocessing::quantile::interp;
use crate::model::sklearn::support;
use crate::model::value::{ObjView, Value};

#[derive(Debug)]
pub enum Calibrator {
    Sigmoid {
        a: f64,
        b: f64,
    },
    Isotonic {
        x: Vec<f64>,
        y: Vec<f64>,
        lo: f64,
        hi: f64,
    },
}

impl Calibrator {
    pub fn build(obj: &ObjView<'_>, v: &Value) -> Result<Calibrator, LoadError> {
        let c = obj
            .heap
            .estimator(v)
            .map_err(|e| obj.error("calibrators", e))?;
        match c.class_name() {
            "_SigmoidCalibration" => Ok(Calibrator::Sigmoid {
                a: c.f64("a_")?,
                b: c.f64("b_")?,
            }),
            "IsotonicRegression" => {
                let x = support::f64s(&c, "X_thresholds_")?;
                let y = support::f64s(&c, "y_thresholds_")?;
                if x.is_empty() || x.len() != y.len() || x.windows(2).any(|w| w[0].is_nan() || w[0] > w[1]) {
                    return Err(c.error("X_thresholds_", "must be ascending and as long as y_thresholds_"));
                }
                let clip = c.opt_str("out_of_bounds").unwrap_or("nan") == "clip";
                if !clip {
                    return Err(c.error("out_of_bounds", "only 'clip' is supported"));
                }
                Ok(Calibrator::Isotonic {
                    lo: c.f64("X_min_")?,
                    hi: c.f64("X_max_")?,
                    x,
                    y,
                })
            }
            _ => Err(obj.error(
                "calibrators",
                format!(
                    "{} is not supported; supported: sigmoid (_SigmoidCalibration) and isotonic (IsotonicRegression)",
                    c.full_name()
                ),
            )),
        }
    }

    pub fn apply(&self, t: f64) -> f64 {
        match self {
            Calibrator::Sigmoid { a, b } => expit(-(a * t + b)),
            Calibrator::Isotonic { x, y, lo, hi } => {
                let t = if t.is_nan() { t } else { t.max(*lo).min(*hi) };
                if x.len() == 1 {
                    y[0]
                } else if t.is_nan() {
                    f64::NAN
                } else {
                    interp(t, x, y)
                }
            }
        }
    }
}

/// `_TemperatureScaling.predict`: two-class responses become `(-d, d)` logits (probabilities
/// `(1 - p, p)` first); probabilities (every entry in [0, 1], every row summing to 1 within
/// `isclose`, judged over the whole batch as scikit-learn does) become `log(p + 1e-12)`; then
/// `softmax(beta · logits)`.
pub fn temperature(
    resp: Array2<f64>,
    beta: f64,
    k: usize,
    decision: bool,
) -> Result<Array2<f64>, PredictError> {
    let n = resp.nrows();
    let mut logits = if resp.ncols() == 1 {
        let d = resp.column(0);
        if decision {
            Array2::from_shape_fn((n, 2), |(r, c)| if c == 0 { -d[r] } else { d[r] })
        } else {
            let probs =
                Array2::from_shape_fn((n, 2), |(r, c)| if c == 0 { 1.0 - d[r] } else { d[r] });
            to_logits(probs)
        }
    } else {
        to_logits(resp)
    };
    if logits.ncols() != k {
        return Err(PredictError::Unsupported(format!(
            "CalibratedClassifierCV: {} logit columns for {k} classes",
            logits.ncols()
        )));
    }
    logits.mapv_inplace(|v| beta * v);
    softmax_rows(&mut logits);
    logits.mapv_inplace(|v| if v > 1.0 && v <= 1.0 + 1e-5 { 1.0 } else { v });
    Ok(logits)
}

/// `_convert_to_logits` for a 2-d response with more than one column.
fn to_logits(resp: Array2<f64>) -> Array2<f64> {
    let in_unit = resp.iter().all(|&v| (0.0..=1.0).contains(&v));
    let sums_to_one = resp
        .axis_iter(Axis(0))
        .all(|r| (r.sum() - 1.0).abs() <= 1e-8 + 1e-5);
    if in_unit && sums_to_one {
        resp.mapv(|p| (p + 1e-12).ln())
    } else {
        resp
    }
}
