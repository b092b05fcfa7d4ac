//! Exactness of the model zoo, part A (SVM, neighbours, naive Bayes, neural network) against real
//! scikit-learn: every manifest under `tests/fixtures/zoo-a/sklearn-*/` (written by
//! `python/make_zoo_a_fixtures.py`) is loaded, predicted and compared with scikit-learn's own
//! labels and probabilities (1e-9 relative); all failures are reported together.

#[path = "common/fixtures.rs"]
mod fixtures;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use fixtures::{batch_from_rows, compare, fixtures_root, read_fixture, Fixture};
use predict_worker::model::{load_model, LoadLimits};
use serde_json::Value;

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
    let model =
        load_model(&fx.model_path, &LoadLimits::default()).map_err(|e| format!("load: {e}"))?;
    let names: Option<Vec<String>> = model.feature_names().map(|n| n.to_vec());
    let batch = batch_from_rows(&m.inputs, names.as_deref())?;
    let output = model.predict(&batch).map_err(|e| format!("predict: {e}"))?;
    compare(m, &output)?;
    let classes = model
        .classes()
        .map(|c| serde_json::to_value(&c[..]).unwrap_or_default());
    if classes != m.classes.clone().map(Value::Array) {
        return Err(format!("Model::classes() is {classes:?}"));
    }
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
