//! Criterion micro-benchmarks of request parsing on the shipped model's schema (its rows hold a string
//! category, so they go by name): one row and 100 rows, keys in the model's order or sorted, to show the
//! per-row parsing cost beside `predict`.
//! Part of `cargo bench --bench predict` (`cargo bench --bench predict -- parse/` for these alone).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput};
use predict_worker::model::{load_model, LoadLimits};
use predict_worker::protocol::{parse, Schema};
use serde_json::{json, Value};

/// A named request body and the rows it holds.
type Body = (&'static str, usize, Vec<u8>);

fn bodies() -> Result<(Schema, Vec<Body>), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = load_model(&root.join("outputs/best_model.pkl"), &LoadLimits::default())
        .map_err(|e| e.to_string())?;
    let schema = Schema::for_model(&model, 10_000, 16 << 20);
    let text = std::fs::read_to_string(root.join("outputs/best_model.sample.jsonl"))
        .map_err(|e| e.to_string())?;
    let named: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).map(|v| v["features"].clone()))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let names = model
        .feature_names()
        .ok_or("the shipped model has no feature names")?;
    // A row as Python's json.dumps writes a dict: keys in insertion order (here the model's), or sorted
    // (`sort_keys=True`, and serde_json's own maps), which defeats the next-column hint.
    let row_text = |row: &Value, sorted: bool| -> String {
        let mut keys: Vec<&str> = names.iter().map(String::as_str).collect();
        if sorted {
            keys.sort_unstable();
        }
        let cells: Vec<String> = keys
            .iter()
            .map(|k| format!("{}:{}", json!(k), row[*k]))
            .collect();
        format!("{{{}}}", cells.join(","))
    };
    let body = |rows: usize, sorted: bool| -> Vec<u8> {
        let rows: Vec<String> = named
            .iter()
            .cycle()
            .take(rows)
            .map(|r| row_text(r, sorted))
            .collect();
        format!(r#"{{"id":"b","instances":[{}]}}"#, rows.join(",")).into_bytes()
    };
    Ok((
        schema,
        vec![
            ("1_row_named", 1, body(1, false)),
            ("100_rows_named", 100, body(100, false)),
            ("100_rows_named_sorted_keys", 100, body(100, true)),
        ],
    ))
}

pub fn benches(c: &mut Criterion) {
    let (schema, bodies) = match bodies() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("SKIPPED parse: the shipped model or its sample rows do not load: {e}");
            return;
        }
    };
    let mut group = c.benchmark_group("parse/shipped_model");
    for (name, rows, body) in &bodies {
        assert!(
            parse(body, Some("application/json"), &schema).is_ok(),
            "{name} parses"
        );
        group.throughput(Throughput::Elements(*rows as u64));
        group.bench_function(*name, |b| {
            b.iter(|| parse(black_box(body), Some("application/json"), &schema).is_ok())
        });
    }
    group.finish();
}
