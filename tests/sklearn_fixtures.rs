//! Exactness against real scikit-learn: every fixture under `tests/fixtures/sklearn-*/` (written by
//! `python/make_fixtures.py`) is loaded, predicted and compared with scikit-learn's own outputs; all failures
//! are collected and reported together, one line per fixture, so one run shows the state of every estimator.

#[path = "common/fixtures.rs"]
mod fixtures;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use fixtures::{
    batch_from_rows, compare, load_predict_compare, manifest_paths, read_fixture, version_dirs,
    Fixture,
};
use predict_worker::model::{load_model, LoadLimits, Model};
use serde_json::Value;

fn load(path: &Path) -> Result<Model, String> {
    load_model(path, &LoadLimits::default()).map_err(|e| format!("load failed: {e}"))
}

/// Load, predict and compare one fixture, then check what `info()` reports; `Err` holds the first mismatch.
fn check(fx: &Fixture) -> Result<(), String> {
    let m = &fx.manifest;
    let model = load_predict_compare(fx)?;

    let info = model.info();
    if info.format != m.format {
        return Err(format!(
            "predictions match, but info().format is {:?}, the file is {:?}",
            info.format, m.format
        ));
    }
    if info.pickle_protocol != m.protocol {
        return Err(format!(
            "predictions match, but info().pickle_protocol is {}, the file uses {}",
            info.pickle_protocol, m.protocol
        ));
    }
    if info.compression != m.compression {
        return Err(format!(
            "predictions match, but info().compression is {:?}, the file uses {:?}",
            info.compression, m.compression
        ));
    }
    if info.sklearn_version.as_deref() != Some(m.sklearn_version.as_str()) {
        return Err(format!(
            "predictions match, but info().sklearn_version is {:?}, the file says {:?}",
            info.sklearn_version, m.sklearn_version
        ));
    }
    Ok(())
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".into()
    }
}

