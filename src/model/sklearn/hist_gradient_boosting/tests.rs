//! Unit tests for HistGradientBoosting built from hand-made object graphs.

use ndarray::array;

use crate::model::data::Output;
use crate::model::estimator::Predictor;
use crate::model::sklearn::tree::testutil::*;
use crate::model::sklearn::Estimator;
use crate::model::value::{Heap, Value};

const FIELDS: [(&str, char, usize); 13] = [
    ("value", 'f', 8),
    ("count", 'u', 4),
    ("feature_idx", 'i', 8),
    ("num_threshold", 'f', 8),
    ("missing_go_to_left", 'u', 1),
    ("left", 'u', 4),
    ("right", 'u', 4),
    ("gain", 'f', 8),
    ("depth", 'u', 4),
    ("is_leaf", 'u', 1),
    ("bin_threshold", 'u', 1),
    ("is_categorical", 'u', 1),
    ("bitset_idx", 'u', 4),
];

/// (value, feature, threshold, missing_left, left, right, is_leaf, is_categorical)
type N = (f64, f64, f64, f64, f64, f64, f64, f64);

fn predictor(heap: &mut Heap, nodes: &[N], left_cats: &[i64]) -> Value {
    let rows: Vec<Vec<f64>> = nodes
        .iter()
        .map(|&(v, f, t, m, l, r, leaf, cat)| {
            vec![v, 1.0, f, t, m, l, r, 0.0, 0.0, leaf, 0.0, cat, 0.0]
        })
        .collect();
    let arr = records(heap, &FIELDS, &rows);
    let bitsets = i64_array(heap, &[left_cats.len() / 8, 8], left_cats);
    object(
        heap,
        "sklearn.ensemble._hist_gradient_boosting.predictor",
        "TreePredictor",
        vec![("nodes", arr), ("raw_left_cat_bitsets", bitsets)],
    )
}

fn model(
    heap: &mut Heap,
    class: &str,
    preds: Vec<Value>,
    extra: Vec<(&str, Value)>,
) -> Result<Box<dyn Predictor>, String> {
    let iteration = list(heap, preds);
    let predictors = list(heap, vec![iteration]);
    let baseline = f64_array(heap, &[1, 1], &[0.5]);
    let is_cat = i64_array(heap, &[2], &[1, 0]);
    let known = f64_array(heap, &[4], &[0.0, 1.0, 2.0, 3.0]);
    let numeric = f64_array(heap, &[2], &[0.0, 1.0]);
    let thresholds = list(heap, vec![known, numeric]);
    let bin_mapper = object(
        heap,
        "sklearn.ensemble._hist_gradient_boosting.binning",
        "_BinMapper",
        vec![("is_categorical_", is_cat), ("bin_thresholds_", thresholds)],
    );
    let mut attrs = vec![
        ("n_features_in_", Value::Int(2)),
        ("n_trees_per_iteration_", Value::Int(1)),
        ("_baseline_prediction", baseline),
        ("_bin_mapper", bin_mapper),
        ("_predictors", predictors),
        ("_sklearn_version", str_value("1.9.1")),
    ];
    attrs.extend(extra);
    let v = object(
        heap,
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting",
        class,
        attrs,
    );
    match crate::model::sklearn::build(heap, &v, 0).map_err(|e| e.to_string())? {
        Estimator::Predictor(p) => Ok(p),
        other => Err(format!("{other:?}")),
    }
}

/// Root splits feature 0 on categories {1, 3} (missing goes right); left child splits feature 1 at 0.25.
fn categorical_tree(heap: &mut Heap) -> Value {
    let mut bits = vec![0i64; 8];
    bits[0] = (1 << 1) | (1 << 3);
    let nodes = [
        (0.0, 0.0, 0.0, 0.0, 1.0, 4.0, 0.0, 1.0),
        (0.0, 1.0, 0.25, 1.0, 2.0, 3.0, 0.0, 0.0),
        (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0),
        (2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0),
        (4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0),
    ];
    predictor(heap, &nodes, &bits)
}

#[test]
fn categorical_splits_follow_bitsets_and_unknowns_go_the_missing_way() {
    let mut heap = Heap::new();
    let t = categorical_tree(&mut heap);
    let p = model(
        &mut heap,
        "HistGradientBoostingRegressor",
        vec![t],
        vec![("loss", str_value("squared_error"))],
    )
    .expect("build");
    let x = array![
        [1.0, 0.0],      // left category, then 0.0 <= 0.25 → 1.0
        [3.0, 0.25],     // left category, float64 compare: 0.25 <= 0.25 → 1.0
        [3.0, 0.3],      // → 2.0
        [2.0, 0.0],      // known, not left → right → 4.0
        [7.0, 0.0],      // unknown → missing → right → 4.0
        [-1.0, 0.0],     // negative → missing → right → 4.0
        [f64::NAN, 0.0], // NaN → right → 4.0
        [1.0, f64::NAN]  // NaN on numeric split goes left → 1.0
    ];
    let Output::Regression { values } = p.predict(x.view()).expect("predict") else {
        panic!()
    };
    let expected = [1.0, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 1.0];
    for (r, e) in expected.iter().enumerate() {
        assert_eq!(values[(r, 0)], 0.5 + e, "row {r}");
    }
}

#[test]
fn poisson_regressor_exponentiates() {
    let mut heap = Heap::new();
    let t = categorical_tree(&mut heap);
    let p = model(
        &mut heap,
        "HistGradientBoostingRegressor",
        vec![t],
        vec![("loss", str_value("poisson"))],
    )
    .expect("build");
    let Output::Regression { values } = p.predict(array![[1.0, 0.0]].view()).expect("predict")
    else {
        panic!()
    };
    assert_eq!(values[(0, 0)], 1.5f64.exp());
}

#[test]
fn binary_classifier_uses_expit_and_positive_raw() {
    let mut heap = Heap::new();
    let t = categorical_tree(&mut heap);
    let classes = i64_array(&mut heap, &[2], &[0, 1]);
    let p = model(
        &mut heap,
        "HistGradientBoostingClassifier",
        vec![t],
        vec![("classes_", classes)],
    )
    .expect("build");
    let Output::Classification {
        predicted,
        probabilities: Some(proba),
        ..
    } = p.predict(array![[1.0, 0.0]].view()).expect("predict")
    else {
        panic!()
    };
    assert_eq!(predicted, vec![1]);
    assert_eq!(proba[(0, 1)], 1.0 / (1.0 + (-1.5f64).exp()));
}

#[test]
fn categorical_split_on_a_numeric_feature_is_refused() {
    let mut heap = Heap::new();
    let nodes = [
        (0.0, 1.0, 0.0, 0.0, 1.0, 2.0, 0.0, 1.0),
        (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0),
        (2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0),
    ];
    let t = predictor(&mut heap, &nodes, &[0; 8]);
    let err = model(&mut heap, "HistGradientBoostingRegressor", vec![t], vec![]).unwrap_err();
    assert!(err.contains("categorical split"), "{err}");
}

#[test]
fn backward_child_pointers_are_refused() {
    let mut heap = Heap::new();
    let nodes = [
        (0.0, 1.0, 0.5, 0.0, 0.0, 1.0, 0.0, 0.0),
        (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0),
    ];
    let t = predictor(&mut heap, &nodes, &[]);
    let err = model(&mut heap, "HistGradientBoostingRegressor", vec![t], vec![]).unwrap_err();
    assert!(err.contains("children must come after"), "{err}");
}
