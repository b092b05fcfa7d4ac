//! The link functions, computed the way scipy and scikit-learn compute them so that results agree
//! to the last few bits: `expit` as `1 / (1 + exp(-x))`, softmax with the row maximum subtracted.

use ndarray::{ArrayViewMut1, Axis};

/// The logistic sigmoid, as scipy.special.expit computes it for float64.
pub fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Softmax of every row in place (scikit-learn's `utils.extmath.softmax`).
pub fn softmax_rows(m: &mut ndarray::Array2<f64>) {
    for row in m.axis_iter_mut(Axis(0)) {
        softmax(row);
    }
}

fn softmax(mut row: ArrayViewMut1<'_, f64>) {
    let max = row.iter().copied().fold(
        f64::NEG_INFINITY,
        |a, b| {
            if b > a || b.is_nan() {
                b
            } else {
                a
            }
        },
    );
    row.mapv_inplace(|v| (v - max).exp());
    let sum: f64 = row.iter().sum();
    row.mapv_inplace(|v| v / sum);
}

/// Normalise non-negative scores so each row sums to one; an all-zero row becomes uniform
/// (scikit-learn's one-vs-rest normalisation).
pub fn normalize_rows(m: &mut ndarray::Array2<f64>) {
    let n = m.ncols() as f64;
    for mut row in m.axis_iter_mut(Axis(0)) {
        let sum: f64 = row.iter().sum();
        if sum == 0.0 {
            row.fill(1.0 / n);
        } else {
            row.mapv_inplace(|v| v / sum);
        }
    }
}

/// Index of the largest value, the first one on ties; NaN counts as largest (numpy's argmax).
pub fn argmax(row: ndarray::ArrayView1<'_, f64>) -> usize {
    let mut best = 0;
    let mut best_val = f64::NEG_INFINITY;
    for (i, &v) in row.iter().enumerate() {
        if v.is_nan() {
            return i;
        }
        if i == 0 || v > best_val {
            best = i;
            best_val = v;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn expit_matches_closed_form_and_saturates() {
        assert_eq!(expit(0.0), 0.5);
        assert!((expit(2.0) - 0.8807970779778823).abs() < 1e-16);
        assert_eq!(expit(-1000.0), 0.0);
        assert_eq!(expit(1000.0), 1.0);
    }

    #[test]
    fn softmax_is_stable_for_large_scores() {
        let mut m = array![[1000.0, 1000.0], [1.0, 2.0]];
        softmax_rows(&mut m);
        assert_eq!(m[[0, 0]], 0.5);
        let e = 1.0f64.exp();
        assert!((m[[1, 1]] - e / (1.0 + e)).abs() < 1e-15);
    }

    #[test]
    fn normalize_handles_all_zero_rows() {
        let mut m = array![[0.0, 0.0, 0.0], [1.0, 1.0, 2.0]];
        normalize_rows(&mut m);
        assert_eq!(m.row(0).to_vec(), vec![1.0 / 3.0; 3]);
        assert_eq!(m.row(1).to_vec(), vec![0.25, 0.25, 0.5]);
    }

    #[test]
    fn argmax_takes_first_max_and_nan() {
        assert_eq!(argmax(array![1.0, 3.0, 3.0].view()), 1);
        assert_eq!(argmax(array![1.0, f64::NAN, 3.0].view()), 1);
        assert_eq!(
            argmax(array![f64::NEG_INFINITY, f64::NEG_INFINITY].view()),
            0
        );
    }
}
