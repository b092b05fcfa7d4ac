//! Shared helpers for the scikit-learn exactness fixtures: find the manifests under `tests/fixtures/sklearn-*/`,
//! turn their wire-format input rows into a `Batch`, and compare a model's `Output` with scikit-learn's.
#![allow(dead_code)] // each test/bench target uses a different subset

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::Array2;
use predict_worker::model::{load_model, Batch, LoadLimits, Model, Output};
use serde::Deserialize;
use serde_json::Value;

/// Load a fixture's model, predict its input rows and compare the answers with scikit-learn's, then
/// check that `Model::classes()` (what `inspect` reports) is scikit-learn's `classes_`. The model is
/// returned for each suite's own further checks. `Err` holds the first mismatch.
pub fn load_predict_compare(fx: &Fixture) -> Result<Model, String> {
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
    let want = m.classes.clone().map(Value::Array);
    if classes != want {
        return Err(format!(
            "predictions match, but Model::classes() is {classes:?}, scikit-learn's classes_ are {want:?}"
        ));
    }
    Ok(model)
}

/// Relative tolerance for probabilities and regression values (issue 2, "Exactness").
pub const REL_TOL: f64 = 1e-9;
/// Absolute floor so values that should be 0 may differ by rounding noise.
pub const ABS_TOL: f64 = 1e-12;

/// One `<name>.json` manifest written by `python/make_fixtures.py`.
#[derive(Debug, Deserialize)]
pub struct Manifest {
    pub model: String,
    pub sklearn_version: String,
    pub format: String,
    pub protocol: u8,
    pub compression: Option<String>,
    pub estimator: String,
    pub kind: String,
    pub inputs: Vec<Value>,
    pub predict: Vec<Value>,
    pub predict_proba: Option<Vec<Vec<f64>>>,
    pub classes: Option<Vec<Value>>,
}

/// A manifest with where it was found.
#[derive(Debug)]
pub struct Fixture {
    /// `sklearn-1.9.1/logreg_binary_pickle_p4`: how failures name the fixture.
    pub name: String,
    pub model_path: PathBuf,
    pub manifest: Manifest,
}

pub fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

/// The `sklearn-*` directories, sorted.
pub fn version_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_root())
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.is_dir()
                        && p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("sklearn-"))
                })
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// Every `*.json` manifest path in the `sklearn-*` directories, sorted.
pub fn manifest_paths() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in version_dirs() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        out.extend(files);
    }
    out
}

/// Read one manifest. The error names the file.
pub fn read_fixture(path: &Path) -> Result<Fixture, String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = format!(
        "{}/{}",
        dir.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
        path.file_stem().and_then(|n| n.to_str()).unwrap_or("?")
    );
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| format!("{name}: bad manifest: {e}"))?;
    Ok(Fixture {
        model_path: dir.join(&manifest.model),
        name,
        manifest,
    })
}

/// Find a fixture by its name (`sklearn-1.9.1/random_forest_classifier_pickle_p5`).
pub fn fixture(name: &str) -> Result<Fixture, String> {
    read_fixture(&fixtures_root().join(format!("{name}.json")))
}

fn cell_number(v: &Value, row: usize, col: &str) -> Result<f64, String> {
    match v {
        Value::Null => Ok(f64::NAN),
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| format!("input row {row}, column {col}: number {n} is not an f64")),
        other => Err(format!(
            "input row {row}, column {col}: expected a number or null, got {other}"
        )),
    }
}

/// Turn wire-format rows into a `Batch`: positional rows map to columns in order (null -> NaN); rows keyed by
/// feature name are ordered by `feature_names`, and string cells go to `Batch.text` (with NaN in `values`).
pub fn batch_from_rows(rows: &[Value], feature_names: Option<&[String]>) -> Result<Batch, String> {
    let Some(first) = rows.first() else {
        return Err("the fixture has no input rows".into());
    };
    match first {
        Value::Array(first_row) => {
            let width = first_row.len();
            let mut values = Array2::<f64>::zeros((rows.len(), width));
            for (r, row) in rows.iter().enumerate() {
                let cells = row
                    .as_array()
                    .ok_or_else(|| format!("input row {r} is not a list like row 0"))?;
                if cells.len() != width {
                    return Err(format!(
                        "input row {r} has {} cells, row 0 has {width}",
                        cells.len()
                    ));
                }
                for (c, v) in cells.iter().enumerate() {
                    values[(r, c)] = cell_number(v, r, &c.to_string())?;
                }
            }
            Ok(Batch::numeric(values))
        }
        Value::Object(_) => {
            let names = feature_names.ok_or(
                "rows are keyed by feature name but the loaded model reports no feature_names()",
            )?;
            let mut values = Array2::<f64>::from_elem((rows.len(), names.len()), f64::NAN);
            let mut text = Array2::<Option<Arc<str>>>::from_elem((rows.len(), names.len()), None);
            let mut any_text = false;
            for (r, row) in rows.iter().enumerate() {
                let obj = row
                    .as_object()
                    .ok_or_else(|| format!("input row {r} is not an object like row 0"))?;
                if obj.len() != names.len() {
                    return Err(format!(
                        "input row {r} has {} features, the model names {}: {names:?}",
                        obj.len(),
                        names.len()
                    ));
                }
                for (c, name) in names.iter().enumerate() {
                    let v = obj.get(name).ok_or_else(|| {
                        format!("input row {r} lacks feature {name:?} that the model names")
                    })?;
                    if let Value::String(s) = v {
                        text[(r, c)] = Some(Arc::from(s.as_str()));
                        any_text = true;
                    } else {
                        values[(r, c)] = cell_number(v, r, name)?;
                    }
                }
            }
            Ok(Batch {
                values,
                text: any_text.then(|| text.into()),
            })
        }
        other => Err(format!(
            "input row 0 is neither a list nor an object: {other}"
        )),
    }
}

