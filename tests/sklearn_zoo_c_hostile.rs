//! Hostile inputs for the issue-9 part C zoo: FunctionTransformer and TransformedTargetRegressor
//! accept only allow-listed numpy ufuncs (never os.system, numpy.load, builtins.eval, in any pickled
//! spelling, nor in a real file patched to name another function), and mutated real fixtures that
//! still load predict without panicking. Inconsistent shapes: `sklearn_zoo_c_shapes.rs`.

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
