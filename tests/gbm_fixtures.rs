//! Exactness against real XGBoost and LightGBM: every fixture under `tests/fixtures/gbm/` (written by
//! `python/make_gbm_fixtures.py`) is loaded, predicted and compared with the library's own answers:
//! labels identical, values within the manifest's `rel_tol` (1e-6 for XGBoost's float32, 1e-9 for
//! LightGBM). All failures are reported together, one line per fixture. `GBM_EXACT=1` asks for
//! bit-identical values instead (all match today but the scipy softmax of `multi:softmax` probabilities).

#[path = "common/fixtures.rs"]
mod fixtures;

use std::path::PathBuf;

use fixtures::{batch_from_rows, fixtures_root, read_fixture, Fixture};
use ndarray::Array2;
use predict_worker::model::{load_model, LoadLimits, Output};
use serde_json::Value;

/// Every manifest in `tests/fixtures/gbm*/` (the pinned libraries in `gbm/`, older ones beside it).
fn manifests() -> Vec<PathBuf> {
    let files = |dir: PathBuf| -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let mut out: Vec<PathBuf> = files(fixtures_root())
        .into_iter()
        .filter(|d| {
            d.is_dir()
                && d.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("gbm"))
        })
        .flat_map(files)
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    out.sort();
    out
}

fn close(got: f64, want: f64, rel: f64) -> bool {
    got == want || (got - want).abs() <= (rel * got.abs().max(want.abs())).max(1e-12)
}

fn compare_matrix(
    what: &str,
    want: &[Vec<f64>],
    got: &Array2<f64>,
    rel: f64,
) -> Result<(), String> {
    let cols = want.first().map_or(0, Vec::len);
    if got.dim() != (want.len(), cols) {
        return Err(format!(
            "{what} shape {:?}, expected ({}, {cols})",
            got.dim(),
            want.len()
        ));
    }
    for (r, row) in want.iter().enumerate() {
        for (c, &w) in row.iter().enumerate() {
            let g = got[(r, c)];
            if !close(g, w, rel) {
                return Err(format!(
                    "row {r} {what}[{c}]: {g:e}, library {w:e} (rel diff {:e})",
                    (g - w).abs() / w.abs()
                ));
            }
        }
    }
    Ok(())
}

fn check(fx: &Fixture, rel: f64, want_names: Option<Vec<String>>) -> Result<(), String> {
    let m = &fx.manifest;
    let model = load_model(&fx.model_path, &LoadLimits::default())
        .map_err(|e| format!("load failed: {e}"))?;
    let names: Option<Vec<String>> = model.feature_names().map(|n| n.to_vec());
    if names != want_names {
        return Err(format!(
            "feature_names() {names:?}, fitted on {want_names:?}"
        ));
    }
    let batch = batch_from_rows(&m.inputs, names.as_deref())?;
    let output = model
        .predict(&batch)
        .map_err(|e| format!("predict failed: {e}"))?;
    if output.n_rows() != m.inputs.len() {
        return Err(format!(
            "{} output rows for {} inputs",
            output.n_rows(),
            m.inputs.len()
        ));
    }
    match (&output, m.kind.as_str()) {
        (
            Output::Classification {
                classes,
                predicted,
                probabilities,
            },
            "classifier",
        ) => {
            let got: Vec<Value> = classes
                .iter()
                .map(|c| serde_json::to_value(c).unwrap_or(Value::Null))
                .collect();
            if Some(&got) != m.classes.as_ref() {
                return Err(format!("classes {got:?}, library {:?}", m.classes));
            }
            for (r, (&i, want)) in predicted.iter().zip(&m.predict).enumerate() {
                if got.get(i) != Some(want) {
                    return Err(format!("row {r}: label {:?}, library {want}", got.get(i)));
                }
            }
            let want = m
                .predict_proba
                .as_ref()
                .ok_or("manifest has no predict_proba")?;
            let got = probabilities.as_ref().ok_or("no probabilities")?;
            compare_matrix("probability", want, got, rel)
        }
        (Output::Regression { values }, "regressor") => {
            let want: Vec<Vec<f64>> = m
                .predict
                .iter()
                .map(|v| vec![v.as_f64().unwrap_or(f64::NAN)])
                .collect();
            compare_matrix("value", &want, values, rel)
        }
        (_, kind) => Err(format!("output kind does not match the library's {kind}")),
    }
}

#[test]
fn every_gbm_fixture_matches_its_library() {
    let paths = manifests();
    assert!(
        paths.len() >= 25,
        "expected the fixtures of python/make_gbm_fixtures.py, found {}",
        paths.len()
    );
    let mut failures = Vec::new();
    for path in &paths {
        let fx = read_fixture(path).unwrap_or_else(|e| panic!("{e}"));
        let raw: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_default())
            .unwrap_or_default();
        let rel = if std::env::var("GBM_EXACT").is_ok() {
            0.0
        } else {
            raw["rel_tol"].as_f64().unwrap_or(1e-9)
        };
        let names = serde_json::from_value(raw["feature_names"].clone()).unwrap_or(None);
        if let Err(e) = check(&fx, rel, names) {
            failures.push(format!("{} [{}]: {e}", fx.name, raw["final_estimator"]));
        }
    }
    eprintln!(
        "{} of {} XGBoost/LightGBM fixtures match",
        paths.len() - failures.len(),
        paths.len()
    );
    assert!(
        failures.is_empty(),
        "{} fixtures do not match:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}
