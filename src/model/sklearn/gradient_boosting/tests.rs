//! Unit tests for GradientBoosting built from hand-made object graphs.

use ndarray::array;

use crate::model::data::Output;
use crate::model::estimator::Predictor;
use crate::model::sklearn::tree::testutil::*;
use crate::model::sklearn::Estimator;
use crate::model::value::{Heap, Value};

fn stump(heap: &mut Heap, threshold: f64, l: f64, r: f64) -> Value {
    let nodes = [
        (1, 2, 0, threshold, 1),
        (-1, -1, -2, -2.0, 0),
        (-1, -1, -2, -2.0, 0),
    ];
    let t = tree(heap, &nodes, &[0.0, l, r], 1, true);
    object(
        heap,
        "sklearn.tree._classes",
        "DecisionTreeRegressor",
        vec![("tree_", t)],
    )
}

fn gb(
    heap: &mut Heap,
    class: &str,
    stages: Vec<Value>,
    k: usize,
    init: Value,
    extra: Vec<(&str, Value)>,
) -> Box<dyn Predictor> {
    let n = stages.len() / k;
    let estimators = object_array(heap, &[n, k], stages);
    let mut attrs = vec![
        ("n_features_in_", Value::Int(1)),
        ("learning_rate", Value::Float(0.1)),
        ("estimators_", estimators),
        ("init_", init),
        ("_sklearn_version", str_value("1.9.1")),
    ];
    attrs.extend(extra);
    let v = object(heap, "sklearn.ensemble._gb", class, attrs);
    match crate::model::sklearn::build(heap, &v, 0).expect("build") {
        Estimator::Predictor(p) => p,
        other => panic!("{other:?}"),
    }
}

#[test]
fn binary_classifier_starts_from_the_prior_logit() {
    let mut heap = Heap::new();
    let classes = i64_array(&mut heap, &[2], &[0, 1]);
    let prior = f64_array(&mut heap, &[2], &[0.25, 0.75]);
    let init = object(
        &mut heap,
        "sklearn.dummy",
        "DummyClassifier",
        vec![
            ("strategy", str_value("prior")),
            ("classes_", classes.clone()),
            ("class_prior_", prior),
        ],
    );
    let stages = vec![
        stump(&mut heap, 0.5, -20.0, 1.0),
        stump(&mut heap, 0.5, -1.0, 2.0),
    ];
    let p = gb(
        &mut heap,
        "GradientBoostingClassifier",
        stages,
        1,
        init,
        vec![("classes_", classes), ("loss", str_value("log_loss"))],
    );
    let out = p
        .predict(array![[0.0], [1.0], [f64::NAN]].view())
        .expect("predict");
    let Output::Classification {
        predicted,
        probabilities: Some(proba),
        ..
    } = out
    else {
        panic!()
    };
    let raw0 = 3f64.ln() - 0.1 * 20.0 - 0.1;
    let raw1 = 3f64.ln() + 0.1 * 1.0 + 0.1 * 2.0;
    assert!((proba[(0, 1)] - 1.0 / (1.0 + (-raw0).exp())).abs() < 1e-15);
    assert!((proba[(1, 1)] - 1.0 / (1.0 + (-raw1).exp())).abs() < 1e-15);
    assert_eq!(proba[(0, 0)], 1.0 - proba[(0, 1)]);
    // GradientBoosting's fast path sends NaN right, whatever missing_go_to_left says.
    assert_eq!(proba.row(2), proba.row(1));
    assert_eq!(predicted, vec![0, 1, 1]);
}

#[test]
fn multiclass_classifier_applies_softmax() {
    let mut heap = Heap::new();
    let classes = i64_array(&mut heap, &[3], &[5, 6, 7]);
    let prior = f64_array(&mut heap, &[3], &[0.2, 0.3, 0.5]);
    let init = object(
        &mut heap,
        "sklearn.dummy",
        "DummyClassifier",
        vec![
            ("strategy", str_value("prior")),
            ("classes_", classes.clone()),
            ("class_prior_", prior),
        ],
    );
    let stages = vec![
        stump(&mut heap, 0.5, 30.0, 0.0),
        stump(&mut heap, 0.5, 0.0, 0.0),
        stump(&mut heap, 0.5, 0.0, 0.0),
    ];
    let p = gb(
        &mut heap,
        "GradientBoostingClassifier",
        stages,
        3,
        init,
        vec![("classes_", classes)],
    );
    let Output::Classification {
        predicted,
        probabilities: Some(proba),
        ..
    } = p.predict(array![[0.0], [1.0]].view()).expect("predict")
    else {
        panic!()
    };
    assert_eq!(predicted, vec![0, 2]);
    for r in 0..2 {
        assert!((proba.row(r).sum() - 1.0).abs() < 1e-15);
    }
    assert!((proba[(1, 2)] - 0.5).abs() < 1e-12);
}

#[test]
fn regressor_with_zero_init_sums_scaled_leaves() {
    let mut heap = Heap::new();
    let stages = vec![
        stump(&mut heap, 0.5, 1.0, 2.0),
        stump(&mut heap, 0.5, 3.0, 4.0),
    ];
    let p = gb(
        &mut heap,
        "GradientBoostingRegressor",
        stages,
        1,
        str_value("zero"),
        vec![("loss", str_value("huber"))],
    );
    let Output::Regression { values } = p.predict(array![[0.0], [1.0]].view()).expect("predict")
    else {
        panic!()
    };
    assert_eq!(values[(0, 0)], 0.0 + 0.1 * 1.0 + 0.1 * 3.0);
    assert_eq!(values[(1, 0)], 0.0 + 0.1 * 2.0 + 0.1 * 4.0);
}

#[test]
fn regressor_starts_from_dummy_constant() {
    let mut heap = Heap::new();
    let constant = f64_array(&mut heap, &[1, 1], &[10.0]);
    let init = object(
        &mut heap,
        "sklearn.dummy",
        "DummyRegressor",
        vec![("constant_", constant)],
    );
    let stages = vec![stump(&mut heap, 0.5, 1.0, 2.0)];
    let p = gb(
        &mut heap,
        "GradientBoostingRegressor",
        stages,
        1,
        init,
        vec![],
    );
    let Output::Regression { values } = p.predict(array![[0.0]].view()).expect("predict") else {
        panic!()
    };
    assert_eq!(values[(0, 0)], 10.0 + 0.1 * 1.0);
}

#[test]
fn estimators_of_the_wrong_shape_are_refused() {
    let mut heap = Heap::new();
    let stages = vec![
        stump(&mut heap, 0.5, 1.0, 2.0),
        stump(&mut heap, 0.5, 1.0, 2.0),
    ];
    let estimators = object_array(&mut heap, &[1, 2], stages);
    let v = object(
        &mut heap,
        "sklearn.ensemble._gb",
        "GradientBoostingRegressor",
        vec![
            ("n_features_in_", Value::Int(1)),
            ("learning_rate", Value::Float(0.1)),
            ("estimators_", estimators),
            ("init_", str_value("zero")),
        ],
    );
    let err = crate::model::sklearn::build(&heap, &v, 0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("estimators_"), "{err}");
}
