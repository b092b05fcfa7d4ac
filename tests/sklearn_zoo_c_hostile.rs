//! Hostile and inconsistent inputs for the issue-9 part C zoo: FunctionTransformer and
//! TransformedTargetRegressor accept only allow-listed numpy ufuncs (never os.system, numpy.load,
//! builtins.eval, in any pickled spelling), and every builder refuses inconsistent shapes at load
//! with an error naming the class and the attribute.

#[path = "common/fixtures.rs"]
mod fixtures;
mod sklearn_linear_graph;

use ndarray::array;
use predict_worker::model::data::Batch;
use predict_worker::model::value::Value;
use predict_worker::model::{load_model_bytes, LoadLimits};
use sklearn_linear_graph::*;

const FT: &str = "sklearn.preprocessing._function_transformer";

fn function_transformer(g: &mut G, func: Value) -> Value {
    g.est(
        FT,
        "FunctionTransformer",
        vec![("func", func), ("validate", Value::Bool(false))],
    )
}

fn refused(g: &G, root: &Value) -> String {
    g.build(root)
        .expect_err("must be refused at load")
        .to_string()
}

#[test]
fn function_transformer_refuses_functions_outside_the_allow_list() {
    for (module, name) in [
        ("os", "system"),
        ("posix", "system"),
        ("numpy", "load"),
        ("numpy", "fromfile"),
        ("builtins", "eval"),
        ("numpy.core._multiarray_umath", "frompyfunc"),
        ("sklearn.utils", "log1p"),
    ] {
        let mut g = G::new();
        let f = g.global(module, name);
        let ft = function_transformer(&mut g, f);
        let err = refused(&g, &ft);
        assert!(
            err.contains("FunctionTransformer.func")
                && err.contains(&format!("{module}.{name}"))
                && err.contains("Python code"),
            "{module}.{name}: {err}"
        );
        // Inside a pipeline the step is named too.
        let s1 = g.tuple(vec![s("f"), ft]);
        let steps = g.list(vec![s1]);
        let pipe = g.est("sklearn.pipeline", "Pipeline", vec![("steps", steps)]);
        assert!(refused(&g, &pipe).contains(&format!("{module}.{name}")));
    }
    // The older reduce form with a non-numpy module or an unknown name.
    for (module, name) in [("os", "system"), ("numpy", "load")] {
        let mut g = G::new();
        let f = g.object("numpy.core", "_ufunc_reconstruct", vec![s(module), s(name)]);
        let ft = function_transformer(&mut g, f);
        assert!(refused(&g, &ft).contains("Python code"), "{module}.{name}");
    }
    // kw_args would change what the ufunc computes.
    let mut g = G::new();
    let f = g.global("numpy", "log1p");
    let kw = g.dict(vec![(s("out"), Value::None)]);
    let ft = g.est(
        FT,
        "FunctionTransformer",
        vec![("func", f), ("kw_args", kw)],
    );
    assert!(refused(&g, &ft).contains("kw_args"));
}

#[test]
fn allow_listed_ufuncs_in_every_spelling_are_served() {
    let x = Batch::numeric(array![[0.0, 1.0], [f64::NAN, 3.0]]);
    type Spelling = Box<dyn Fn(&mut G) -> Value>;
    let spellings: Vec<Spelling> = vec![
        Box::new(|g| g.global("numpy", "log1p")),
        Box::new(|g| g.global("numpy.core._multiarray_umath", "log1p")),
        Box::new(|g| g.global("numpy._core._multiarray_umath", "log1p")),
        Box::new(|g| {
            g.object(
                "numpy.core",
                "_ufunc_reconstruct",
                vec![s("numpy"), s("log1p")],
            )
        }),
        Box::new(|g| {
            g.object(
                "numpy._core",
                "_ufunc_reconstruct",
                vec![s("numpy.core._multiarray_umath"), s("log1p")],
            )
        }),
    ];
    for make in spellings {
        let mut g = G::new();
        let f = make(&mut g);
        let ft = function_transformer(&mut g, f);
        let out = transform(&g.build(&ft).unwrap(), &x).unwrap();
        assert_eq!(out.values[[0, 1]], 1f64.ln_1p());
        assert!(out.values[[1, 0]].is_nan());
    }
}