/// Are two floats equal within the fixture tolerance?
pub fn close(got: f64, want: f64) -> bool {
    if got == want {
        return true;
    }
    let diff = (got - want).abs();
    diff <= (REL_TOL * got.abs().max(want.abs())).max(ABS_TOL)
}

/// Compare a model output with scikit-learn's, returning the first mismatch.
pub fn compare(manifest: &Manifest, output: &Output) -> Result<(), String> {
    let n = manifest.inputs.len();
    if output.n_rows() != n {
        return Err(format!(
            "{} output rows for {n} input rows",
            output.n_rows()
        ));
    }
    match (manifest.kind.as_str(), output) {
        (
            "classifier",
            Output::Classification {
                classes,
                predicted,
                probabilities,
            },
        ) => {
            let got_classes: Vec<Value> = classes
                .iter()
                .map(|c| serde_json::to_value(c).unwrap_or(Value::Null))
                .collect();
            if let Some(want) = &manifest.classes {
                if &got_classes != want {
                    return Err(format!(
                        "classes: got {}, scikit-learn has {}",
                        Value::Array(got_classes),
                        Value::Array(want.clone())
                    ));
                }
            }
            for (r, (&idx, want)) in predicted.iter().zip(&manifest.predict).enumerate() {
                let got = got_classes.get(idx).cloned().ok_or_else(|| {
                    format!(
                        "row {r}: predicted class index {idx} but there are {} classes",
                        got_classes.len()
                    )
                })?;
                if &got != want {
                    return Err(format!(
                        "row {r}: label {got}, scikit-learn predicts {want}"
                    ));
                }
            }
            match (&manifest.predict_proba, probabilities) {
                (None, None) => Ok(()),
                (None, Some(_)) => Err(
                    "returned probabilities, but scikit-learn has no predict_proba for this model"
                        .into(),
                ),
                (Some(_), None) => Err("no probabilities, scikit-learn has predict_proba".into()),
                (Some(want), Some(got)) => compare_matrix("probability", want, got),
            }
        }
        ("regressor", Output::Regression { values }) => {
            let want: Vec<Vec<f64>> = manifest
                .predict
                .iter()
                .map(|v| match v {
                    Value::Number(x) => x.as_f64().map(|x| vec![x]),
                    Value::Array(xs) => xs.iter().map(Value::as_f64).collect(),
                    _ => None,
                })
                .enumerate()
                .map(|(r, v)| v.ok_or_else(|| format!("manifest predict[{r}] is not numeric")))
                .collect::<Result<_, _>>()?;
            compare_matrix("value", &want, values)
        }
        (kind, Output::Classification { .. }) => Err(format!(
            "returned a classification, scikit-learn's model is a {kind}"
        )),
        (kind, Output::Regression { .. }) => Err(format!(
            "returned a regression, scikit-learn's model is a {kind}"
        )),
    }
}

fn compare_matrix(what: &str, want: &[Vec<f64>], got: &Array2<f64>) -> Result<(), String> {
    let cols = want.first().map_or(0, Vec::len);
    if got.nrows() != want.len() || got.ncols() != cols {
        return Err(format!(
            "{what} shape {:?}, scikit-learn's is ({}, {cols})",
            got.dim(),
            want.len()
        ));
    }
    for (r, row) in want.iter().enumerate() {
        for (c, &w) in row.iter().enumerate() {
            let g = got[(r, c)];
            if !close(g, w) {
                return Err(format!(
                    "row {r} {what}[{c}]: {g:e}, scikit-learn {w:e} (diff {:e})",
                    (g - w).abs()
                ));
            }
        }
    }
    Ok(())
}
