//! Criterion micro-benchmarks of request parsing on the shipped model's schema (its rows hold a string
//! category, so they go by name): one row and 100 rows, to show the per-row parsing cost beside `predict`.
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
    let hundred =
        |rows: &[Value]| -> Vec<Value> { rows.iter().cycle().take(100).cloned().collect() };
    let body = |v: Value| serde_json::to_vec(&v).expect("JSON");
    Ok((
        schema,
        vec![
            (
                "1_row_named",
                1,
                body(json!({"id": "b", "features": named[0]})),
            ),
            (
                "100_rows_named",
                100,
                body(json!({"id": "b", "instances": hundred(&named)})),
            ),
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