#[test]
fn transformed_target_regressor_inverse_func_is_allow_listed_too() {
    let mut g = G::new();
    let coef = g.f64s(&[1], &[2.0]);
    let lr = g.est(
        "sklearn.linear_model._base",
        "LinearRegression",
        vec![("coef_", coef), ("intercept_", Value::Float(0.0))],
    );
    let bad = g.global("os", "system");
    let good = g.global("numpy", "log");
    let ft = g.est(
        FT,
        "FunctionTransformer",
        vec![("func", good), ("inverse_func", bad)],
    );
    let ttr = g.est(
        "sklearn.compose._target",
        "TransformedTargetRegressor",
        vec![("regressor_", lr), ("transformer_", ft)],
    );
    let err = refused(&g, &ttr);
    assert!(
        err.contains("inverse_func") && err.contains("os.system"),
        "{err}"
    );
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
fn a_real_fixture_patched_to_name_numpy_savez_is_refused() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/zoo-c/sklearn-1.9.1/function_log1p.pkl");
    let bytes = std::fs::read(&path).unwrap();
    assert!(load_model_bytes(&bytes, &LoadLimits::default()).is_ok());
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let mut patched = bytes.clone();
    let at =
        find(&patched, b"\x05numpy\x94\x8c\x05log1p").expect("the ufunc reference is in the file");
    patched[at + 9..at + 14].copy_from_slice(b"savez");
    let err = load_model_bytes(&patched, &LoadLimits::default())
        .expect_err("must be refused")
        .to_string();
    assert!(
        err.contains("numpy.savez") && err.contains("Python code"),
        "{err}"
    );
}

/// Mutated copies of real zoo-c fixtures that still load must predict without panicking (an error
/// is fine): the builders' load-time checks are what keep predict safe.
#[test]
fn mutated_fixtures_that_load_predict_without_panicking() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let names = [
        "qda_multiclass",
        "kernel_ridge_rbf_multi",
        "pls_multi",
        "pca_whiten",
        "poly3_interaction",
        "power_yeo_johnson",
        "quantile_uniform",
        "kbins_onehot",
        "voting_soft_weights_multiclass",
        "voting_hard_weights_drop_multiclass",
        "stacking_passthrough_predict_multiclass",
        "bagging_tree_multiclass",
        "adaboost_multiclass",
        "adaboost_regressor",
        "ttr_log",
        "spline_periodic",
        "spline_linear_quantile",
        "target_encoder_multiclass",
        "calibrated_isotonic_tree_multiclass",
        "calibrated_temperature_logreg_binary",
    ];
    let mut rng = StdRng::seed_from_u64(0x200c);
    let (mut loaded, mut predicted) = (0, 0);
    for name in names {
        let fx = fixtures::fixture(&format!("zoo-c/sklearn-1.9.1/{name}")).unwrap();
        let bytes = std::fs::read(&fx.model_path).unwrap();
        let original = load_model_bytes(&bytes, &LoadLimits::default()).unwrap();
        let names: Option<Vec<String>> = original.feature_names().map(|n| n.to_vec());
        let batch = fixtures::batch_from_rows(&fx.manifest.inputs, names.as_deref()).unwrap();
        for i in 0..300 {
            let mut data = bytes.clone();
            for _ in 0..rng.random_range(1..=3) {
                let at = rng.random_range(0..data.len());
                data[at] = rng.random();
            }
            let outcome = std::panic::catch_unwind(|| {
                let Ok(model) = load_model_bytes(&data, &LoadLimits::default()) else {
                    return (false, false);
                };
                (true, model.predict(&batch).is_ok())
            });
            let (l, p) = outcome.unwrap_or_else(|_| panic!("{name} mutation {i} panicked"));
            loaded += usize::from(l);
            predicted += usize::from(p);
        }
    }
    assert!(
        loaded > 100 && predicted > 50,
        "{loaded} loaded, {predicted} predicted"
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

#[test]
fn numpy_interp_semantics_hold_for_repeated_knots() {
    use predict_worker::model::sklearn::preprocessing::quantile::interp;
    let xp = [0.0, 1.0, 1.0, 2.0];
    let fp = [0.0, 0.25, 0.75, 1.0];
    assert_eq!(interp(-1.0, &xp, &fp), 0.0);
    assert_eq!(interp(3.0, &xp, &fp), 1.0);
    // x on a repeated knot takes the last of its values, as numpy's binary search does.
    assert_eq!(interp(1.0, &xp, &fp), 0.75);
    assert_eq!(interp(0.5, &xp, &fp), 0.125);
    assert_eq!(interp(2.0, &xp, &fp), 1.0);
}
