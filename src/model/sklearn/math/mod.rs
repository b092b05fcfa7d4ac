//! Numeric kernels shared by the model zoo (SVM, neighbours, naive Bayes, MLP), written once and
//! computed in the same order as numpy / scipy / libsvm so results agree to the last few bits.
//!
//! Submodules: `kernels` (the pairwise kernels of `sklearn.metrics.pairwise`, used by KernelRidge)
//! and `normal` (the standard normal quantile, used by QuantileTransformer).

pub mod kernels;
pub mod normal;

pub use super::linear::math::{argmax, expit, softmax_rows};

use ndarray::ArrayView1;

/// `scipy.special.logsumexp` of one row (scipy ≥ 1.15's form: the maximum is factored out and the
/// rest summed through `log1p`); an all `-inf` row gives `-inf`, a NaN gives NaN.
pub fn logsumexp(row: ArrayView1<'_, f64>) -> f64 {
    if row.is_empty() {
        return f64::NEG_INFINITY;
    }
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if row.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    if !max.is_finite() {
        // scipy falls back to log(sum(exp(a))) when the shifted form is not finite.
        return row.iter().map(|v| v.exp()).sum::<f64>().ln();
    }
    let m = row.iter().filter(|&&v| v == max).count() as f64;
    let s: f64 = row
        .iter()
        .filter(|&&v| v != max)
        .map(|&v| (v - max).exp())
        .sum();
    let s = if s == 0.0 { s } else { s / m };
    s.ln_1p() + m.ln() + max
}

/// libsvm's `powi`: an integer power by repeated squaring (not `f64::powi`, whose rounding may differ).
pub fn libsvm_powi(base: f64, times: u32) -> f64 {
    let mut tmp = base;
    let mut ret = 1.0;
    let mut t = times;
    while t > 0 {
        if t % 2 == 1 {
            ret *= tmp;
        }
        tmp *= tmp;
        t /= 2;
    }
    ret
}

/// A dot product summed left to right.
pub fn dot(a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| x * y).sum()
}

/// Squared euclidean distance, summed left to right.
pub fn squared_euclidean(a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| {
            let d = x - y;
            d * d
        })
        .sum()
}

/// The kernel functions libsvm evaluates (libsvm's `Kernel::k_function`), one pair of rows at a time;
/// not [`kernels::Kernel`], scikit-learn's pairwise kernels, which are computed differently.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LibsvmKernel {
    Linear,
    Poly { gamma: f64, coef0: f64, degree: u32 },
    Rbf { gamma: f64 },
    Sigmoid { gamma: f64, coef0: f64 },
}

impl LibsvmKernel {
    /// `k(x, y)` exactly as libsvm's dense build computes it.
    pub fn eval(&self, x: ArrayView1<'_, f64>, y: ArrayView1<'_, f64>) -> f64 {
        match *self {
            LibsvmKernel::Linear => dot(x, y),
            LibsvmKernel::Poly {
                gamma,
                coef0,
                degree,
            } => libsvm_powi(gamma * dot(x, y) + coef0, degree),
            LibsvmKernel::Rbf { gamma } => (-gamma * squared_euclidean(x, y)).exp(),
            LibsvmKernel::Sigmoid { gamma, coef0 } => (gamma * dot(x, y) + coef0).tanh(),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            LibsvmKernel::Linear => "linear",
            LibsvmKernel::Poly { .. } => "poly",
            LibsvmKernel::Rbf { .. } => "rbf",
            LibsvmKernel::Sigmoid { .. } => "sigmoid",
        }
    }
}

/// The MLP hidden and output activations (`sklearn.neural_network._base.ACTIVATIONS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Identity,
    Logistic,
    Tanh,
    Relu,
}

impl Activation {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "identity" => Activation::Identity,
            "logistic" => Activation::Logistic,
            "tanh" => Activation::Tanh,
            "relu" => Activation::Relu,
            _ => return None,
        })
    }

    pub fn apply(&self, v: f64) -> f64 {
        match self {
            Activation::Identity => v,
            Activation::Logistic => expit(v),
            Activation::Tanh => v.tanh(),
            // np.maximum(X, 0): NaN propagates
            Activation::Relu => {
                if v.is_nan() {
                    v
                } else {
                    v.max(0.0)
                }
            }
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Activation::Identity => "identity",
            Activation::Logistic => "logistic",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn logsumexp_matches_closed_form_and_edges() {
        let v = array![1.0, 2.0, 3.0];
        let want = (1f64.exp() + 2f64.exp() + 3f64.exp()).ln();
        assert!((logsumexp(v.view()) - want).abs() < 1e-15);
        assert_eq!(
            logsumexp(array![f64::NEG_INFINITY, f64::NEG_INFINITY].view()),
            f64::NEG_INFINITY
        );
        assert_eq!(
            logsumexp(array![-1000.0, -1000.0].view()),
            -1000.0 + 2f64.ln()
        );
        assert!(logsumexp(array![1.0, f64::NAN].view()).is_nan());
    }

    #[test]
    fn powi_is_repeated_squaring() {
        assert_eq!(libsvm_powi(2.0, 0), 1.0);
        assert_eq!(libsvm_powi(2.0, 5), 32.0);
        assert_eq!(libsvm_powi(-1.5, 3), -3.375);
    }

    #[test]
    fn kernels_match_their_formulas() {
        let x = array![1.0, 2.0];
        let y = array![0.5, -1.0];
        assert_eq!(LibsvmKernel::Linear.eval(x.view(), y.view()), -1.5);
        let rbf = LibsvmKernel::Rbf { gamma: 0.5 }.eval(x.view(), y.view());
        assert!((rbf - (-0.5f64 * 9.25).exp()).abs() < 1e-16);
        let poly = LibsvmKernel::Poly {
            gamma: 1.0,
            coef0: 1.0,
            degree: 2,
        };
        assert_eq!(poly.eval(x.view(), y.view()), 0.25);
    }

    #[test]
    fn relu_keeps_nan() {
        assert!(Activation::Relu.apply(f64::NAN).is_nan());
        assert_eq!(Activation::Relu.apply(-2.0), 0.0);
    }
}
