//! The neighbour metrics scikit-learn's KD/ball trees and brute force share: the reduced distance
//! (`DistanceMetric.rdist`), its conversion to the true distance and back, and the metric's `p`.

use ndarray::ArrayView1;

use crate::model::sklearn::math::squared_euclidean;

/// The supported metrics, by scikit-learn's `effective_metric_`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metric {
    Euclidean,
    Manhattan,
    Chebyshev,
    Minkowski(f64),
}

impl Metric {
    /// `effective_metric_` plus its `p` (for minkowski); aliases as scikit-learn's `METRIC_MAPPING`.
    pub fn parse(name: &str, p: Option<f64>) -> Result<Self, String> {
        Ok(match name {
            "euclidean" | "l2" => Metric::Euclidean,
            "manhattan" | "cityblock" | "l1" => Metric::Manhattan,
            "chebyshev" | "infinity" => Metric::Chebyshev,
            "minkowski" => match p {
                Some(2.0) => Metric::Euclidean,
                Some(1.0) => Metric::Manhattan,
                Some(f64::INFINITY) => Metric::Chebyshev,
                Some(p) if p.is_finite() && p > 0.0 => Metric::Minkowski(p),
                Some(p) => return Err(format!("minkowski p={p} is not supported; expected p > 0")),
                None => return Err("minkowski without p".into()),
            },
            other => {
                return Err(format!(
                    "metric {other:?} is not supported; supported: minkowski (any p > 0), euclidean, manhattan, chebyshev"
                ))
            }
        })
    }

    /// The reduced distance: monotone in the true distance, cheaper to compute.
    pub fn rdist(&self, a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
        match *self {
            Metric::Euclidean => squared_euclidean(a, b),
            Metric::Manhattan => a.iter().zip(b.iter()).map(|(x, y)| (x - y).abs()).sum(),
            Metric::Chebyshev => a
                .iter()
                .zip(b.iter())
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max),
            Metric::Minkowski(p) => a
                .iter()
                .zip(b.iter())
                .map(|(x, y)| (x - y).abs().powf(p))
                .sum(),
        }
    }

    /// The true distance from a reduced one.
    pub fn dist(&self, rdist: f64) -> f64 {
        match *self {
            Metric::Euclidean => rdist.sqrt(),
            Metric::Manhattan | Metric::Chebyshev => rdist,
            Metric::Minkowski(p) => rdist.powf(1.0 / p),
        }
    }

    /// The metric's `p` (`DistanceMetric.p`): 2, 1, infinity, or the minkowski exponent.
    pub fn p(&self) -> f64 {
        match *self {
            Metric::Euclidean => 2.0,
            Metric::Manhattan => 1.0,
            Metric::Chebyshev => f64::INFINITY,
            Metric::Minkowski(p) => p,
        }
    }

    /// `_dist_to_rdist`.
    pub fn dist_to_rdist(&self, d: f64) -> f64 {
        match *self {
            Metric::Euclidean => d * d,
            Metric::Manhattan | Metric::Chebyshev => d,
            Metric::Minkowski(p) => d.powf(p),
        }
    }

    pub fn name(&self) -> String {
        match self {
            Metric::Euclidean => "euclidean".into(),
            Metric::Manhattan => "manhattan".into(),
            Metric::Chebyshev => "chebyshev".into(),
            Metric::Minkowski(p) => format!("minkowski(p={p})"),
        }
    }
}
