//! The pairwise kernels of `sklearn.metrics.pairwise` (linear, polynomial, rbf, sigmoid,
//! laplacian, cosine) as scikit-learn computes them for float64: rbf from the expanded squared
//! distance `-2·x·y + |x|² + |y|²` clipped at 0, cosine from l2-normalised rows.

use ndarray::{Array1, Array2, ArrayView2, Axis};

/// A kernel with its parameters resolved (a `gamma` of None already replaced by `1 / n_features`).
#[derive(Clone, Debug, PartialEq)]
pub enum Kernel {
    Linear,
    Poly { gamma: f64, degree: f64, coef0: f64 },
    Rbf { gamma: f64 },
    Sigmoid { gamma: f64, coef0: f64 },
    Laplacian { gamma: f64 },
    Cosine,
}

/// The kernel names [`Kernel::from_name`] accepts.
pub const NAMES: &[&str] = &[
    "linear",
    "poly",
    "polynomial",
    "rbf",
    "sigmoid",
    "laplacian",
    "cosine",
];

impl Kernel {
    /// The kernel scikit-learn's `pairwise_kernels(metric=name, gamma, degree, coef0)` computes;
    /// `gamma: None` means `1 / n_features`. None for a name outside [`NAMES`].
    pub fn from_name(
        name: &str,
        gamma: Option<f64>,
        degree: f64,
        coef0: f64,
        n_features: usize,
    ) -> Option<Kernel> {
        let gamma = gamma.unwrap_or(1.0 / n_features as f64);
        Some(match name {
            "linear" => Kernel::Linear,
            "poly" | "polynomial" => Kernel::Poly {
                gamma,
                degree,
                coef0,
            },
            "rbf" => Kernel::Rbf { gamma },
            "sigmoid" => Kernel::Sigmoid { gamma, coef0 },
            "laplacian" => Kernel::Laplacian { gamma },
            "cosine" => Kernel::Cosine,
            _ => return None,
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Kernel::Linear => "linear",
            Kernel::Poly { .. } => "poly",
            Kernel::Rbf { .. } => "rbf",
            Kernel::Sigmoid { .. } => "sigmoid",
            Kernel::Laplacian { .. } => "laplacian",
            Kernel::Cosine => "cosine",
        }
    }

    /// `K(x, y)` for every row of `x` against every row of `y` (rows × rows). Both must have the
    /// same number of columns (callers check the width first).
    pub fn matrix(&self, x: ArrayView2<'_, f64>, y: ArrayView2<'_, f64>) -> Array2<f64> {
        match *self {
            Kernel::Linear => x.dot(&y.t()),
            Kernel::Poly {
                gamma,
                degree,
                coef0,
            } => {
                let mut k = x.dot(&y.t());
                k.mapv_inplace(|v| (v * gamma + coef0).powf(degree));
                k
            }
            Kernel::Sigmoid { gamma, coef0 } => {
                let mut k = x.dot(&y.t());
                k.mapv_inplace(|v| (v * gamma + coef0).tanh());
                k
            }
            Kernel::Rbf { gamma } => {
                let mut k = squared_euclidean(x, y);
                k.mapv_inplace(|v| (v * -gamma).exp());
                k
            }
            Kernel::Laplacian { gamma } => {
                Array2::from_shape_fn((x.nrows(), y.nrows()), |(i, j)| {
                    let d: f64 = x
                        .row(i)
                        .iter()
                        .zip(y.row(j))
                        .map(|(a, b)| (a - b).abs())
                        .sum();
                    (-gamma * d).exp()
                })
            }
            Kernel::Cosine => l2_normalized(x).dot(&l2_normalized(y).t()),
        }
    }
}

/// Squared row norms (`row_norms(X, squared=True)`).
fn row_norms_squared(x: ArrayView2<'_, f64>) -> Array1<f64> {
    x.map_axis(Axis(1), |r| r.iter().map(|v| v * v).sum())
}

/// `euclidean_distances(x, y, squared=True)` for float64 inputs.
pub fn squared_euclidean(x: ArrayView2<'_, f64>, y: ArrayView2<'_, f64>) -> Array2<f64> {
    let xx = row_norms_squared(x);
    let yy = row_norms_squared(y);
    let mut d = x.dot(&y.t());
    for ((i, j), v) in d.indexed_iter_mut() {
        let mut t = -2.0 * *v;
        t += xx[i];
        t += yy[j];
        *v = if t.is_nan() { t } else { t.max(0.0) };
    }
    d
}

/// Rows divided by their l2 norm (`preprocessing.normalize`), zero rows left as they are.
pub fn l2_normalized(x: ArrayView2<'_, f64>) -> Array2<f64> {
    let norms = row_norms_squared(x).mapv(f64::sqrt);
    let mut out = x.to_owned();
    for (mut row, &n) in out.axis_iter_mut(Axis(0)).zip(norms.iter()) {
        let n = if n == 0.0 { 1.0 } else { n };
        row.mapv_inplace(|v| v / n);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn kernels_match_closed_forms() {
        let x = array![[1.0, 2.0], [0.0, 0.0]];
        let y = array![[3.0, -1.0]];
        assert_eq!(
            Kernel::Linear.matrix(x.view(), y.view()),
            array![[1.0], [0.0]]
        );
        let rbf = Kernel::Rbf { gamma: 0.5 }.matrix(x.view(), y.view());
        assert!((rbf[[0, 0]] - (-0.5f64 * 13.0).exp()).abs() < 1e-15);
        let lap = Kernel::Laplacian { gamma: 0.5 }.matrix(x.view(), y.view());
        assert!((lap[[1, 0]] - (-2.0f64).exp()).abs() < 1e-15);
        let cos = Kernel::Cosine.matrix(x.view(), y.view());
        assert_eq!(cos[[1, 0]], 0.0);
        let k = Kernel::from_name("poly", None, 2.0, 1.0, 2).unwrap();
        assert_eq!(k.matrix(x.view(), y.view()), array![[2.25], [1.0]]);
        assert!(Kernel::from_name("chi2", None, 3.0, 1.0, 2).is_none());
    }
}
