//! Exactness of the issue-9 part C zoo (more linear and discriminant models, more preprocessing,
//! ensembles of other estimators) against real scikit-learn: every fixture under
//! `tests/fixtures/zoo-c/sklearn-*/` (written by `python/make_zoo_c_fixtures.py`) is loaded, predicted
//! and compared with scikit-learn's own outputs; all failures are reported together.

#[path = "common/fixtures.rs"]
mod fixtures;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use fixtures::{fixtures_root, load_predict_compare, read_fixture, Fixture};

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
    let model = load_predict_compare(fx)?;
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
