//! Preprocessing and wrappers rebuilt from hand-made pickle graphs: scalers, SimpleImputer,
//! OneHotEncoder, OrdinalEncoder, ColumnTransformer, Pipeline and GridSearchCV. Expected values
//! are scikit-learn's outputs for the same fitted attributes (1.9.1 unless noted).

mod sklearn_linear_graph;

use ndarray::array;
use predict_worker::model::data::{Batch, Output};
use predict_worker::model::error::PredictError;
use predict_worker::model::sklearn::Estimator;
use predict_worker::model::value::Value;
use sklearn_linear_graph::Cell::{Null, N, T};
use sklearn_linear_graph::*;

const DATA: &str = "sklearn.preprocessing._data";
const ENC: &str = "sklearn.preprocessing._encoders";

#[test]
fn standard_scaler_with_and_without_mean() {
    let mut g = G::new();
    let mean = g.f64s(&[2], &[1.0, 2.0]);
    let scale = g.f64s(&[2], &[2.0, 4.0]);
    let root = g.est(
        DATA,
        "StandardScaler",
        vec![
            ("with_mean", Value::Bool(true)),
            ("with_std", Value::Bool(true)),
            ("mean_", mean),
            ("scale_", scale),
            ("n_features_in_", Value::Int(2)),
        ],
    );
    let out = transform(
        &g.build(&root).unwrap(),
        &Batch::numeric(array![[3.0, f64::NAN], [0.0, 10.0]]),
    )
    .unwrap();
    assert_rows(&out.values, &[&[1.0, f64::NAN], &[-0.5, 2.0]]);

    let mut g = G::new();
    let mean = g.f64s(&[2], &[1.0, 2.0]);
    let root = g.est(
        DATA,
        "StandardScaler",
        vec![
            ("with_mean", Value::Bool(true)),
            ("with_std", Value::Bool(false)),
            ("mean_", mean),
            ("scale_", Value::None),
            ("n_features_in_", Value::Int(2)),
        ],
    );
    let est = g.build(&root).unwrap();
    let out = transform(&est, &Batch::numeric(array![[3.0, 1.0]])).unwrap();
    assert_rows(&out.values, &[&[2.0, -1.0]]);
    let err = transform(&est, &Batch::numeric(array![[3.0]])).unwrap_err();
    assert_eq!(
        err,
        PredictError::FeatureCount {
            expected: 2,
            got: 1
        }
    );
    let err = transform(&est, &mixed(&[vec![T("a"), N(1.0)]])).unwrap_err();
    assert_eq!(err.code(), "bad_value");
}

#[test]
fn minmax_maxabs_robust() {
    let mut g = G::new();
    let scale = g.f64s(&[2], &[0.5, 0.25]);
    let min = g.f64s(&[2], &[0.0, -0.5]);
    let range = g.tuple(vec![Value::Int(0), Value::Int(1)]);
    let root = g.est(
        DATA,
        "MinMaxScaler",
        vec![
            ("scale_", scale),
            ("min_", min),
            ("clip", Value::Bool(true)),
            ("feature_range", range),
        ],
    );
    let out = transform(
        &g.build(&root).unwrap(),
        &Batch::numeric(array![[1.0, 4.0], [4.0, f64::NAN]]),
    )
    .unwrap();
    assert_rows(&out.values, &[&[0.5, 0.5], &[1.0, f64::NAN]]);

    let mut g = G::new();
    let scale = g.f64s(&[2], &[2.0, 4.0]);
    let root = g.est(DATA, "MaxAbsScaler", vec![("scale_", scale)]);
    let out = transform(
        &g.build(&root).unwrap(),
        &Batch::numeric(array![[1.0, -8.0]]),
    )
    .unwrap();
    assert_rows(&out.values, &[&[0.5, -2.0]]);

    let mut g = G::new();
    let center = g.f64s(&[2], &[1.0, 1.0]);
    let root = g.est(
        DATA,
        "RobustScaler",
        vec![
            ("with_centering", Value::Bool(true)),
            ("with_scaling", Value::Bool(false)),
            ("center_", center),
            ("scale_", Value::None),
        ],
    );
    let out = transform(
        &g.build(&root).unwrap(),
        &Batch::numeric(array![[1.0, -8.0]]),
    )
    .unwrap();
    assert_rows(&out.values, &[&[0.0, -9.0]]);
}

