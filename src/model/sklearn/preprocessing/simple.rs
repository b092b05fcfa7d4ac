//! Normalizer (rows divided by their l1, l2 or max norm; zero norms left alone) and Binarizer
//! (`x > threshold` → 1, else 0).

use ndarray::Axis;

use super::{numeric, width};
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::sklearn::Estimator;
use crate::model::value::ObjView;

#[derive(Debug)]
enum Op {
    Normalize(&'static str),
    Binarize(f64),
}

/// A fitted Normalizer or Binarizer.
#[derive(Debug)]
pub struct Simple {
    n_features: usize,
    op: Op,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let op = if obj.class_name() == "Normalizer" {
        match obj.opt_str("norm").unwrap_or("l2") {
            "l1" => Op::Normalize("l1"),
            "l2" => Op::Normalize("l2"),
            "max" => Op::Normalize("max"),
            other => {
                return Err(obj.error(
                    "norm",
                    format!("{other:?} is not supported; supported: 'l1', 'l2', 'max'"),
                ))
            }
        }
    } else {
        Op::Binarize(if obj.has("threshold") {
            obj.f64("threshold")?
        } else {
            0.0
        })
    };
    Ok(Estimator::Transformer(Box::new(Simple {
        n_features: width(&obj, "n_features_in_", None)?,
        op,
    })))
}

/// `_handle_zeros_in_scale`: a scale below 10·eps counts as zero and becomes 1.
pub(crate) fn nonzero_scale(s: f64) -> f64 {
    if s < 10.0 * f64::EPSILON {
        1.0
    } else {
        s
    }
}

impl Transformer for Simple {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        let who = match self.op {
            Op::Normalize(_) => "Normalizer",
            Op::Binarize(_) => "Binarizer",
        };
        let mut out = numeric(x, self.n_features, who, true)?.to_owned();
        match self.op {
            Op::Normalize(norm) => {
                for mut row in out.axis_iter_mut(Axis(0)) {
                    let n = match norm {
                        "l1" => row.iter().map(|v| v.abs()).sum::<f64>(),
                        "l2" => row.iter().map(|v| v * v).sum::<f64>().sqrt(),
                        _ => row.iter().fold(f64::NEG_INFINITY, |a, v| a.max(v.abs())),
                    };
                    let n = nonzero_scale(n);
                    row.mapv_inplace(|v| v / n);
                }
            }
            Op::Binarize(t) => out.mapv_inplace(|v| if v > t { 1.0 } else { 0.0 }),
        }
        Ok(Batch::numeric(out))
    }

    fn summary(&self) -> Summary {
        let s = Summary::new(match self.op {
            Op::Normalize(_) => "Normalizer",
            Op::Binarize(_) => "Binarizer",
        })
        .detail("n_features", self.n_features);
        match self.op {
            Op::Normalize(n) => s.detail("norm", n),
            Op::Binarize(t) => s.detail("threshold", t),
        }
    }
}
