//! Small helpers shared by the linear models and preprocessing builders: fitted-attribute readers
//! (numbers, vectors, matrices, feature names), the pickling scikit-learn version, and width checks.

use ndarray::Array2;

use crate::model::error::{LoadError, PredictError};
use crate::model::numpy::NdArray;
use crate::model::value::{scalar_f64, scalar_i64, Heap, Node, ObjView, Value};

/// The scikit-learn version that wrote an estimator (`_sklearn_version`), as (major, minor).
pub fn version(obj: &ObjView<'_>) -> Option<(u32, u32)> {
    let text = obj.opt_str("_sklearn_version")?;
    let mut parts = text.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor_digits: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((major, minor_digits.parse().ok()?))
}

/// Was the estimator written by scikit-learn `major.minor` or later? Unknown versions count as new.
pub fn at_least(obj: &ObjView<'_>, major: u32, minor: u32) -> bool {
    version(obj).is_none_or(|v| v >= (major, minor))
}

/// The array an attribute holds, or None when the attribute is absent or Python `None`.
pub fn opt_array<'a>(obj: &ObjView<'a>, attr: &str) -> Result<Option<&'a NdArray>, LoadError> {
    match obj.get(attr) {
        None | Some(Value::None) => Ok(None),
        Some(_) => obj.array(attr).map(Some),
    }
}

/// Numbers of a value that is a numpy array, a Python number, or a list/tuple of numbers.
pub fn value_f64s(obj: &ObjView<'_>, attr: &str, value: &Value) -> Result<Vec<f64>, LoadError> {
    let heap = obj.heap;
    if let Some(Node::Array(a)) = heap.get(value) {
        return a.to_f64_vec().map_err(|e| obj.error(attr, e));
    }
    if let Some(x) = scalar_f64(heap, value) {
        return Ok(vec![x]);
    }
    if let Some(items) = heap.sequence(value) {
        return items
            .iter()
            .map(|v| {
                scalar_f64(heap, v).ok_or_else(|| {
                    obj.error(
                        attr,
                        format!("expected numbers, found {}", heap.describe(v)),
                    )
                })
            })
            .collect();
    }
    Err(obj.error(
        attr,
        format!("expected numbers, found {}", heap.describe(value)),
    ))
}

/// A required attribute of numbers (array, scalar or list), flattened in C order.
pub fn f64s(obj: &ObjView<'_>, attr: &str) -> Result<Vec<f64>, LoadError> {
    value_f64s(obj, attr, obj.req(attr)?)
}

/// Like [`f64s`], but absent or `None` gives `None`.
pub fn opt_f64s(obj: &ObjView<'_>, attr: &str) -> Result<Option<Vec<f64>>, LoadError> {
    match obj.get(attr) {
        None | Some(Value::None) => Ok(None),
        Some(v) => value_f64s(obj, attr, v).map(Some),
    }
}

/// Integers of a value that is a numpy array or a list/tuple of ints.
pub fn value_i64s(obj: &ObjView<'_>, attr: &str, value: &Value) -> Result<Vec<i64>, LoadError> {
    let heap = obj.heap;
    if let Some(Node::Array(a)) = heap.get(value) {
        return a.to_i64_vec().map_err(|e| obj.error(attr, e));
    }
    if let Some(items) = heap.sequence(value) {
        return items
            .iter()
            .map(|v| {
                scalar_i64(heap, v).ok_or_else(|| {
                    obj.error(
                        attr,
                        format!("expected integers, found {}", heap.describe(v)),
                    )
                })
            })
            .collect();
    }
    if let Some(i) = scalar_i64(heap, value) {
        return Ok(vec![i]);
    }
    Err(obj.error(
        attr,
        format!("expected integers, found {}", heap.describe(value)),
    ))
}

/// A 2-d matrix attribute (a 1-d array of length n becomes 1 × n).
pub fn matrix(obj: &ObjView<'_>, attr: &str) -> Result<Array2<f64>, LoadError> {
    let a = obj.array(attr)?;
    if a.shape.len() > 2 {
        return Err(obj.error(
            attr,
            format!("expected a 1-d or 2-d array, found {}", a.describe()),
        ));
    }
    a.to_array2_f64().map_err(|e| obj.error(attr, e))
}