#[test]
fn imputer_mean_drops_empty_columns_and_appends_indicator() {
    let mut g = G::new();
    let stats = g.f64s(&[3], &[1.5, f64::NAN, 7.0]);
    let features = g.i64s(&[2], &[0, 1]);
    let ind = g.est(
        "sklearn.impute._base",
        "MissingIndicator",
        vec![("features_", features), ("_n_features", Value::Int(3))],
    );
    let root = g.est(
        "sklearn.impute._base",
        "SimpleImputer",
        vec![
            ("strategy", s("mean")),
            ("statistics_", stats),
            ("missing_values", Value::Float(f64::NAN)),
            ("add_indicator", Value::Bool(true)),
            ("indicator_", ind),
            ("keep_empty_features", Value::Bool(false)),
        ],
    );
    let out = transform(
        &g.build(&root).unwrap(),
        &Batch::numeric(array![[f64::NAN, 2.0, f64::NAN], [3.0, f64::NAN, 4.0]]),
    )
    .unwrap();
    assert_rows(&out.values, &[&[1.5, 7.0, 1.0, 0.0], &[3.0, 4.0, 0.0, 1.0]]);
}

#[test]
fn imputer_constant_keeps_empty_columns_before_1_8() {
    for (version, width) in [("1.3.2", 2), ("1.8.0", 1)] {
        let mut g = G::new();
        let stats = g.f64s(&[2], &[0.0, f64::NAN]);
        let root = g.est(
            "sklearn.impute._base",
            "SimpleImputer",
            vec![
                ("strategy", s("constant")),
                ("statistics_", stats),
                ("missing_values", Value::Float(f64::NAN)),
                ("_sklearn_version", s(version)),
            ],
        );
        let out = transform(
            &g.build(&root).unwrap(),
            &Batch::numeric(array![[f64::NAN, 1.0]]),
        )
        .unwrap();
        assert_eq!(out.n_cols(), width, "{version}");
    }
}

#[test]
fn imputer_most_frequent_strings_keeps_text() {
    let mut g = G::new();
    let stats = g.objects(vec![s("red"), Value::Float(2.0)]);
    let root = g.est(
        "sklearn.impute._base",
        "SimpleImputer",
        vec![
            ("strategy", s("most_frequent")),
            ("statistics_", stats),
            ("missing_values", Value::Float(f64::NAN)),
        ],
    );
    let out = transform(
        &g.build(&root).unwrap(),
        &mixed(&[vec![Null, Null], vec![T("blue"), N(5.0)]]),
    )
    .unwrap();
    assert_eq!(out.text_at(0, 0), Some("red"));
    assert_eq!(out.text_at(1, 0), Some("blue"));
    assert_rows(
        &out.values
            .column(1)
            .to_owned()
            .insert_axis(ndarray::Axis(1)),
        &[&[2.0], &[5.0]],
    );
}

#[test]
fn imputer_with_numeric_marker_refuses_null() {
    let mut g = G::new();
    let stats = g.f64s(&[1], &[0.0]);
    let root = g.est(
        "sklearn.impute._base",
        "SimpleImputer",
        vec![
            ("strategy", s("median")),
            ("statistics_", stats),
            ("missing_values", Value::Int(-1)),
        ],
    );
    let est = g.build(&root).unwrap();
    let out = transform(&est, &Batch::numeric(array![[-1.0], [3.0]])).unwrap();
    assert_rows(&out.values, &[&[0.0], &[3.0]]);
    assert_eq!(
        transform(&est, &Batch::numeric(array![[f64::NAN]]))
            .unwrap_err()
            .code(),
        "bad_value"
    );
}

/// categories_ = [['b','g','r','x',nan] (object), [1,2,3,4,nan] (float)], as scikit-learn 1.9 fits
/// them on a DataFrame with a string and a numeric column.
fn categories(g: &mut G) -> Value {
    let colors = g.objects(vec![s("b"), s("g"), s("r"), s("x"), Value::Float(f64::NAN)]);
    let nums = g.f64s(&[5], &[1.0, 2.0, 3.0, 4.0, f64::NAN]);
    g.list(vec![colors, nums])
}

