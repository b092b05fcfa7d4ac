//! Tree-family models pickled by real scikit-learn (1.9.1 and 1.3.2) under `tests/data/trees/`,
//! each with its query rows (NaN, split-threshold boundaries, unknown categories) and scikit-learn's
//! `predict`/`predict_proba` output. Labels must match exactly, numbers within 1e-9 relative.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::Array2;
use predict_worker::model::{load_model, Batch, LoadLimits, Output};
use serde_json::Value;

fn data_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/trees");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn close(a: f64, e: f64, rtol: f64) -> bool {
    (a - e).abs() <= rtol * e.abs() + 1e-15 || (a.is_nan() && e.is_nan())
}

/// An expected number: a JSON number, or null for NaN. Anything else is a broken fixture.
fn number(v: &Value) -> Result<f64, String> {
    match v {
        Value::Null => Ok(f64::NAN),
        Value::Number(n) => n.as_f64().ok_or_else(|| format!("{n} is not an f64")),
        other => Err(format!("expected a number, the fixture has {other}")),
    }
}

/// JSON rows to a batch: numbers, null as NaN, strings as text cells (categorical values).
fn batch(rows: &[Value], n_cols: usize) -> Batch {
    let values = Array2::from_shape_fn((rows.len(), n_cols), |(r, c)| {
        rows[r][c].as_f64().unwrap_or(f64::NAN)
    });
    let text = Array2::from_shape_fn((rows.len(), n_cols), |(r, c)| {
        rows[r][c].as_str().map(Arc::<str>::from)
    });
    let has_text = text.iter().any(Option::is_some);
    Batch {
        values,
        text: has_text.then(|| text.into()),
    }
}

/// Check one case; returns a description of the first mismatch.
fn check(pkl: &Path) -> Result<usize, String> {
    let json_path = pkl.with_extension("json");
    let text = std::fs::read_to_string(&json_path).map_err(|e| format!("{e}"))?;
    let case: Value = serde_json::from_str(&text).map_err(|e| format!("{e}"))?;
    let rows = case["X"].as_array().ok_or("no X")?;
    // 1e-9 unless the case documents why scikit-learn itself is less precise (float32 init_ models).
    let rtol = case["rtol"].as_f64().unwrap_or(1e-9);
    let n_cols = rows.first().and_then(Value::as_array).map_or(0, Vec::len);
    if let Some(r) = rows
        .iter()
        .position(|r| r.as_array().map(Vec::len) != Some(n_cols))
    {
        return Err(format!("query row {r} is not a list of {n_cols} values"));
    }
    let model = load_model(pkl, &LoadLimits::default()).map_err(|e| format!("load: {e}"))?;
    let out = model
        .predict(&batch(rows, n_cols))
        .map_err(|e| format!("predict: {e}"))?;
    let expected = case["predict"].as_array().ok_or("no predict")?;
    if expected.len() != rows.len() {
        return Err(format!(
            "{} rows but {} expected outputs",
            rows.len(),
            expected.len()
        ));
    }
    match out {
        Output::Classification {
            classes,
            predicted,
            probabilities,
        } => {
            if predicted.len() != expected.len() {
                return Err(format!(
                    "{} labels for {} rows",
                    predicted.len(),
                    expected.len()
                ));
            }
            for (r, (p, e)) in predicted.iter().zip(expected).enumerate() {
                let got = serde_json::to_value(&classes[*p]).map_err(|e| e.to_string())?;
                // Exactly: same value and same JSON type (1 is not 1.0, "1" is not 1).
                if got != *e {
                    return Err(format!("row {r}: predicted {got}, scikit-learn {e}"));
                }
            }
            let proba = probabilities.ok_or("no probabilities")?;
            let want = case["proba"].as_array().ok_or("no proba")?;
            if proba.nrows() != want.len() {
                return Err(format!(
                    "{} probability rows, scikit-learn {}",
                    proba.nrows(),
                    want.len()
                ));
            }
            for (r, row) in want.iter().enumerate() {
                let row = row.as_array().ok_or("bad proba")?;
                if proba.ncols() != row.len() {
                    return Err(format!(
                        "row {r}: {} probabilities, scikit-learn {}",
                        proba.ncols(),
                        row.len()
                    ));
                }
                for (c, e) in row.iter().enumerate() {
                    let e = number(e).map_err(|m| format!("row {r} class {c}: {m}"))?;
                    let a = proba[(r, c)];
                    if !close(a, e, rtol) {
                        return Err(format!(
                            "row {r} class {c}: proba {a:e}, scikit-learn {e:e}"
                        ));
                    }
                }
            }
        }
        Output::Regression { values } => {
            if values.nrows() != expected.len() {
                return Err(format!(
                    "{} value rows, scikit-learn {}",
                    values.nrows(),
                    expected.len()
                ));
            }
            for (r, e) in expected.iter().enumerate() {
                // One output is a number per row; several are a list per row. Every column is compared.
                let want: Vec<&Value> = match e {
                    Value::Array(a) => a.iter().collect(),
                    v => vec![v],
                };
                if values.ncols() != want.len() {
                    return Err(format!(
                        "row {r}: {} outputs, scikit-learn {}",
                        values.ncols(),
                        want.len()
                    ));
                }
                for (c, e) in want.into_iter().enumerate() {
                    let e = number(e).map_err(|m| format!("row {r} output {c}: {m}"))?;
                    let a = values[(r, c)];
                    if !close(a, e, rtol) {
                        return Err(format!(
                            "row {r} output {c}: value {a:e}, scikit-learn {e:e}"
                        ));
                    }
                }
            }
        }
    }
    Ok(expected.len())
}

#[test]
fn tree_models_match_scikit_learn() {
    let mut failures = Vec::new();
    let mut cases = 0;
    let mut rows = 0;
    for dir in data_dirs() {
        let mut pkls: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("read dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "pkl"))
            .collect();
        pkls.sort();
        for pkl in pkls {
            cases += 1;
            match check(&pkl) {
                Ok(n) => rows += n,
                Err(e) => failures.push(format!("{}: {e}", pkl.display())),
            }
        }
    }
    assert!(
        cases >= 40,
        "expected the tree cases under tests/data/trees, found {cases}"
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{cases} cases, {rows} rows identical to scikit-learn");
}

/// HistGradientBoosting's `_preprocessor` encodes an unseen category as NaN, so it predicts as missing.
#[test]
fn unknown_string_category_predicts_as_missing() {
    let pkl = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/trees/sklearn-1.9.1/hgb_from_dtype_multi.pkl");
    let model = load_model(&pkl, &LoadLimits::default()).expect("load");
    let rows: Vec<Value> = serde_json::from_str(
        r#"[[0.3, "purple", "M", 0.2], [0.3, null, "M", 0.2], [0.3, "red", "M", 0.2]]"#,
    )
    .expect("json");
    let Output::Classification {
        probabilities: Some(p),
        ..
    } = model.predict(&batch(&rows, 4)).expect("predict")
    else {
        panic!("expected a classifier");
    };
    assert_eq!(p.row(0), p.row(1));
    assert_ne!(p.row(0), p.row(2));
    let bad: Vec<Value> = serde_json::from_str(r#"[[0.3, 2.0, "M", 0.2]]"#).expect("json");
    let err = model.predict(&batch(&bad, 4)).unwrap_err();
    assert_eq!(err.code(), "bad_value", "{err}");
}
