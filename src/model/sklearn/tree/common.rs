//! Helpers shared by the tree-family estimators: scikit-learn version checks, numpy-exact sums,
//! scipy-exact link functions, input casting, and the small accessors every builder repeats.

use std::sync::Arc;

use ndarray::ArrayView2;

use crate::model::data::Label;
use crate::model::error::{LoadError, PredictError};
use crate::model::value::{scalar_i64, ObjView, Value};

/// `(major, minor, patch)` of the scikit-learn that wrote the estimator, from `_sklearn_version`
/// (a missing or non-numeric patch, as in `1.4.dev0`, counts as 0). `None` when absent or unreadable.
pub fn sklearn_version(obj: &ObjView<'_>) -> Option<(u32, u32, u32)> {
    let text = obj.opt_str("_sklearn_version")?;
    let mut parts = text.split('.');
    let mut number = |required: bool| -> Option<u32> {
        let digits: String = parts
            .next()
            .unwrap_or("")
            .trim()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        match digits.parse() {
            Ok(n) => Some(n),
            Err(_) if !required => Some(0),
            Err(_) => None,
        }
    };
    Some((number(true)?, number(true)?, number(false)?))
}

/// Was the estimator written by a scikit-learn older than `major.minor`? Unknown versions count as new.
pub fn older_than(obj: &ObjView<'_>, major: u32, minor: u32) -> bool {
    older_than_patch(obj, major, minor, 0)
}

/// Was the estimator written by a scikit-learn older than `major.minor.patch`?
pub fn older_than_patch(obj: &ObjView<'_>, major: u32, minor: u32, patch: u32) -> bool {
    matches!(sklearn_version(obj), Some(v) if v < (major, minor, patch))
}

/// numpy's pairwise summation (`np.sum` over a contiguous row), so normalisers match bit for bit.
pub fn pairwise_sum(a: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    if a.len() < 8 {
        let mut res = 0.0;
        for &v in a {
            res += v;
        }
        res
    } else if a.len() <= BLOCK {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let full = a.len() - a.len() % 8;
        let mut i = 8;
        while i < full {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[full..] {
            res += v;
        }
        res
    } else {
        let mut half = a.len() / 2;
        half -= half % 8;
        pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
    }
}

/// scipy.special.expit.
pub fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// scipy.special.logit (the xsf formula, precise near 0.5).
pub fn logit(p: f64) -> f64 {
    if !(0.3..=0.65).contains(&p) {
        (p / (1.0 - p)).ln()
    } else {
        let s = 2.0 * (p - 0.5);
        s.ln_1p() - (-s).ln_1p()
    }
}

/// sklearn.utils.extmath.softmax on one row, in place.
pub fn softmax_in_place(row: &mut [f64]) {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for v in row.iter_mut() {
        *v = (*v - max).exp();
    }
    let sum = pairwise_sum(row);
    for v in row.iter_mut() {
        *v /= sum;
    }
}

/// Index of the first maximum, as `np.argmax` (NaN counts as the maximum, like numpy).
pub fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v.is_nan() {
            return i;
        }
        if v > row[best] {
            best = i;
        }
    }
    best
}

/// Check the batch width, then cast it to float32 row-major, as scikit-learn's trees see it.
pub fn to_f32_rows(x: ArrayView2<'_, f64>, n_features: usize) -> Result<Vec<f32>, PredictError> {
    check_width(x, n_features)?;
    Ok(x.iter().map(|&v| v as f32).collect())
}

/// `PredictError::FeatureCount` unless the batch has `n_features` columns.
pub fn check_width(x: ArrayView2<'_, f64>, n_features: usize) -> Result<(), PredictError> {
    if x.ncols() != n_features {
        return Err(PredictError::FeatureCount {
            expected: n_features,
            got: x.ncols(),
        });
    }
    Ok(())
}

