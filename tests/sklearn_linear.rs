//! Linear models rebuilt from hand-made pickle graphs, checked against scikit-learn's own outputs
//! (computed with scikit-learn 1.3.2 and 1.9.1 on the same coefficients).

mod sklearn_linear_graph;

use ndarray::{array, Array2};
use predict_worker::model::data::{Label, Output};
use predict_worker::model::error::PredictError;
use predict_worker::model::value::Value;
use sklearn_linear_graph::*;

const LM: &str = "sklearn.linear_model._base";
const LOG: &str = "sklearn.linear_model._logistic";
const SGD: &str = "sklearn.linear_model._stochastic_gradient";

fn x() -> Array2<f64> {
    array![[0.5, -1.0], [2.0, 3.0], [-4.0, 0.25]]
}

fn classification(out: Output) -> (Vec<Label>, Vec<usize>, Option<Array2<f64>>) {
    match out {
        Output::Classification {
            classes,
            predicted,
            probabilities,
        } => (classes.to_vec(), predicted, probabilities),
        other => panic!("expected a classification, got {other:?}"),
    }
}

fn logistic(g: &mut G, rows: usize, classes: Value3, extra: Vec<(&str, Value)>) -> Value {
    let coef_all = [0.8, -0.4, 0.1, 0.2, -1.0, 0.3];
    let int_all = [0.1, -0.2, 0.05];
    let coef = g.f64s(&[rows, 2], &coef_all[..rows * 2]);
    let intercept = g.f64s(&[rows], &int_all[..rows]);
    let classes = match classes {
        Value3::Ints(v) => g.i64s(&[v.len()], v),
        Value3::Strs(v) => g.strs(v),
    };
    let mut attrs = vec![
        ("coef_", coef),
        ("intercept_", intercept),
        ("classes_", classes),
        ("n_features_in_", Value::Int(2)),
    ];
    attrs.extend(extra);
    g.est(LOG, "LogisticRegression", attrs)
}

enum Value3 {
    Ints(&'static [i64]),
    Strs(&'static [&'static str]),
}

const MULTI_SOFTMAX: [[f64; 3]; 3] = [
    [0.6763361519820938, 0.19377355183283246, 0.1298902961850736],
    [0.43151456281565514, 0.4768973455499893, 0.09158809163435563],
    [
        0.000652346386063944,
        0.009233335958520309,
        0.9901143176554158,
    ],
];
const MULTI_OVR: [[f64; 3]; 3] = [
    [0.4919544104778927, 0.2860474682305469, 0.22199812129156046],
    [0.4075445089724334, 0.4227323281951354, 0.1697231628324312],
    [0.028194552916267747, 0.2633778391618807, 0.7084276079218516],
];

fn rows3(m: &[[f64; 3]; 3]) -> Vec<&[f64]> {
    m.iter().map(|r| &r[..]).collect()
}