/// Is a pickled value NaN (a float NaN or a numpy NaN scalar)?
pub fn is_nan(obj: &ObjView<'_>, value: &Value) -> bool {
    match value {
        Value::Float(f) => f.is_nan(),
        Value::Ref(_) => {
            matches!(obj.heap.get(value), Some(Node::Array(a)) if a.len() == 1)
                && scalar_f64(obj.heap, value).is_some_and(f64::is_nan)
        }
        _ => false,
    }
}

/// The number of input features an estimator was fitted on, from `n_features_in_` (scikit-learn
/// ≥ 1.0) or the older `n_features_` / `_n_features`.
pub fn n_features(obj: &ObjView<'_>) -> Option<usize> {
    ["n_features_in_", "_n_features", "n_features_"]
        .iter()
        .find_map(|attr| match obj.get(attr) {
            Some(v) => scalar_i64(obj.heap, v).and_then(|i| usize::try_from(i).ok()),
            None => None,
        })
}

/// The input `width` read from the fitted attribute `attr`, checked against
/// `n_features_in_` and `feature_names_in_` when the file has them; returns the feature names.
pub fn checked_inputs(
    obj: &ObjView<'_>,
    width: usize,
    attr: &str,
) -> Result<Option<Vec<String>>, LoadError> {
    if let Some(expected) = n_features(obj) {
        if expected != width {
            return Err(obj.error(
                attr,
                format!("gives {width} input features but n_features_in_ is {expected}"),
            ));
        }
    }
    let names = feature_names(obj)?;
    if let Some(names) = &names {
        if names.len() != width {
            return Err(obj.error(
                "feature_names_in_",
                format!(
                    "has {} names but {attr} gives {width} input features",
                    names.len()
                ),
            ));
        }
    }
    Ok(names)
}

/// Input feature names (`feature_names_in_`), when fitted on a DataFrame with string columns.
pub fn feature_names(obj: &ObjView<'_>) -> Result<Option<Vec<String>>, LoadError> {
    match opt_array(obj, "feature_names_in_")? {
        Some(a) => Ok(Some(
            a.to_strings(obj.heap)
                .map_err(|e| obj.error("feature_names_in_", e))?,
        )),
        None => Ok(None),
    }
}

/// Check the input width an estimator was fitted on.
pub fn check_width(expected: usize, got: usize) -> Result<(), PredictError> {
    if expected == got {
        Ok(())
    } else {
        Err(PredictError::FeatureCount { expected, got })
    }
}

/// A column's name for error messages: its feature name when known, else its position.
pub fn column_label(names: Option<&[String]>, col: usize) -> String {
    match names.and_then(|n| n.get(col)) {
        Some(name) => format!("{name:?}"),
        None => format!("#{col}"),
    }
}

/// Reject NaN and infinite inputs, as scikit-learn's `check_array` does for estimators that do not
/// accept missing values.
pub fn require_finite(
    x: ndarray::ArrayView2<'_, f64>,
    who: &str,
    names: Option<&[String]>,
) -> Result<(), PredictError> {
    for ((_, col), v) in x.indexed_iter() {
        if !v.is_finite() {
            let what = if v.is_nan() {
                "a missing value (null/NaN)"
            } else {
                "an infinite value"
            };
            return Err(PredictError::bad_value(
                column_label(names, col),
                format!("{who} does not accept {what}; impute missing values in the model pipeline or send a number"),
            ));
        }
    }
    Ok(())
}

/// Is `v` a `FunctionTransformer(func=None)` (the identity)? scikit-learn ≥ 1.4 stores fitted
/// ColumnTransformer passthrough entries this way; one with an allow-listed numpy ufunc is not the
/// identity (the registry builds it), one with any other custom function is refused.
pub fn is_identity_function_transformer(heap: &Heap, v: &Value) -> Result<bool, LoadError> {
    let Ok(ft) = heap.estimator(v) else {
        return Ok(false);
    };
    if ft.class_name() != "FunctionTransformer" || !ft.module().starts_with("sklearn.") {
        return Ok(false);
    }
    match ft.get("func") {
        None | Some(Value::None) => Ok(true),
        // An allow-listed numpy ufunc: the registry's FunctionTransformer builder serves it.
        Some(f) if super::preprocessing::function::ufunc(heap, f).is_some() => Ok(false),
        Some(f) => Err(ft.error(
            "func",
            format!(
                "a FunctionTransformer with a custom function ({}) cannot be served: it would mean running Python code",
                heap.describe(f)
            ),
        )),
    }
}