fn test_rows() -> Batch {
    mixed(&[
        vec![T("r"), N(1.0)],
        vec![T("g"), N(2.0)],
        vec![T("b"), N(3.0)],
        vec![T("x"), N(4.0)],
        vec![T("zz"), N(9.0)],
        vec![Null, Null],
    ])
}

fn names(g: &mut G) -> Value {
    g.strs(&["color", "n"])
}

#[test]
fn onehot_infrequent_if_exist() {
    let mut g = G::new();
    let cats = categories(&mut g);
    let i0 = g.i64s(&[3], &[0, 3, 4]);
    let i1 = g.i64s(&[3], &[2, 3, 4]);
    let m0 = g.i64s(&[5], &[2, 0, 1, 2, 2]);
    let m1 = g.i64s(&[5], &[0, 1, 2, 2, 2]);
    let infreq = g.list(vec![i0, i1]);
    let maps = g.list(vec![m0, m1]);
    let outs = g.list(vec![Value::Int(3), Value::Int(3)]);
    let fnames = names(&mut g);
    let root = g.est(
        ENC,
        "OneHotEncoder",
        vec![
            ("categories_", cats),
            ("handle_unknown", s("infrequent_if_exist")),
            ("_infrequent_enabled", Value::Bool(true)),
            ("_infrequent_indices", infreq),
            ("_default_to_infrequent_mappings", maps),
            ("_drop_idx_after_grouping", Value::None),
            ("drop_idx_", Value::None),
            ("_n_features_outs", outs),
            ("feature_names_in_", fnames),
            ("n_features_in_", Value::Int(2)),
        ],
    );
    let out = transform(&g.build(&root).unwrap(), &test_rows()).unwrap();
    assert_rows(
        &out.values,
        &[
            &[0.0, 1.0, 0.0, 1.0, 0.0, 0.0],
            &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
            &[0.0, 0.0, 1.0, 0.0, 0.0, 1.0],
            &[0.0, 0.0, 1.0, 0.0, 0.0, 1.0],
            &[0.0, 0.0, 1.0, 0.0, 0.0, 1.0],
            &[0.0, 0.0, 1.0, 0.0, 0.0, 1.0],
        ],
    );
}

fn onehot_drop_first(g: &mut G, handle_unknown: &str) -> Value {
    let cats = categories(g);
    let drop = g.objects(vec![Value::Int(0), Value::Int(0)]);
    let drop2 = g.objects(vec![Value::Int(0), Value::Int(0)]);
    let fnames = names(g);
    g.est(
        ENC,
        "OneHotEncoder",
        vec![
            ("categories_", cats),
            ("handle_unknown", s(handle_unknown)),
            ("_infrequent_enabled", Value::Bool(false)),
            ("_drop_idx_after_grouping", drop),
            ("drop_idx_", drop2),
            ("feature_names_in_", fnames),
        ],
    )
}

