//! Unit tests for decision trees and forests built from hand-made object graphs.

use ndarray::array;

use super::testutil::*;
use super::*;
use crate::model::value::{Heap, Value};

/// A stump on feature 0 at `threshold`: left leaf `l`, right leaf `r` (class counts or values).
fn stump(
    heap: &mut Heap,
    threshold: f64,
    l: &[f64],
    r: &[f64],
    missing_left: u8,
    with_missing: bool,
) -> Value {
    let width = l.len();
    let mut values: Vec<f64> = l.iter().zip(r).map(|(a, b)| a + b).collect();
    values.extend_from_slice(l);
    values.extend_from_slice(r);
    let nodes = [
        (1, 2, 0, threshold, missing_left),
        (-1, -1, -2, -2.0, 0),
        (-1, -1, -2, -2.0, 0),
    ];
    tree(heap, &nodes, &values, width, with_missing)
}

fn classifier(heap: &mut Heap, class: &str, version: &str, tree_: Value, n_features: i64) -> Value {
    let classes = i64_array(heap, &[2], &[10, 20]);
    object(
        heap,
        "sklearn.tree._classes",
        class,
        vec![
            ("n_features_in_", Value::Int(n_features)),
            ("n_outputs_", Value::Int(1)),
            ("classes_", classes),
            ("tree_", tree_),
            ("_sklearn_version", str_value(version)),
        ],
    )
}

fn built(heap: &Heap, v: &Value) -> Result<Box<dyn Predictor>, LoadError> {
    match crate::model::sklearn::build(heap, v, 0)? {
        Estimator::Predictor(p) => Ok(p),
        other => panic!("expected a predictor, got {other:?}"),
    }
}

fn classify(p: &dyn Predictor, x: ndarray::Array2<f64>) -> (Vec<usize>, ndarray::Array2<f64>) {
    match p.predict(x.view()).expect("predict") {
        Output::Classification {
            predicted,
            probabilities: Some(pr),
            ..
        } => (predicted, pr),
        other => panic!("expected classification, got {other:?}"),
    }
}

#[test]
fn legacy_classifier_normalises_counts_and_casts_to_float32() {
    let mut heap = Heap::new();
    let t = stump(&mut heap, 0.1, &[3.0, 1.0], &[0.0, 2.0], 0, true);
    let v = classifier(&mut heap, "DecisionTreeClassifier", "1.3.2", t, 2);
    let p = built(&heap, &v).expect("build");
    // 0.1 as float32 is 0.10000000149 > 0.1, so scikit-learn sends x = 0.1 right.
    let (pred, proba) = classify(p.as_ref(), array![[0.05, 9.0], [0.1, 0.0]]);
    assert_eq!(pred, vec![0, 1]);
    assert_eq!(proba.row(0).to_vec(), vec![0.75, 0.25]);
    assert_eq!(proba.row(1).to_vec(), vec![0.0, 1.0]);
}

#[test]
fn nan_follows_missing_go_to_left() {
    let mut heap = Heap::new();
    let t = stump(&mut heap, 0.5, &[1.0, 0.0], &[0.0, 1.0], 1, true);
    let v = classifier(&mut heap, "DecisionTreeClassifier", "1.9.1", t, 1);
    let p = built(&heap, &v).expect("build");
    let (pred, _) = classify(p.as_ref(), array![[f64::NAN], [0.7]]);
    assert_eq!(pred, vec![0, 1]);
}

#[test]
fn nan_is_refused_for_pre_1_3_node_layout() {
    let mut heap = Heap::new();
    let t = stump(&mut heap, 0.5, &[1.0, 0.0], &[0.0, 1.0], 0, false);
    let v = classifier(&mut heap, "DecisionTreeClassifier", "1.2.2", t, 1);
    let p = built(&heap, &v).expect("build");
    let err = p.predict(array![[f64::NAN]].view()).unwrap_err();
    assert_eq!(err.code(), "bad_value");
    let (pred, _) = classify(p.as_ref(), array![[0.2]]);
    assert_eq!(pred, vec![0]);
}

#[test]
fn wrong_width_is_a_feature_count_error() {
    let mut heap = Heap::new();
    let t = stump(&mut heap, 0.5, &[1.0, 0.0], &[0.0, 1.0], 0, true);
    let v = classifier(&mut heap, "DecisionTreeClassifier", "1.9.1", t, 3);
    let p = built(&heap, &v).expect("build");
    let err = p.predict(array![[0.0, 1.0]].view()).unwrap_err();
    assert_eq!(
        err,
        PredictError::FeatureCount {
            expected: 3,
            got: 2
        }
    );
}

#[test]
fn hostile_trees_are_refused_at_build() {
    let cases: [(&[nodes_alias::N], i64, &str); 4] = [
        (
            &[
                (0, 2, 0, 0.5, 0),
                (-1, -1, -2, 0.0, 0),
                (-1, -1, -2, 0.0, 0),
            ],
            1,
            "children must come after",
        ),
        (
            &[
                (1, 7, 0, 0.5, 0),
                (-1, -1, -2, 0.0, 0),
                (-1, -1, -2, 0.0, 0),
            ],
            1,
            "children must come after",
        ),
        (
            &[(2, 1, 0, 0.5, 0), (-1, -1, -2, 0.0, 0), (1, 1, 0, 0.0, 0)],
            1,
            "children must come after",
        ),
        (
            &[
                (1, 2, 5, 0.5, 0),
                (-1, -1, -2, 0.0, 0),
                (-1, -1, -2, 0.0, 0),
            ],
            2,
            "splits on feature 5",
        ),
    ];
    for (nodes, n_features, expected) in cases {
        let mut heap = Heap::new();
        let t = tree(&mut heap, nodes, &[1.0; 6], 2, true);
        let v = classifier(&mut heap, "DecisionTreeClassifier", "1.9.1", t, n_features);
        let err = built(&heap, &v).unwrap_err().to_string();
        assert!(err.contains(expected), "{err}");
    }
}

