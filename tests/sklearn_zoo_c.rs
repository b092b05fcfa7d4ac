//! Exactness of the issue-9 part C zoo (more linear and discriminant models, more preprocessing,
//! ensembles of other estimators) against real scikit-learn: every fixture under
//! `tests/fixtures/zoo-c/sklearn-*/` (written by `python/make_zoo_c_fixtures.py`) is loaded, predicted
//! and compared with scikit-learn's own outputs; all failures are reported together.

#[path = "common/fixtures.rs"]
mod fixtures;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use fixtures::{batch_from_rows, compare, fixtures_root, read_fixture, Fixture};
use predict_worker::model::{load_model, LoadLimits};
use serde_json::Value;

/// Every manifest under `tests/fixtures/zoo-c/sklearn-*/`, sorted.
fn manifests() -> Vec<PathBuf> {
    let root = fixtures_root().join("zoo-c");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).expect("tests/fixtures/zoo-c exists") {
        let dir = dir.expect("readable").path();
        for file in std::fs::read_dir(&dir).expect("readable") {
            let path = file.expect("readable").path();
            if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn check(fx: &Fixture) -> Result<(), String> {
    let m = &fx.manifest;
    let model = load_model(&fx.model_path, &LoadLimits::default())
        .map_err(|e| format!("load failed: {e}"))?;
    let names: Option<Vec<String>> = model.feature_names().map(|n| n.to_vec());
    let batch = batch_from_rows(&m.inputs, names.as_deref())?;
    let output = model
        .predict(&batch)
        .map_err(|e| format!("predict failed: {e}"))?;
    compare(m, &output)?;
    let classes = model
        .classes()
        .map(|c| serde_json::to_value(&c[..]).unwrap_or_default());
    if classes != m.classes.clone().map(Value::Array) {
        return Err(format!(
            "Model::classes() is {classes:?}, scikit-learn's classes_ are {:?}",
            m.classes
        ));
    }
    if model.summary().render().is_empty() {
        return Err("inspect summary is empty".into());
    }
    Ok(())
}

#[test]
fn every_zoo_c_fixture_matches_scikit_learn() {
    let paths = manifests();
    let versions: std::collections::BTreeSet<_> = paths
        .iter()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    assert!(
        versions.len() >= 2 && paths.len() >= 80,
        "expected fixtures for two scikit-learn versions, found {} manifests in {versions:?}",
        paths.len()
    );
    let mut failures = Vec::new();
    for path in &paths {
        let fx = match read_fixture(path) {
            Ok(fx) => fx,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| check(&fx)))
            .unwrap_or_else(|_| Err("PANICKED".into()));
        if let Err(e) = outcome {
            failures.push(format!("{} [{}]: {e}", fx.name, fx.manifest.estimator));
        }
    }
    eprintln!(
        "{} of {} zoo-c fixtures match",
        paths.len() - failures.len(),
        paths.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} zoo-c fixtures do not match:\n  {}",
        failures.len(),
        paths.len(),
        failures.join("\n  ")
    );
}