#[test]
fn every_sklearn_fixture_matches_scikit_learn() {
    let paths = manifest_paths();
    assert!(
        paths.len() >= 100,
        "expected the committed fixtures (two scikit-learn versions, ~70 each) under tests/fixtures/sklearn-*/, \
         found {} manifests; regenerate with python/make_fixtures.py",
        paths.len()
    );
    let mut failures = Vec::new();
    let mut checked = 0usize;
    for path in &paths {
        let fx = match read_fixture(path) {
            Ok(fx) => fx,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        checked += 1;
        let outcome = catch_unwind(AssertUnwindSafe(|| check(&fx)))
            .unwrap_or_else(|p| Err(format!("PANICKED: {}", panic_message(p.as_ref()))));
        if let Err(e) = outcome {
            failures.push(format!(
                "{} [{} {}]: {e}",
                fx.name,
                fx.manifest.estimator.rsplit('.').next().unwrap_or(""),
                fx.manifest.model
            ));
        }
    }
    assert_eq!(checked, paths.len(), "every manifest must be readable");
    eprintln!(
        "{} of {} scikit-learn fixtures match",
        checked - failures.len(),
        checked
    );
    assert!(
        failures.is_empty(),
        "{} of {} scikit-learn fixtures do not match:\n  {}",
        failures.len(),
        paths.len(),
        failures.join("\n  ")
    );
}

#[test]
fn fixture_directories_are_complete() {
    let dirs = version_dirs();
    let names: Vec<String> = dirs
        .iter()
        .filter_map(|d| d.file_name()?.to_str().map(str::to_string))
        .collect();
    assert!(
        dirs.len() >= 2,
        "fixtures must cover at least two scikit-learn versions, found {names:?}"
    );
    for dir in &dirs {
        let files: Vec<_> = std::fs::read_dir(dir)
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        let manifests = files
            .iter()
            .filter(|p: &&std::path::PathBuf| p.extension().is_some_and(|e| e == "json"))
            .count();
        assert!(
            manifests >= 50,
            "{}: only {manifests} fixtures",
            dir.display()
        );
        assert_eq!(
            files.len(),
            2 * manifests,
            "{}: every fixture is one model file plus one manifest",
            dir.display()
        );
    }
    for path in manifest_paths() {
        let fx = read_fixture(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            fx.model_path.is_file(),
            "{}: model file {} is missing",
            fx.name,
            fx.model_path.display()
        );
        assert_eq!(
            fx.manifest.inputs.len(),
            fx.manifest.predict.len(),
            "{}: one expected prediction per input row",
            fx.name
        );
    }
}

fn jsonl(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

#[test]
fn shipped_model_matches_scikit_learn() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("outputs");
    let model = load(&root.join("best_model.pkl")).unwrap_or_else(|e| panic!("{e}"));
    let requests = jsonl(&root.join("best_model.sample.jsonl"));
    let expected = jsonl(&root.join("best_model.expected.jsonl"));
    assert!(!requests.is_empty() && requests.len() == expected.len());
    let rows: Vec<Value> = requests.iter().map(|r| r["features"].clone()).collect();
    let names: Option<Vec<String>> = model.feature_names().map(|n| n.to_vec());
    let batch = batch_from_rows(&rows, names.as_deref()).unwrap_or_else(|e| panic!("{e}"));
    let output = model.predict(&batch).unwrap_or_else(|e| panic!("{e}"));
    let manifest = fixtures::Manifest {
        model: "best_model.pkl".into(),
        sklearn_version: String::new(),
        format: "joblib".into(),
        protocol: 5,
        compression: None,
        estimator: "sklearn.pipeline.Pipeline".into(),
        kind: "classifier".into(),
        inputs: rows,
        predict: expected.iter().map(|e| e["prediction"].clone()).collect(),
        predict_proba: Some(
            expected
                .iter()
                .map(|e| {
                    serde_json::from_value(e["probabilities"].clone())
                        .unwrap_or_else(|err| panic!("bad expected probabilities: {err}"))
                })
                .collect(),
        ),
        classes: serde_json::from_value(expected[0]["classes"].clone()).ok(),
    };
    if let Err(e) = compare(&manifest, &output) {
        panic!("outputs/best_model.pkl differs from scikit-learn: {e}");
    }
}

/// The comparison itself must be able to fail: a wrong label, a label of the wrong JSON type, a probability off
/// by more than the tolerance and a wrong regression value are all caught; tolerance-level noise is not.
#[test]
fn harness_rejects_mismatches() {
    use ndarray::array;
    use predict_worker::model::{Label, Output};
    use std::sync::Arc;

    let manifest =
        |predict: Vec<Value>, proba: Option<Vec<Vec<f64>>>, kind: &str| fixtures::Manifest {
            model: String::new(),
            sklearn_version: String::new(),
            format: String::new(),
            protocol: 0,
            compression: None,
            estimator: String::new(),
            kind: kind.into(),
            inputs: vec![Value::Null; predict.len()],
            predict,
            predict_proba: proba,
            classes: None,
        };
    let cls = |classes: Vec<Label>, p: f64| Output::Classification {
        classes: Arc::from(classes),
        predicted: vec![1],
        probabilities: Some(array![[1.0 - p, p]]),
    };
    let strs = vec![Label::Str("a".into()), Label::Str("b".into())];
    let ok = manifest(
        vec![Value::from("b")],
        Some(vec![vec![0.3, 0.7]]),
        "classifier",
    );
    assert_eq!(compare(&ok, &cls(strs.clone(), 0.7 + 1e-15)), Ok(()));
    assert!(compare(&ok, &cls(strs.clone(), 0.7 + 1e-6)).is_err());
    let wrong = manifest(
        vec![Value::from("a")],
        Some(vec![vec![0.3, 0.7]]),
        "classifier",
    );
    assert!(compare(&wrong, &cls(strs, 0.7)).is_err());
    let float_label = manifest(
        vec![Value::from(1.0)],
        Some(vec![vec![0.3, 0.7]]),
        "classifier",
    );
    let ints = vec![Label::Int(0), Label::Int(1)];
    assert!(compare(&float_label, &cls(ints, 0.7)).is_err());
    let floats = vec![Label::Float(0.0), Label::Float(1.0)];
    assert_eq!(compare(&float_label, &cls(floats, 0.7)), Ok(()));
    let reg = manifest(vec![Value::from(2.5)], None, "regressor");
    let out = |v: f64| Output::Regression {
        values: array![[v]],
    };
    assert_eq!(compare(&reg, &out(2.5)), Ok(()));
    assert!(compare(&reg, &out(2.5 + 1e-8)).is_err());
    assert!(compare(&ok, &out(2.5)).is_err());
}

/// Inputs sitting exactly on a split threshold only reproduce scikit-learn when JSON numbers are parsed to the
/// nearest f64 (serde_json's `float_roundtrip` feature); without it some parse one ulp off and flip a split.
#[test]
fn json_numbers_parse_to_the_nearest_f64() {
    for s in [
        "0.048350000000000004",
        "0.049229999999999996",
        "0.04834999889135361",
        "2.2250738585072014e-308",
        "0.30000000000000004",
    ] {
        let parsed: f64 = serde_json::from_str(s).unwrap_or(f64::NAN);
        let exact: f64 = s.parse().unwrap_or(f64::NAN);
        assert_eq!(
            parsed.to_bits(),
            exact.to_bits(),
            "serde_json parsed {s} as {parsed:e}"
        );
    }
}