/// `classes_` as labels, refusing multi-output classifiers (whose `classes_` is a list).
pub fn classes(obj: &ObjView<'_>) -> Result<Arc<[Label]>, LoadError> {
    if let Some(v) = obj.get("classes_") {
        if obj.heap.sequence(v).is_some() {
            return Err(multi_output(obj));
        }
    }
    let labels = obj.array("classes_")?.to_labels(obj.heap)?;
    if labels.is_empty() {
        return Err(obj.error("classes_", "is empty"));
    }
    Ok(Arc::from(labels))
}

/// The error for a multi-output estimator.
pub fn multi_output(obj: &ObjView<'_>) -> LoadError {
    LoadError::model(format!(
        "{}: multi-output models (fitted on a 2-d y) are not supported; fit one model per target",
        obj.class_name()
    ))
}

/// Refuse `n_outputs_ > 1` when the attribute is present.
pub fn require_single_output(obj: &ObjView<'_>) -> Result<(), LoadError> {
    match obj.get("n_outputs_") {
        Some(v) if scalar_i64(obj.heap, v).is_some_and(|n| n != 1) => Err(multi_output(obj)),
        _ => Ok(()),
    }
}

/// `n_features_in_` (scikit-learn ≥ 1.0) or the older `n_features_`; at least 1.
pub fn n_features(obj: &ObjView<'_>) -> Result<usize, LoadError> {
    let attr = if obj.has("n_features_in_") {
        "n_features_in_"
    } else {
        "n_features_"
    };
    match obj.usize(attr)? {
        0 => Err(obj.error(attr, "is 0; a fitted model has at least one feature")),
        n => Ok(n),
    }
}

/// A non-negative integer inside a pickled value (int or numpy scalar).
pub fn value_usize(obj: &ObjView<'_>, v: &Value) -> Option<usize> {
    scalar_i64(obj.heap, v).and_then(|i| usize::try_from(i).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_matches_sequential_for_short_rows() {
        assert_eq!(pairwise_sum(&[0.1, 0.2, 0.3]), 0.1 + 0.2 + 0.3);
        assert_eq!(pairwise_sum(&[]), 0.0);
    }

    #[test]
    fn pairwise_sum_uses_eight_accumulators() {
        let a: Vec<f64> = (0..11).map(|i| 0.1 * f64::from(i) + 1e-17).collect();
        let r = &a[..8];
        let expected =
            ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7])) + a[8] + a[9] + a[10];
        assert_eq!(pairwise_sum(&a), expected);
    }

    #[test]
    fn versions_compare_with_patch_level() {
        use crate::model::sklearn::tree::testutil::{object, str_value};
        use crate::model::value::Heap;
        let mut heap = Heap::new();
        for (text, expected) in [
            ("1.4.0", Some((1, 4, 0))),
            ("1.4.1.post1", Some((1, 4, 1))),
            ("1.5.dev0", Some((1, 5, 0))),
            ("1.3", Some((1, 3, 0))),
            ("garbage", None),
        ] {
            let v = object(
                &mut heap,
                "sklearn.tree",
                "X",
                vec![("_sklearn_version", str_value(text))],
            );
            let view = heap.estimator(&v).expect("view");
            assert_eq!(sklearn_version(&view), expected, "{text}");
        }
        let v = object(
            &mut heap,
            "sklearn.tree",
            "X",
            vec![("_sklearn_version", str_value("1.4.0"))],
        );
        let view = heap.estimator(&v).expect("view");
        assert!(older_than_patch(&view, 1, 4, 1));
        assert!(!older_than(&view, 1, 4));
    }

    #[test]
    fn logit_inverts_expit() {
        for p in [1e-9, 0.1, 0.3, 0.5, 0.6, 0.65, 0.9, 1.0 - 1e-9] {
            assert!((expit(logit(p)) - p).abs() < 1e-12, "p={p}");
        }
        assert_eq!(logit(0.5), 0.0);
    }

    #[test]
    fn softmax_sums_to_one_and_argmax_takes_first() {
        let mut row = [1.0, 3.0, 3.0];
        softmax_in_place(&mut row);
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert_eq!(argmax(&row), 1);
        assert_eq!(argmax(&[0.0, f64::NAN, 5.0]), 1);
    }
}