mod nodes_alias {
    pub type N = super::TreeNode;
}

#[test]
fn values_of_the_wrong_width_are_refused() {
    let mut heap = Heap::new();
    let t = stump(&mut heap, 0.5, &[1.0, 0.0, 0.0], &[0.0, 1.0, 0.0], 0, true);
    let v = classifier(&mut heap, "DecisionTreeClassifier", "1.9.1", t, 1);
    let err = built(&heap, &v).unwrap_err().to_string();
    assert!(err.contains("values"), "{err}");
}

#[test]
fn forest_regressor_averages_trees_in_order() {
    let mut heap = Heap::new();
    let mut members = Vec::new();
    for (l, r) in [(1.0, 2.0), (4.0, 8.0), (0.5, 0.25)] {
        let t = stump(&mut heap, 0.5, &[l], &[r], 0, true);
        members.push(object(
            &mut heap,
            "sklearn.tree._classes",
            "DecisionTreeRegressor",
            vec![("tree_", t)],
        ));
    }
    let estimators = list(&mut heap, members);
    let v = object(
        &mut heap,
        "sklearn.ensemble._forest",
        "RandomForestRegressor",
        vec![
            ("n_features_in_", Value::Int(1)),
            ("n_outputs_", Value::Int(1)),
            ("estimators_", estimators),
        ],
    );
    let p = built(&heap, &v).expect("build");
    match p.predict(array![[0.0], [1.0]].view()).expect("predict") {
        Output::Regression { values } => {
            assert_eq!(values[(0, 0)], (0.0 + 1.0 + 4.0 + 0.5) / 3.0);
            assert_eq!(values[(1, 0)], (0.0 + 2.0 + 8.0 + 0.25) / 3.0);
        }
        other => panic!("{other:?}"),
    }
    assert!(p.summary().render().contains("n_estimators=3"));
}

#[test]
fn forest_classifier_averages_normalised_probabilities() {
    let mut heap = Heap::new();
    let t1 = stump(&mut heap, 0.5, &[3.0, 1.0], &[0.0, 4.0], 0, true);
    let t2 = stump(&mut heap, 0.5, &[1.0, 1.0], &[1.0, 3.0], 0, true);
    let m1 = object(
        &mut heap,
        "sklearn.tree._classes",
        "DecisionTreeClassifier",
        vec![("tree_", t1)],
    );
    let m2 = object(
        &mut heap,
        "sklearn.tree._classes",
        "DecisionTreeClassifier",
        vec![("tree_", t2)],
    );
    let estimators = list(&mut heap, vec![m1, m2]);
    let classes = i64_array(&mut heap, &[2], &[0, 1]);
    let v = object(
        &mut heap,
        "sklearn.ensemble._forest",
        "RandomForestClassifier",
        vec![
            ("n_features_in_", Value::Int(1)),
            ("n_outputs_", Value::Int(1)),
            ("classes_", classes),
            ("estimators_", estimators),
            ("_sklearn_version", str_value("1.3.2")),
        ],
    );
    let p = built(&heap, &v).expect("build");
    let (pred, proba) = classify(p.as_ref(), array![[0.0], [1.0]]);
    assert_eq!(
        proba.row(0).to_vec(),
        vec![(0.75 + 0.5) / 2.0, (0.25 + 0.5) / 2.0]
    );
    assert_eq!(
        proba.row(1).to_vec(),
        vec![(0.0 + 0.25) / 2.0, (1.0 + 0.75) / 2.0]
    );
    assert_eq!(pred, vec![0, 1]);
}

#[test]
fn multi_output_models_are_refused() {
    let mut heap = Heap::new();
    let t = stump(&mut heap, 0.5, &[1.0], &[2.0], 0, true);
    let v = object(
        &mut heap,
        "sklearn.tree._classes",
        "DecisionTreeRegressor",
        vec![
            ("n_features_in_", Value::Int(1)),
            ("n_outputs_", Value::Int(2)),
            ("tree_", t),
        ],
    );
    let err = built(&heap, &v).unwrap_err().to_string();
    assert!(err.contains("multi-output"), "{err}");
}

/// Walks compare float32 inputs with `f32_at_or_below(threshold)`: the same answer as scikit-learn's
/// float64 comparison for thresholds on, between and beyond float32 values, and at the extremes.
#[test]
fn float32_thresholds_split_exactly_as_float64_ones() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x7e5);
    let mut thresholds = vec![
        0.0,
        -0.0,
        1e300,
        -1e300,
        f64::from(f32::MAX),
        f64::from(f32::MIN_POSITIVE) / 3.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut inputs = vec![0.0f32, -0.0, f32::MAX, f32::MIN, f32::MIN_POSITIVE, 1e-45];
    for _ in 0..2_000 {
        let x: f32 =
            f32::from_bits(rng.random::<u32>() & 0x7f7f_ffff | (rng.random::<u32>() & 0x8000_0000));
        inputs.extend([x, x.next_up()]);
        // A threshold between two neighbouring float32 values (how scikit-learn picks them), and one on x.
        thresholds.push((f64::from(x) + f64::from(x.next_up())) / 2.0);
        thresholds.push(f64::from(x));
        thresholds.push(rng.random_range(-1e6..1e6));
    }
    for &t in &thresholds {
        let t32 = nodes::f32_at_or_below(t);
        for &x in &inputs {
            assert_eq!(
                f64::from(x) <= t,
                x <= t32,
                "x = {x:e}, threshold = {t:e}, f32 = {t32:e}"
            );
        }
    }
}
