//! libsvm's probability estimates for SVC / NuSVC: Platt scaling of each one-vs-one decision value
//! (`sigmoid_predict`, clipped to [1e-7, 1 - 1e-7]) and Wu, Lin and Weng's pairwise coupling
//! (`multiclass_probability`), step for step as libsvm's `svm.cpp` computes them.

// The loops keep libsvm's indices so the two can be read side by side.
#![allow(clippy::needless_range_loop)]

/// `sigmoid_predict`: `1 / (1 + exp(A·d + B))`, written to avoid cancellation.
pub fn sigmoid_predict(decision: f64, a: f64, b: f64) -> f64 {
    let f_apb = decision * a + b;
    if f_apb >= 0.0 {
        (-f_apb).exp() / (1.0 + (-f_apb).exp())
    } else {
        1.0 / (1.0 + f_apb.exp())
    }
}

/// Class probabilities from the one-vs-one decision values (libsvm's pair order), with `prob_a` and
/// `prob_b` one per pair. Writes `k` probabilities into `p`.
pub fn predict_probability(dec: &[f64], prob_a: &[f64], prob_b: &[f64], p: &mut [f64]) {
    let k = p.len();
    let min_prob = 1e-7;
    let mut r = vec![vec![0.0; k]; k];
    let mut pair = 0;
    for i in 0..k {
        for j in i + 1..k {
            let s = sigmoid_predict(dec[pair], prob_a[pair], prob_b[pair]);
            r[i][j] = s.max(min_prob).min(1.0 - min_prob);
            r[j][i] = 1.0 - r[i][j];
            pair += 1;
        }
    }
    multiclass_probability(&r, p);
}

/// Method 2 of Wu, Lin and Weng (2004), as libsvm's `multiclass_probability`.
pub fn multiclass_probability(r: &[Vec<f64>], p: &mut [f64]) {
    let k = p.len();
    let max_iter = 100.max(k);
    let eps = 0.005 / k as f64;
    let mut q = vec![vec![0.0; k]; k];
    let mut qp = vec![0.0; k];
    for t in 0..k {
        p[t] = 1.0 / k as f64;
        q[t][t] = 0.0;
        for j in 0..t {
            q[t][t] += r[j][t] * r[j][t];
            q[t][j] = q[j][t];
        }
        for j in t + 1..k {
            q[t][t] += r[j][t] * r[j][t];
            q[t][j] = -r[j][t] * r[t][j];
        }
    }
    for _ in 0..max_iter {
        let mut pqp = 0.0;
        for t in 0..k {
            qp[t] = 0.0;
            for j in 0..k {
                qp[t] += q[t][j] * p[j];
            }
            pqp += p[t] * qp[t];
        }
        let mut max_error: f64 = 0.0;
        for &v in qp.iter() {
            let error = (v - pqp).abs();
            if error > max_error {
                max_error = error;
            }
        }
        if max_error < eps {
            break;
        }
        for t in 0..k {
            let diff = (-qp[t] + pqp) / q[t][t];
            p[t] += diff;
            pqp = (pqp + diff * (diff * q[t][t] + 2.0 * qp[t])) / (1.0 + diff) / (1.0 + diff);
            for j in 0..k {
                qp[j] = (qp[j] + diff * q[t][j]) / (1.0 + diff);
                p[j] /= 1.0 + diff;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_is_symmetric_and_stable() {
        assert_eq!(sigmoid_predict(0.0, 1.0, 0.0), 0.5);
        let a = sigmoid_predict(2.0, -1.0, 0.0);
        let b = sigmoid_predict(-2.0, -1.0, 0.0);
        assert!((a + b - 1.0).abs() < 1e-15);
        assert_eq!(sigmoid_predict(1000.0, 1.0, 0.0), 0.0);
    }

    #[test]
    fn binary_coupling_approximates_the_pair_probability() {
        // libsvm iterates to within eps = 0.005 / k, so the pair probability is not returned exactly.
        let mut p = [0.0; 2];
        predict_probability(&[1.5], &[-2.0], &[0.1], &mut p);
        let want = sigmoid_predict(1.5, -2.0, 0.1);
        assert!((p[0] - want).abs() < 1e-2 && (p[0] + p[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn three_class_coupling_sums_to_one() {
        let mut p = [0.0; 3];
        predict_probability(&[0.3, -1.0, 2.0], &[-1.0; 3], &[0.0; 3], &mut p);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-6);
        assert!(p.iter().all(|&v| v > 0.0));
    }
}
