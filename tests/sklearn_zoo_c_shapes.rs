//! Inconsistent fitted attributes in the issue-9 part C zoo are refused at load, with an error
//! naming the class and the attribute: shapes that disagree, options outside what is supported,
//! children that are not what the meta-estimator needs.

mod sklearn_linear_graph;

use predict_worker::model::value::Value;
use sklearn_linear_graph::*;

fn refused(g: &G, root: &Value) -> String {
    g.build(root)
        .expect_err("must be refused at load")
        .to_string()
}

/// Build a fitted estimator from attributes and expect a load error mentioning every `needles`.
fn expect_refused(
    module: &str,
    class: &str,
    attrs: impl FnOnce(&mut G) -> Vec<(&'static str, Value)>,
    needles: &[&str],
) {
    let mut g = G::new();
    let a = attrs(&mut g);
    let root = g.est(module, class, a);
    let err = refused(&g, &root);
    for n in needles {
        assert!(err.contains(n), "{class}: {err:?} lacks {n:?}");
    }
}

#[test]
fn inconsistent_shapes_are_refused_at_load() {
    expect_refused(
        "sklearn.kernel_ridge",
        "KernelRidge",
        |g| {
            vec![
                ("X_fit_", g.f64s(&[3, 2], &[0.0; 6])),
                ("dual_coef_", g.f64s(&[2], &[1.0, 2.0])),
                ("kernel", s("rbf")),
            ]
        },
        &["KernelRidge.dual_coef_", "rows"],
    );
    expect_refused(
        "sklearn.kernel_ridge",
        "KernelRidge",
        |g| {
            vec![
                ("X_fit_", g.f64s(&[1, 2], &[0.0; 2])),
                ("dual_coef_", g.f64s(&[1], &[1.0])),
                ("kernel", s("chi2")),
            ]
        },
        &["KernelRidge.kernel", "supported"],
    );
    expect_refused(
        "sklearn.discriminant_analysis",
        "QuadraticDiscriminantAnalysis",
        |g| {
            let r0 = g.f64s(&[2, 2], &[1.0, 0.0, 0.0, 1.0]);
            let r1 = g.f64s(&[3, 2], &[0.0; 6]);
            let s0 = g.f64s(&[2], &[1.0, 1.0]);
            let s1 = g.f64s(&[2], &[1.0, 1.0]);
            vec![
                ("classes_", g.i64s(&[2], &[0, 1])),
                ("means_", g.f64s(&[2, 2], &[0.0; 4])),
                ("priors_", g.f64s(&[2], &[0.5, 0.5])),
                ("rotations_", g.list(vec![r0, r1])),
                ("scalings_", g.list(vec![s0, s1])),
            ]
        },
        &["QuadraticDiscriminantAnalysis.rotations_", "entry 1"],
    );
    expect_refused(
        "sklearn.decomposition._pca",
        "PCA",
        |g| {
            vec![
                ("components_", g.f64s(&[1, 3], &[1.0, 0.0, 0.0])),
                ("mean_", g.f64s(&[2], &[0.0, 0.0])),
                ("n_features_in_", Value::Int(3)),
            ]
        },
        &["PCA.mean_"],
    );
    expect_refused(
        "sklearn.preprocessing._polynomial",
        "PolynomialFeatures",
        |g| {
            let _ = g;
            vec![
                ("n_features_in_", Value::Int(3)),
                ("_min_degree", Value::Int(0)),
                ("_max_degree", Value::Int(2)),
                ("n_output_features_", Value::Int(11)),
            ]
        },
        &["PolynomialFeatures.n_output_features_", "10"],
    );
    expect_refused(
        "sklearn.preprocessing._polynomial",
        "PolynomialFeatures",
        |_| {
            vec![
                ("n_features_in_", Value::Int(1000)),
                ("_min_degree", Value::Int(0)),
                ("_max_degree", Value::Int(40)),
            ]
        },
        &["PolynomialFeatures.degree", "more than"],
    );
    expect_refused(
        "sklearn.preprocessing._discretization",
        "KBinsDiscretizer",
        |g| {
            let e = g.f64s(&[3], &[0.0, 1.0, 2.0]);
            vec![
                ("bin_edges_", g.objects(vec![e])),
                ("n_bins_", g.i64s(&[1], &[5])),
                ("encode", s("ordinal")),
            ]
        },
        &["KBinsDiscretizer.n_bins_"],
    );
    expect_refused(
        "sklearn.preprocessing._data",
        "QuantileTransformer",
        |g| {
            vec![
                ("quantiles_", g.f64s(&[2, 1], &[0.0, 1.0])),
                ("references_", g.f64s(&[2], &[0.0, 1.0])),
                ("output_distribution", s("lognormal")),
            ]
        },
        &[
            "QuantileTransformer.output_distribution",
            "'uniform', 'normal'",
        ],
    );
    expect_refused(
        "sklearn.preprocessing._data",
        "QuantileTransformer",
        |g| {
            vec![
                ("quantiles_", g.f64s(&[3, 1], &[0.0, 2.0, 1.0])),
                ("references_", g.f64s(&[3], &[0.0, 0.5, 1.0])),
            ]
        },
        &["ascending"],
    );
    expect_refused(
        "sklearn.linear_model._glm.glm",
        "PoissonRegressor",
        |g| {
            let loss = g.est("os", "system", vec![]);
            vec![
                ("coef_", g.f64s(&[2], &[1.0, 2.0])),
                ("intercept_", Value::Float(0.0)),
                ("_base_loss", loss),
            ]
        },
        &["PoissonRegressor._base_loss", "unsupported loss"],
    );
    expect_refused(
        "sklearn.cross_decomposition._pls",
        "PLSRegression",
        |g| {
            vec![
                ("coef_", g.f64s(&[1, 2], &[1.0, 2.0])),
                ("intercept_", g.f64s(&[1], &[0.0])),
                ("_x_mean", g.f64s(&[3], &[0.0; 3])),
            ]
        },
        &["PLSRegression._x_mean"],
    );
}

fn tree_stump(g: &mut G) -> Value {
    let coef = g.f64s(&[1, 2], &[1.0, -1.0]);
    let classes = g.i64s(&[2], &[0, 1]);
    g.est(
        "sklearn.linear_model._logistic",
        "LogisticRegression",
        vec![
            ("coef_", coef),
            ("intercept_", Value::Float(0.0)),
            ("classes_", classes),
        ],
    )
}

#[test]
fn ensembles_refuse_inconsistent_children_at_load() {
    const EN: &str = "sklearn.ensemble._voting";
    // Weights that do not match the estimators.
    let mut g = G::new();
    let a = tree_stump(&mut g);
    let b = tree_stump(&mut g);
    let ests = g.list(vec![a, b]);
    let pa = g.tuple(vec![s("a"), Value::None]);
    let decl = g.list(vec![pa]);
    let w = g.f64s(&[3], &[1.0, 2.0, 3.0]);
    let classes = g.strs(&["no", "yes"]);
    let v = g.est(
        EN,
        "VotingClassifier",
        vec![
            ("estimators_", ests),
            ("estimators", decl),
            ("weights", w),
            ("classes_", classes),
            ("voting", s("soft")),
        ],
    );
    assert!(refused(&g, &v).contains("VotingClassifier.weights"));

    // A child whose classes are not the label-encoded ones.
    let mut g = G::new();
    let coef = g.f64s(&[1, 2], &[1.0, -1.0]);
    let cc = g.strs(&["no", "yes"]);
    let child = g.est(
        "sklearn.linear_model._logistic",
        "LogisticRegression",
        vec![
            ("coef_", coef),
            ("intercept_", Value::Float(0.0)),
            ("classes_", cc),
        ],
    );
    let ests = g.list(vec![child]);
    let classes = g.strs(&["no", "yes"]);
    let v = g.est(
        EN,
        "VotingClassifier",
        vec![("estimators_", ests), ("classes_", classes)],
    );
    assert!(refused(&g, &v).contains("label-encoded"));

    // A stack method other than predict_proba, predict and (where computed) decision_function.
    let mut g = G::new();
    let a = tree_stump(&mut g);
    let fin = tree_stump(&mut g);
    let ests = g.list(vec![a]);
    let meth = g.list(vec![s("predict_log_proba")]);
    let classes = g.i64s(&[2], &[3, 4]);
    let st = g.est(
        "sklearn.ensemble._stacking",
        "StackingClassifier",
        vec![
            ("estimators_", ests),
            ("stack_method_", meth),
            ("final_estimator_", fin),
            ("classes_", classes),
        ],
    );
    let err = refused(&g, &st);
    assert!(
        err.contains("StackingClassifier.stack_method_") && err.contains("predict_log_proba"),
        "{err}"
    );

    // Bagging feature subsets outside the input.
    let mut g = G::new();
    let a = tree_stump(&mut g);
    let ests = g.list(vec![a]);
    let f = g.i64s(&[2], &[0, 7]);
    let feats = g.list(vec![f]);
    let classes = g.i64s(&[2], &[5, 6]);
    let b = g.est(
        "sklearn.ensemble._bagging",
        "BaggingClassifier",
        vec![
            ("estimators_", ests),
            ("estimators_features_", feats),
            ("classes_", classes),
            ("n_features_in_", Value::Int(2)),
        ],
    );
    assert!(refused(&g, &b).contains("BaggingClassifier.estimators_features_"));

    // A child that is not an estimator at all, and a hostile class as a child.
    let mut g = G::new();
    let bad = g.est("os", "system", vec![]);
    let ests = g.list(vec![bad]);
    let v = g.est(EN, "VotingRegressor", vec![("estimators_", ests)]);
    let err = refused(&g, &v);
    assert!(
        err.contains("VotingRegressor.estimators_[0]") && err.contains("os.system"),
        "{err}"
    );
}

#[test]
fn more_inconsistent_shapes_are_refused_at_load() {
    expect_refused(
        "sklearn.preprocessing._target_encoder",
        "TargetEncoder",
        |g| {
            let c0 = g.strs(&["a", "b"]);
            let e0 = g.f64s(&[3], &[0.1, 0.2, 0.3]);
            vec![
                ("categories_", g.list(vec![c0])),
                ("encodings_", g.list(vec![e0])),
                ("target_type_", s("binary")),
                ("target_mean_", Value::Float(0.5)),
            ]
        },
        &["TargetEncoder.encodings_", "2 categories"],
    );
    expect_refused(
        "sklearn.preprocessing._target_encoder",
        "TargetEncoder",
        |g| {
            let c0 = g.strs(&["a"]);
            let e0 = g.f64s(&[1], &[0.1]);
            vec![
                ("categories_", g.list(vec![c0])),
                ("encodings_", g.list(vec![e0])),
                ("target_type_", s("multilabel-indicator")),
                ("target_mean_", Value::Float(0.5)),
            ]
        },
        &["TargetEncoder.target_type_"],
    );
    expect_refused(
        "sklearn.preprocessing._polynomial",
        "SplineTransformer",
        |g| {
            let t = g.f64s(&[4], &[0.0, 1.0, 2.0, 3.0]);
            let c = g.f64s(&[3, 3], &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
            let spl = g.est(
                "scipy.interpolate._bsplines",
                "BSpline",
                vec![("_t", t), ("_c", c), ("k", Value::Int(1))],
            );
            vec![("bsplines_", g.list(vec![spl])), ("degree", Value::Int(1))]
        },
        &["SplineTransformer.bsplines_", "do not fit"],
    );
    expect_refused(
        "sklearn.calibration",
        "CalibratedClassifierCV",
        |g| {
            let est = tree_stump(g);
            let cal = g.est("os", "system", vec![]);
            let cals = g.list(vec![cal]);
            let classes = g.i64s(&[2], &[0, 1]);
            let cc = g.est(
                "sklearn.calibration",
                "_CalibratedClassifier",
                vec![
                    ("estimator", est),
                    ("calibrators", cals),
                    ("classes", classes),
                    ("method", s("sigmoid")),
                ],
            );
            vec![
                ("calibrated_classifiers_", g.list(vec![cc])),
                ("classes_", g.i64s(&[2], &[0, 1])),
            ]
        },
        &["calibrators", "os.system", "not supported"],
    );
}
