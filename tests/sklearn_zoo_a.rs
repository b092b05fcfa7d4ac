//! Exactness of the model zoo, part A (SVM, neighbours, naive Bayes, neural network) against real
//! scikit-learn: every manifest under `tests/fixtures/zoo-a/sklearn-*/` (written by
//! `python/make_zoo_a_fixtures.py`) is loaded, predicted and compared with scikit-learn's own
//! labels and probabilities (1e-9 relative); all failures are reported together.

#[path = "common/fixtures.rs"]
mod fixtures;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use fixtures::{batch_from_rows, fixtures_root, load_predict_compare, read_fixture, Fixture};
use predict_worker::model::LoadLimits;

fn manifests() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let root = fixtures_root().join("zoo-a");
    for dir in std::fs::read_dir(&root).expect("tests/fixtures/zoo-a exists") {
        let dir = dir.expect("readable").path();
        for f in std::fs::read_dir(&dir).expect("readable") {
            let p = f.expect("readable").path();
            if p.extension().is_some_and(|e| e == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn check(fx: &Fixture) -> Result<(), String> {
    let m = &fx.manifest;
    let model = load_predict_compare(fx)?;
    // `inspect` describes every estimator without failing.
    let rendered = model.summary().render();
    let last = m.estimator.rsplit('.').next().unwrap_or("");
    if !rendered.contains(last) {
        return Err(format!("inspect does not name {last}: {rendered}"));
    }
    Ok(())
}

fn run(prefixes: &[&str]) {
    let paths: Vec<PathBuf> = manifests()
        .into_iter()
        .filter(|p| {
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            prefixes.iter().any(|pre| stem.starts_with(pre))
        })
        .collect();
    assert!(!paths.is_empty(), "no fixtures for {prefixes:?}");
    let mut failures = Vec::new();
    for path in &paths {
        let fx = read_fixture(path).unwrap_or_else(|e| panic!("{e}"));
        let outcome = catch_unwind(AssertUnwindSafe(|| check(&fx)))
            .unwrap_or_else(|_| Err("PANICKED".to_string()));
        if let Err(e) = outcome {
            failures.push(format!("{}: {e}", fx.name));
        }
    }
    eprintln!(
        "{} of {} fixtures match",
        paths.len() - failures.len(),
        paths.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn svm_matches_scikit_learn() {
    run(&[
        "svc_",
        "nusvc_",
        "svr_",
        "nusvr_",
        "linear_svc",
        "linear_svr",
    ]);
}

#[test]
fn neighbours_match_scikit_learn() {
    run(&["knn_"]);
}

#[test]
fn naive_bayes_matches_scikit_learn() {
    run(&[
        "gaussian_nb",
        "multinomial_nb",
        "bernoulli_nb",
        "complement_nb",
        "categorical_nb",
    ]);
}

#[test]
fn neural_networks_match_scikit_learn() {
    run(&["mlp_"]);
}

/// Each file under `tests/fixtures/zoo-a/hostile/` is a fitted model with one attribute made
/// inconsistent (`python/make_zoo_a_fixtures.py hostile`); each must be refused at load, and the
/// message must name the class and the attribute (or option) at fault.
const HOSTILE: &[(&str, &[&str])] = &[
    ("svc_dual_coef_short", &["SVC._dual_coef_", "shape"]),
    ("svc_n_support_sum", &["SVC._n_support", "sum to"]),
    ("svc_intercept_len", &["SVC._intercept_", "expected 3"]),
    ("svc_proba_len", &["SVC._probA", "Platt"]),
    ("svc_sv_width", &["SVC.support_vectors_", "n_features_in_"]),
    ("svc_precomputed", &["SVC.kernel", "precomputed"]),
    ("svc_callable_kernel", &["SVC.kernel", "callable"]),
    ("svc_sparse", &["SVC._sparse", "sparse"]),
    ("svr_dual_coef_rows", &["SVR._dual_coef_", "shape"]),
    (
        "knn_y_out_of_range",
        &["KNeighborsClassifier._y", "class index"],
    ),
    (
        "knn_n_neighbors",
        &["KNeighborsClassifier.n_neighbors", "10000"],
    ),
    (
        "knn_tree_index",
        &["KNeighborsClassifier._tree", "idx_array"],
    ),
    ("knn_tree_nodes", &["KNeighborsClassifier._tree", "node 0"]),
    ("knn_callable_metric", &["KNeighborsClassifier", "callable"]),
    ("gaussian_nb_var_shape", &["GaussianNB.var_", "theta_"]),
    (
        "multinomial_nb_prior_len",
        &["MultinomialNB.class_log_prior_", "per class"],
    ),
    (
        "categorical_nb_table_rows",
        &["CategoricalNB.feature_log_prob_", "table 1"],
    ),
    ("mlp_layer_mismatch", &["MLPClassifier.coefs_", "layer 1"]),
    (
        "mlp_multilabel",
        &["MLPClassifier._label_binarizer", "multilabel"],
    ),
];

#[test]
fn inconsistent_models_are_refused_at_load_with_a_clear_error() {
    let dir = fixtures_root().join("zoo-a").join("hostile");
    let mut problems = Vec::new();
    for (name, wanted) in HOSTILE {
        let path = dir.join(format!("{name}.pkl"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            predict_worker::model::load_model_bytes(&bytes, &LoadLimits::default())
        }));
        match outcome {
            Err(_) => problems.push(format!("{name}: PANICKED")),
            Ok(Ok(_)) => problems.push(format!("{name}: loaded")),
            Ok(Err(e)) => {
                let msg = e.to_string();
                if let Some(missing) = wanted.iter().find(|w| !msg.contains(*w)) {
                    problems.push(format!("{name}: message lacks {missing:?}: {msg}"));
                }
            }
        }
    }
    let files = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(
        files,
        HOSTILE.len(),
        "every hostile file has an expectation"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Mutated copies of one fixture per estimator (bytes replaced, mostly inside the numeric arrays)
/// that still load must predict the fixture's rows without panicking: load-time validation is
/// what keeps `predict` in bounds, whatever values the arrays hold.
#[test]
fn mutated_models_that_load_predict_without_panicking() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let stems = [
        "svc_poly_proba",
        "svc_linear_ovo",
        "svr_poly",
        "linear_svc_multiclass",
        "knn_clf_grid_ball_deep",
        "knn_clf_grid_ties",
        "knn_clf_grid_brute_distance",
        "knn_reg_ball_p3_deep",
        "gaussian_nb",
        "bernoulli_nb",
        "categorical_nb",
        "complement_nb",
        "mlp_clf_tanh_str",
        "mlp_reg_tanh_multioutput",
    ];
    let mut rng = StdRng::seed_from_u64(0x200a);
    let mut loaded = 0usize;
    let mut panics = Vec::new();
    for stem in stems {
        let path = fixtures_root()
            .join("zoo-a/sklearn-1.9.1")
            .join(format!("{stem}.json"));
        let fx = read_fixture(&path).unwrap_or_else(|e| panic!("{e}"));
        let original = std::fs::read(&fx.model_path).expect("model file");
        for i in 0..200 {
            let mut data = original.clone();
            for _ in 0..rng.random_range(1..=3) {
                let at = rng.random_range(0..data.len());
                data[at] = rng.random();
            }
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let Ok(model) =
                    predict_worker::model::load_model_bytes(&data, &LoadLimits::default())
                else {
                    return false;
                };
                let names: Option<Vec<String>> = model.feature_names().map(|n| n.to_vec());
                if let Ok(batch) = batch_from_rows(&fx.manifest.inputs, names.as_deref()) {
                    let _ = model.predict(&batch);
                }
                true
            }));
            match outcome {
                Ok(true) => loaded += 1,
                Ok(false) => {}
                Err(_) => panics.push(format!("{stem} #{i}")),
            }
        }
    }
    assert!(panics.is_empty(), "panicked: {panics:?}");
    assert!(loaded > 300, "only {loaded} mutated models loaded");
}