#[test]
fn onehot_drop_first_ignore_and_error() {
    let mut g = G::new();
    let root = onehot_drop_first(&mut g, "ignore");
    let out = transform(&g.build(&root).unwrap(), &test_rows()).unwrap();
    assert_rows(
        &out.values,
        &[
            &[0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
            &[0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0],
            &[0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
            &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            &[0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        ],
    );
    let mut g = G::new();
    let root = onehot_drop_first(&mut g, "error");
    let est = g.build(&root).unwrap();
    match transform(&est, &test_rows()).unwrap_err() {
        PredictError::UnknownCategory {
            column,
            value,
            known,
        } => {
            assert_eq!(column, "\"color\"");
            assert_eq!(value, "\"zz\"");
            assert!(known.contains("\"r\""), "{known}");
        }
        other => panic!("{other:?}"),
    }
    // A number where strings are expected, and a word where numbers are expected.
    let err = transform(&est, &mixed(&[vec![N(5.0), N(1.0)]])).unwrap_err();
    assert!(
        matches!(&err, PredictError::BadValue { column, .. } if column == "\"color\""),
        "{err}"
    );
    let err = transform(&est, &mixed(&[vec![T("r"), T("one")]])).unwrap_err();
    assert!(
        matches!(&err, PredictError::BadValue { column, .. } if column == "\"n\""),
        "{err}"
    );
    // ... unless they denote a known category.
    let out = transform(&est, &mixed(&[vec![T("r"), T("2")]])).unwrap();
    assert_rows(&out.values, &[&[0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]]);
}

#[test]
fn ordinal_unknown_and_missing_values() {
    let mut g = G::new();
    let cats = categories(&mut g);
    let missing = g.dict(vec![
        (Value::Int(0), Value::Int(4)),
        (Value::Int(1), Value::Int(4)),
    ]);
    let root = g.est(
        ENC,
        "OrdinalEncoder",
        vec![
            ("categories_", cats),
            ("handle_unknown", s("use_encoded_value")),
            ("unknown_value", Value::Int(-1)),
            ("encoded_missing_value", Value::Int(-2)),
            ("_missing_indices", missing),
            ("_infrequent_enabled", Value::Bool(false)),
        ],
    );
    let out = transform(&g.build(&root).unwrap(), &test_rows()).unwrap();
    assert_rows(
        &out.values,
        &[
            &[2.0, 0.0],
            &[1.0, 1.0],
            &[0.0, 2.0],
            &[3.0, 3.0],
            &[-1.0, -1.0],
            &[-2.0, -2.0],
        ],
    );
}

#[test]
fn ordinal_infrequent_groups() {
    let mut g = G::new();
    let cats = categories(&mut g);
    let missing = g.dict(vec![
        (Value::Int(0), Value::Int(4)),
        (Value::Int(1), Value::Int(4)),
    ]);
    let i0 = g.i64s(&[2], &[0, 3]);
    let i1 = g.i64s(&[2], &[2, 3]);
    let m0 = g.i64s(&[4], &[2, 0, 1, 2]);
    let m1 = g.i64s(&[4], &[0, 1, 2, 2]);
    let infreq = g.list(vec![i0, i1]);
    let maps = g.list(vec![m0, m1]);
    let root = g.est(
        ENC,
        "OrdinalEncoder",
        vec![
            ("categories_", cats),
            ("handle_unknown", s("use_encoded_value")),
            ("unknown_value", Value::Int(-1)),
            ("encoded_missing_value", Value::Float(f64::NAN)),
            ("_missing_indices", missing),
            ("_infrequent_enabled", Value::Bool(true)),
            ("_infrequent_indices", infreq),
            ("_default_to_infrequent_mappings", maps),
        ],
    );
    let out = transform(&g.build(&root).unwrap(), &test_rows()).unwrap();
    assert_rows(
        &out.values,
        &[
            &[1.0, 0.0],
            &[0.0, 1.0],
            &[2.0, 2.0],
            &[2.0, 2.0],
            &[-1.0, -1.0],
            &[f64::NAN, f64::NAN],
        ],
    );
}

/// ColumnTransformer(num → StandardScaler on 'n', cat → OneHotEncoder on ['color'],
/// remainder='passthrough' for column 'z') inside Pipeline(..., LinearRegression) inside GridSearchCV.
fn full_model(g: &mut G, with_best: bool) -> Value {
    let mean = g.f64s(&[1], &[2.0]);
    let scale = g.f64s(&[1], &[2.0]);
    let scaler = g.est(
        DATA,
        "StandardScaler",
        vec![
            ("with_mean", Value::Bool(true)),
            ("with_std", Value::Bool(true)),
            ("mean_", mean),
            ("scale_", scale),
            ("n_features_in_", Value::Int(1)),
        ],
    );
    let colors = g.strs(&["a", "b"]);
    let cats = g.list(vec![colors]);
    let ohe = g.est(
        ENC,
        "OneHotEncoder",
        vec![
            ("categories_", cats),
            ("handle_unknown", s("ignore")),
            ("drop_idx_", Value::None),
        ],
    );
    let num_cols = g.list(vec![s("n")]);
    let cat_cols = g.list(vec![s("color")]);
    let rem_cols = g.list(vec![Value::Int(2)]);
    let e1 = g.tuple(vec![s("num"), scaler, num_cols]);
    let e2 = g.tuple(vec![s("cat"), ohe, cat_cols]);
    let e3 = g.tuple(vec![s("remainder"), s("passthrough"), rem_cols]);
    let transformers = g.list(vec![e1, e2, e3]);
    let fnames = g.strs(&["color", "n", "z"]);
    let idx_num = g.list(vec![Value::Int(1)]);
    let idx_cat = g.list(vec![Value::Int(0)]);
    let idx_rem = g.list(vec![Value::Int(2)]);
    let fitted = g.dict(vec![
        (s("num"), idx_num),
        (s("cat"), idx_cat),
        (s("remainder"), idx_rem),
    ]);
    let ct = g.est(
        "sklearn.compose._column_transformer",
        "ColumnTransformer",
        vec![
            ("transformers_", transformers),
            ("feature_names_in_", fnames),
            ("n_features_in_", Value::Int(3)),
            ("_transformer_to_input_indices", fitted),
            ("transformer_weights", Value::None),
        ],
    );
    let coef = g.f64s(&[4], &[1.0, 10.0, 100.0, 1000.0]);
    let lr = g.est(
        "sklearn.linear_model._base",
        "LinearRegression",
        vec![("coef_", coef), ("intercept_", Value::Float(0.5))],
    );
    let s1 = g.tuple(vec![s("prep"), ct]);
    let s2 = g.tuple(vec![s("skip"), Value::None]);
    let s3 = g.tuple(vec![s("model"), lr]);
    let steps = g.list(vec![s1, s2, s3]);
    let pipe = g.est("sklearn.pipeline", "Pipeline", vec![("steps", steps)]);
    let mut attrs = vec![
        ("cv_results_", Value::None),
        ("refit", Value::Bool(with_best)),
    ];
    if with_best {
        attrs.push(("best_estimator_", pipe));
    }
    g.est("sklearn.model_selection._search", "GridSearchCV", attrs)
}

#[test]
fn column_transformer_in_pipeline_in_grid_search() {
    let mut g = G::new();
    let root = full_model(&mut g, true);
    let Estimator::Pipeline(steps) = g.build(&root).unwrap() else {
        panic!("expected a pipeline")
    };
    assert_eq!(steps.len(), 3);
    assert!(matches!(steps[1].1, Estimator::Passthrough));
    let x = mixed(&[vec![T("b"), N(4.0), N(0.5)], vec![T("q"), N(0.0), N(-1.0)]]);
    let transformed = transform(&steps[0].1, &x).unwrap();
    assert_rows(
        &transformed.values,
        &[&[1.0, 0.0, 1.0, 0.5], &[-1.0, 0.0, 0.0, -1.0]],
    );
    match predict(&steps[2].1, transformed.values.view()).unwrap() {
        Output::Regression { values } => {
            assert_rows(&values, &[&[101.5 + 500.0], &[-1.0 - 1000.0 + 0.5]])
        }
        other => panic!("{other:?}"),
    }
    let summary = match &steps[0].1 {
        Estimator::Transformer(t) => t.summary(),
        _ => unreachable!(),
    };
    assert_eq!(summary.class, "ColumnTransformer");
    assert_eq!(summary.children.len(), 3);
    assert!(summary.render().contains("OneHotEncoder"));
    assert_eq!(
        transform(&steps[0].1, &Batch::numeric(array![[1.0, 2.0]])).unwrap_err(),
        PredictError::FeatureCount {
            expected: 3,
            got: 2
        }
    );
}

#[test]
fn grid_search_without_refit_is_a_clear_error() {
    let mut g = G::new();
    let root = full_model(&mut g, false);
    let err = g.build(&root).unwrap_err().to_string();
    assert!(
        err.contains("best_estimator_") && err.contains("refit"),
        "{err}"
    );
}

#[test]
fn column_transformer_refuses_callables_and_bad_names() {
    let mut g = G::new();
    let f = g.global("mymodule", "select");
    let scale = g.f64s(&[1], &[2.0]);
    let scaler = g.est(DATA, "MaxAbsScaler", vec![("scale_", scale)]);
    let e = g.tuple(vec![s("num"), scaler, f]);
    let transformers = g.list(vec![e]);
    let ct = g.est(
        "sklearn.compose._column_transformer",
        "ColumnTransformer",
        vec![
            ("transformers_", transformers),
            ("n_features_in_", Value::Int(2)),
        ],
    );
    let err = g.build(&ct).unwrap_err().to_string();
    assert!(err.contains("callable") && err.contains("\"num\""), "{err}");

    let mut g = G::new();
    let scale = g.f64s(&[1], &[2.0]);
    let scaler = g.est(DATA, "MaxAbsScaler", vec![("scale_", scale)]);
    let cols = g.list(vec![s("missing")]);
    let e = g.tuple(vec![s("num"), scaler, cols]);
    let transformers = g.list(vec![e]);
    let fnames = g.strs(&["a", "b"]);
    let ct = g.est(
        "sklearn.compose._column_transformer",
        "ColumnTransformer",
        vec![
            ("transformers_", transformers),
            ("n_features_in_", Value::Int(2)),
            ("feature_names_in_", fnames),
        ],
    );
    let err = g.build(&ct).unwrap_err().to_string();
    assert!(err.contains("\"missing\""), "{err}");
}

/// scikit-learn 1.3 keeps None (not NaN) in `categories_` when the DataFrame held None; a null
/// cell then matches that category. With '?' as missing marker the imputer fills only '?'.
#[test]
fn null_matches_a_none_category_and_string_markers_impute() {
    let mut g = G::new();
    let cats = g.objects(vec![s("a"), s("b"), Value::None]);
    let cats = g.list(vec![cats]);
    let root = g.est(
        ENC,
        "OneHotEncoder",
        vec![
            ("categories_", cats),
            ("handle_unknown", s("error")),
            ("drop_idx_", Value::None),
        ],
    );
    let out = transform(
        &g.build(&root).unwrap(),
        &mixed(&[vec![Null], vec![T("b")]]),
    )
    .unwrap();
    assert_rows(&out.values, &[&[0.0, 0.0, 1.0], &[0.0, 1.0, 0.0]]);

    let mut g = G::new();
    let stats = g.objects(vec![s("good")]);
    let root = g.est(
        "sklearn.impute._base",
        "SimpleImputer",
        vec![
            ("strategy", s("most_frequent")),
            ("statistics_", stats),
            ("missing_values", s("?")),
        ],
    );
    let out = transform(
        &g.build(&root).unwrap(),
        &mixed(&[vec![T("?")], vec![T("bad")], vec![Null]]),
    )
    .unwrap();
    assert_eq!(out.text_at(0, 0), Some("good"));
    assert_eq!(out.text_at(1, 0), Some("bad"));
    assert_eq!(out.text_at(2, 0), None);
    assert!(out.values[[2, 0]].is_nan());
}

#[test]
fn identity_function_transformer_steps_pass_through() {
    let mut g = G::new();
    let ft = g.est(
        "sklearn.preprocessing._function_transformer",
        "FunctionTransformer",
        vec![("func", Value::None)],
    );
    let coef = g.f64s(&[1], &[2.0]);
    let lr = g.est(
        "sklearn.linear_model._base",
        "LinearRegression",
        vec![("coef_", coef), ("intercept_", Value::Float(0.0))],
    );
    let s1 = g.tuple(vec![s("id"), ft]);
    let s2 = g.tuple(vec![s("lr"), lr]);
    let steps = g.list(vec![s1, s2]);
    let pipe = g.est("sklearn.pipeline", "Pipeline", vec![("steps", steps)]);
    let Estimator::Pipeline(built) = g.build(&pipe).unwrap() else {
        panic!("expected a pipeline")
    };
    assert!(matches!(built[0].1, Estimator::Passthrough));

    let mut g = G::new();
    let f = g.global("numpy", "load");
    let ft = g.est(
        "sklearn.preprocessing._function_transformer",
        "FunctionTransformer",
        vec![("func", f)],
    );
    let s1 = g.tuple(vec![s("log"), ft]);
    let steps = g.list(vec![s1]);
    let pipe = g.est("sklearn.pipeline", "Pipeline", vec![("steps", steps)]);
    let err = g.build(&pipe).unwrap_err().to_string();
    assert!(
        err.contains("\"log\"") && err.contains("numpy.load"),
        "{err}"
    );
}
