//! Every committed scikit-learn fixture whose final estimator is a linear model (LinearRegression,
//! Ridge, Lasso, ElasticNet, LogisticRegression, SGD*), which also exercises the scalers, imputers,
//! encoders, ColumnTransformer, Pipeline and search wrappers in front of them: labels must be
//! identical and values/probabilities within 1e-9 relative of scikit-learn's.

use std::path::Path;
use std::sync::Arc;

use ndarray::Array2;
use predict_worker::model::{load_model, Batch, LoadLimits, Output};
use serde_json::Value as Json;

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) || (a - b).abs() < 1e-12
}

fn batch(rows: &[Json], names: Option<&[String]>) -> Batch {
    let rows: Vec<Vec<Json>> = rows
        .iter()
        .map(|r| match r {
            Json::Array(a) => a.clone(),
            Json::Object(o) => names
                .expect("named rows need feature names")
                .iter()
                .map(|n| {
                    // A feature missing from a fixture row is a broken fixture, not a NaN.
                    o.get(n.as_str())
                        .cloned()
                        .unwrap_or_else(|| panic!("row {o:?} has no feature {n:?}"))
                })
                .collect(),
            other => panic!("bad row {other}"),
        })
        .collect();
    let w = rows.first().map_or(0, Vec::len);
    assert!(
        rows.iter().all(|r| r.len() == w),
        "rows of different lengths"
    );
    let mut values = Array2::from_elem((rows.len(), w), f64::NAN);
    let mut text = Array2::from_elem((rows.len(), w), None);
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            match v {
                Json::Number(x) => values[[r, c]] = x.as_f64().unwrap(),
                Json::String(s) => text[[r, c]] = Some(Arc::<str>::from(s.as_str())),
                Json::Bool(b) => values[[r, c]] = f64::from(u8::from(*b)),
                Json::Null => {}
                other => panic!("row {r} column {c}: {other} is not a cell value"),
            }
        }
    }
    let any = text.iter().any(Option::is_some);
    Batch {
        values,
        text: any.then(|| text.into()),
    }
}

/// Compare one fixture; returns the mismatches.
fn check(dir: &Path, case: &Json) -> Vec<String> {
    let path = dir.join(case["model"].as_str().unwrap());
    let model = match load_model(&path, &LoadLimits::default()) {
        Ok(m) => m,
        Err(e) => return vec![format!("load: {e}")],
    };
    let x = batch(
        case["inputs"].as_array().unwrap(),
        model.feature_names().map(|n| &n[..]),
    );
    let out = match model.predict(&x) {
        Ok(o) => o,
        Err(e) => return vec![format!("predict: {e}")],
    };
    let mut bad = Vec::new();
    let want = case["predict"].as_array().unwrap();
    if want.len() != case["inputs"].as_array().unwrap().len() {
        return vec![format!(
            "{} inputs but {} expected outputs",
            case["inputs"].as_array().unwrap().len(),
            want.len()
        )];
    }
    match out {
        Output::Classification {
            classes,
            predicted,
            probabilities,
        } => {
            if predicted.len() != want.len() {
                bad.push(format!(
                    "{} labels, scikit-learn {}",
                    predicted.len(),
                    want.len()
                ));
            }
            for (i, (p, w)) in predicted.iter().zip(want).enumerate() {
                let got = serde_json::to_value(&classes[*p]).unwrap();
                // serde_json compares number types too: 1 is not 1.0.
                if &got != w {
                    bad.push(format!("row {i}: label {got}, scikit-learn {w}"));
                }
            }
            match (probabilities, case["predict_proba"].as_array()) {
                (Some(p), Some(w)) => {
                    if p.nrows() != w.len() {
                        bad.push(format!(
                            "{} probability rows, scikit-learn {}",
                            p.nrows(),
                            w.len()
                        ));
                    }
                    for (i, row) in w.iter().enumerate().take(p.nrows()) {
                        let row = row.as_array().unwrap();
                        if p.ncols() != row.len() {
                            bad.push(format!(
                                "row {i}: {} probabilities, scikit-learn {}",
                                p.ncols(),
                                row.len()
                            ));
                            continue;
                        }
                        for (j, v) in row.iter().enumerate() {
                            let v = v.as_f64().unwrap();
                            if !close(p[[i, j]], v) {
                                bad.push(format!("proba[{i},{j}] {} vs {v}", p[[i, j]]));
                            }
                        }
                    }
                }
                (None, None) => {}
                (p, w) => bad.push(format!(
                    "probabilities: ours {}, scikit-learn {}",
                    p.is_some(),
                    w.is_some()
                )),
            }
        }
        Output::Regression { values } => {
            if values.nrows() != want.len() {
                bad.push(format!(
                    "{} value rows, scikit-learn {}",
                    values.nrows(),
                    want.len()
                ));
            }
            for (i, w) in want.iter().enumerate().take(values.nrows()) {
                let w: Vec<f64> = match w {
                    Json::Array(a) => a.iter().map(|v| v.as_f64().unwrap()).collect(),
                    v => vec![v.as_f64().unwrap()],
                };
                if values.ncols() != w.len() {
                    bad.push(format!(
                        "row {i}: {} outputs, scikit-learn {}",
                        values.ncols(),
                        w.len()
                    ));
                    continue;
                }
                for (j, v) in w.iter().enumerate() {
                    if !close(values[[i, j]], *v) {
                        bad.push(format!("value[{i},{j}] {} vs {v}", values[[i, j]]));
                    }
                }
            }
        }
    }
    bad
}

#[test]
fn linear_fixtures_match_scikit_learn() {
    for version in ["1.9.1", "1.3.2"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(format!("sklearn-{version}"));
        let mut checked = 0;
        let mut failures = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let case: Json =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            if !case["final_estimator"]
                .as_str()
                .is_some_and(|f| f.contains(".linear_model."))
            {
                continue;
            }
            checked += 1;
            let bad = check(&dir, &case);
            if !bad.is_empty() {
                failures.push(format!(
                    "{}: {:?}",
                    path.display(),
                    &bad[..bad.len().min(3)]
                ));
            }
        }
        assert!(
            checked >= 25,
            "only {checked} linear fixtures found for {version}"
        );
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
