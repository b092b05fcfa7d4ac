//! A large batch split across cores (`model::parallel`) predicts exactly what the same rows predict in
//! small single-threaded pieces: same labels, same probabilities to the bit, rows in order, text
//! (categorical) cells included. Models: the shipped pipeline, an XGBoost and a LightGBM wrapper.
//! The first call measures the model's cost per row; the second, split, must equal it and the pieces.

#[path = "common/fixtures.rs"]
mod fixtures;

use std::path::Path;

use ndarray::{concatenate, Axis};
use predict_worker::model::parallel::{parts_for, MIN_ROWS_PER_PART};
use predict_worker::model::{load_model, Batch, LoadLimits, Output};
use serde_json::Value;

/// The row with its first numeric cell moved by a per-row amount.
fn nudged(row: &Value, i: usize) -> Value {
    let mut row = row.clone();
    let cells: Vec<&mut Value> = match &mut row {
        Value::Object(map) => map.values_mut().collect(),
        Value::Array(cells) => cells.iter_mut().collect(),
        _ => Vec::new(),
    };
    if let Some(cell) = cells.into_iter().find(|c| c.is_f64() || c.is_i64()) {
        let x = cell.as_f64().unwrap_or(0.0);
        *cell = serde_json::json!(x * (1.0 + (i % 89) as f64 * 0.01));
    }
    row
}

fn check(model_path: &Path, rows: &[Value]) {
    let model = load_model(model_path, &LoadLimits::default()).expect("model loads");
    let names: Option<Vec<String>> = model.feature_names().map(|n| n.to_vec());
    // No two neighbouring rows alike, so a part joined out of order cannot go unnoticed.
    let many: Vec<Value> = rows
        .iter()
        .cycle()
        .take(3001)
        .enumerate()
        .map(|(i, row)| nudged(row, i))
        .collect();
    let whole = fixtures::batch_from_rows(&many, names.as_deref()).expect("batch");
    // The first call runs on one thread and measures the model's cost per row; 3,001 rows of these
    // models take well over `MIN_PARALLEL_WORK`, so the second call is split.
    let first = model.predict(&whole).expect("whole batch predicts");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(
        model.parallel_parts(whole.n_rows()),
        parts_for(whole.n_rows(), cores)
    );
    assert!(
        cores == 1 || model.parallel_parts(whole.n_rows()) > 1,
        "3,001 rows on {cores} cores should be split"
    );
    let together = model.predict(&whole).expect("whole batch predicts again");
    assert_eq!(together, first, "split and unsplit calls differ");
    // The same rows in pieces too small to split, joined by hand.
    let pieces: Vec<Output> = many
        .chunks(MIN_ROWS_PER_PART - 1)
        .map(|chunk| {
            let b: Batch = fixtures::batch_from_rows(chunk, names.as_deref()).expect("piece");
            model.predict(&b).expect("piece predicts")
        })
        .collect();
    match together {
        Output::Classification {
            predicted,
            probabilities,
            ..
        } => {
            let mut want_labels = Vec::new();
            let mut want_proba = Vec::new();
            for p in pieces {
                let Output::Classification {
                    predicted,
                    probabilities,
                    ..
                } = p
                else {
                    panic!("a piece is not a classification")
                };
                want_labels.extend(predicted);
                want_proba.extend(probabilities);
            }
            assert_eq!(predicted, want_labels, "{}", model_path.display());
            if let Some(proba) = probabilities {
                let views: Vec<_> = want_proba.iter().map(|p| p.view()).collect();
                let want = concatenate(Axis(0), &views).unwrap();
                assert_eq!(proba, want, "{}", model_path.display());
            }
        }
        Output::Regression { .. } => panic!("these fixtures are classifiers"),
    }
}

#[test]
fn the_shipped_model_predicts_the_same_split_or_not() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("outputs/best_model.sample.jsonl")).unwrap();
    let rows: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["features"].clone())
        .collect();
    check(&root.join("outputs/best_model.pkl"), &rows);
}

#[test]
fn gradient_boosting_libraries_predict_the_same_split_or_not() {
    for name in ["gbm/xgb_bench_100", "gbm/lgbm_bench_100"] {
        let fx = fixtures::fixture(name).expect("fixture");
        check(&fx.model_path, &fx.manifest.inputs);
    }
}