#[test]
fn linear_regression_single_and_multi_output() {
    let mut g = G::new();
    let coef = g.f64s(&[2], &[1.5, -2.0]);
    let root = g.est(
        LM,
        "LinearRegression",
        vec![
            ("coef_", coef),
            ("intercept_", Value::Float(0.5)),
            ("n_features_in_", Value::Int(2)),
        ],
    );
    let est = g.build(&root).unwrap();
    match predict(&est, x().view()).unwrap() {
        Output::Regression { values } => assert_rows(&values, &[&[3.25], &[-2.5], &[-6.0]]),
        other => panic!("{other:?}"),
    }
    let mut g = G::new();
    let coef = g.f64s(&[2, 2], &[1.0, 0.0, 0.5, 2.0]);
    let intercept = g.f64s(&[2], &[0.0, -1.0]);
    let root = g.est(
        "sklearn.linear_model._ridge",
        "Ridge",
        vec![("coef_", coef), ("intercept_", intercept)],
    );
    let est = g.build(&root).unwrap();
    match predict(&est, x().view()).unwrap() {
        Output::Regression { values } => {
            assert_rows(&values, &[&[0.5, -2.75], &[2.0, 6.0], &[-4.0, -2.5]])
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn regressors_check_width_and_missing_values() {
    let mut g = G::new();
    let coef = g.f64s(&[2], &[1.5, -2.0]);
    let intercept = g.f64s(&[1], &[0.0]);
    let root = g.est(
        SGD,
        "SGDRegressor",
        vec![("coef_", coef), ("intercept_", intercept)],
    );
    let est = g.build(&root).unwrap();
    let err = predict(&est, array![[1.0, 2.0, 3.0]].view()).unwrap_err();
    assert_eq!(
        err,
        PredictError::FeatureCount {
            expected: 2,
            got: 3
        }
    );
    let err = predict(&est, array![[1.0, f64::NAN]].view()).unwrap_err();
    assert_eq!(err.code(), "bad_value");
    assert!(err.to_string().contains("#1"), "{err}");
}

#[test]
fn logistic_binary_is_a_sigmoid() {
    let mut g = G::new();
    let root = logistic(
        &mut g,
        1,
        Value3::Ints(&[0, 1]),
        vec![("multi_class", s("auto")), ("_sklearn_version", s("1.3.2"))],
    );
    let (classes, predicted, proba) =
        classification(predict(&g.build(&root).unwrap(), x().view()).unwrap());
    assert_eq!(classes, vec![Label::Int(0), Label::Int(1)]);
    assert_eq!(predicted, vec![1, 1, 0]);
    assert_rows(
        &proba.unwrap(),
        &[
            &[0.2890504973749961, 0.7109495026250039],
            &[0.3775406687981455, 0.6224593312018545],
            &[0.9608342772032357, 0.039165722796764356],
        ],
    );
}

#[test]
fn logistic_multinomial_is_a_softmax_with_string_classes() {
    // 1.9 has no multi_class attribute at all.
    let mut g = G::new();
    let root = logistic(
        &mut g,
        3,
        Value3::Strs(&["a", "b", "c"]),
        vec![("_sklearn_version", s("1.9.1"))],
    );
    let (classes, predicted, proba) =
        classification(predict(&g.build(&root).unwrap(), x().view()).unwrap());
    assert_eq!(
        classes,
        vec![
            Label::Str("a".into()),
            Label::Str("b".into()),
            Label::Str("c".into())
        ]
    );
    assert_eq!(predicted, vec![0, 1, 2]);
    assert_rows(&proba.unwrap(), &rows3(&MULTI_SOFTMAX));
}

#[test]
fn logistic_ovr_rule_follows_version_and_solver() {
    let cases: Vec<(Vec<(&str, &str)>, bool)> = vec![
        (vec![("multi_class", "ovr")], true),
        (vec![("multi_class", "multinomial")], false),
        (vec![("multi_class", "auto"), ("solver", "lbfgs")], false),
        (vec![("multi_class", "auto"), ("solver", "liblinear")], true),
        (
            vec![("multi_class", "deprecated"), ("solver", "liblinear")],
            true,
        ),
        (
            vec![
                ("multi_class", "auto"),
                ("solver", "newton-cholesky"),
                ("_sklearn_version", "1.5.2"),
            ],
            true,
        ),
        (
            vec![
                ("multi_class", "deprecated"),
                ("solver", "newton-cholesky"),
                ("_sklearn_version", "1.6.1"),
            ],
            false,
        ),
    ];
    for (attrs, ovr) in cases {
        let mut g = G::new();
        let extra = attrs.iter().map(|(k, v)| (*k, s(v))).collect();
        let root = logistic(&mut g, 3, Value3::Ints(&[1, 2, 3]), extra);
        let (_, predicted, proba) =
            classification(predict(&g.build(&root).unwrap(), x().view()).unwrap());
        assert_eq!(predicted, vec![0, 1, 2], "{attrs:?}");
        let want = if ovr { &MULTI_OVR } else { &MULTI_SOFTMAX };
        assert_rows(&proba.unwrap(), &rows3(want));
    }
}

#[test]
fn logistic_binary_multinomial_uses_symmetric_softmax() {
    let mut g = G::new();
    let root = logistic(
        &mut g,
        1,
        Value3::Ints(&[0, 1]),
        vec![("multi_class", s("multinomial"))],
    );
    let (_, predicted, proba) =
        classification(predict(&g.build(&root).unwrap(), x().view()).unwrap());
    assert_eq!(predicted, vec![1, 1, 0]);
    assert_rows(
        &proba.unwrap(),
        &[
            &[0.1418510649004878, 0.8581489350995123],
            &[0.26894142136999516, 0.7310585786300049],
            &[0.9983411989198255, 0.0016588010801744213],
        ],
    );
}

#[test]
fn logistic_rejects_inconsistent_shapes() {
    let mut g = G::new();
    let root = logistic(&mut g, 2, Value3::Ints(&[0, 1, 2]), vec![]);
    let err = g.build(&root).unwrap_err().to_string();
    assert!(err.contains("coef_") && err.contains("3 classes"), "{err}");
}

fn sgd(g: &mut G, rows: usize, loss: &str) -> Value {
    let coef_all = [0.8, -0.4, 0.1, 0.2, -1.0, 0.3];
    let int_all = [0.1, -0.2, 0.05];
    let coef = g.f64s(&[rows, 2], &coef_all[..rows * 2]);
    let intercept = g.f64s(&[rows], &int_all[..rows]);
    let classes: Vec<i64> = (1..=(rows.max(2) as i64)).collect();
    let classes = g.i64s(&[classes.len()], &classes);
    g.est(
        SGD,
        "SGDClassifier",
        vec![
            ("coef_", coef),
            ("intercept_", intercept),
            ("classes_", classes),
            ("loss", s(loss)),
        ],
    )
}

#[test]
fn sgd_classifier_probabilities_depend_on_loss() {
    let mut g = G::new();
    let root = sgd(&mut g, 3, "hinge");
    let (_, predicted, proba) =
        classification(predict(&g.build(&root).unwrap(), x().view()).unwrap());
    assert_eq!(predicted, vec![0, 1, 2]);
    assert!(proba.is_none());

    let mut g = G::new();
    let root = sgd(&mut g, 3, "log_loss");
    let (_, _, proba) = classification(predict(&g.build(&root).unwrap(), x().view()).unwrap());
    assert_rows(&proba.unwrap(), &rows3(&MULTI_OVR));

    let mut g = G::new();
    let root = sgd(&mut g, 3, "modified_huber");
    let (_, predicted, proba) =
        classification(predict(&g.build(&root).unwrap(), x().view()).unwrap());
    assert_eq!(predicted, vec![0, 1, 2]);
    assert_rows(
        &proba.unwrap(),
        &[
            &[0.6785714285714286, 0.23214285714285712, 0.08928571428571429],
            &[0.48387096774193544, 0.5161290322580645, 0.0],
            &[0.0, 0.18367346938775508, 0.8163265306122448],
        ],
    );

    let mut g = G::new();
    let root = sgd(&mut g, 1, "modified_huber");
    let (classes, predicted, proba) =
        classification(predict(&g.build(&root).unwrap(), x().view()).unwrap());
    assert_eq!(classes, vec![Label::Int(1), Label::Int(2)]);
    assert_eq!(predicted, vec![1, 1, 0]);
    assert_rows(
        &proba.unwrap(),
        &[&[0.050000000000000044, 0.95], &[0.25, 0.75], &[1.0, 0.0]],
    );
}
