//! Bench input rows: sample requests (JSONL, default `<model>.sample.jsonl` next to the model) as
//! JSON rows for broker mode and as a `Batch` for offline mode.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::Array2;
use serde_json::Value;

use crate::model::{Batch, Model, TextCells};

/// The default sample file for a model: `outputs/best_model.pkl` → `outputs/best_model.sample.jsonl`.
pub fn default_samples(model: &Path) -> PathBuf {
    let stem = model
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    model.with_file_name(format!("{stem}.sample.jsonl"))
}

/// The `features` rows of a JSONL file of requests (batches contribute every instance).
pub fn load(path: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read sample requests {}: {e}", path.display()))?;
    let mut rows = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| format!("{} line {}: {e}", path.display(), i + 1))?;
        match (v.get("features"), v.get("instances")) {
            (Some(row), _) => rows.push(row.clone()),
            (None, Some(Value::Array(batch))) => rows.extend(batch.iter().cloned()),
            _ => {
                return Err(format!(
                    "{} line {}: no features or instances",
                    path.display(),
                    i + 1
                ))
            }
        }
    }
    if rows.is_empty() {
        return Err(format!("{} holds no rows", path.display()));
    }
    Ok(rows)
}

/// Zero rows of the model's width, when no sample file exists (numeric models only).
pub fn zeros(model: &Model, n: usize) -> Result<Vec<Value>, String> {
    let width = model
        .n_features_in()
        .ok_or("the model does not record its feature count; pass --input with sample requests")?;
    Ok(vec![Value::from(vec![0.0; width]); n.max(1)])
}

/// Build a `Batch` of `n` rows, cycling through `rows`. Named rows follow the model's feature names.
pub fn batch(model: &Model, rows: &[Value], n: usize) -> Result<Batch, String> {
    if rows.is_empty() {
        return Err("no sample rows".into());
    }
    let names = model.feature_names().cloned();
    let width = match (&names, rows.first()) {
        (Some(names), _) => names.len(),
        (None, Some(Value::Array(a))) => a.len(),
        _ => return Err("named sample rows need a model with feature_names_in_".into()),
    };
    let mut values = Array2::from_elem((n, width), f64::NAN);
    let mut text: Option<TextCells> = None;
    for r in 0..n {
        let row = &rows[r % rows.len()];
        for c in 0..width {
            let cell = match (row, &names) {
                (Value::Array(a), _) => a.get(c),
                (Value::Object(m), Some(names)) => names.get(c).and_then(|k| m.get(k)),
                _ => {
                    return Err(format!(
                        "sample row {} is neither an array nor named features",
                        r % rows.len()
                    ))
                }
            };
            match cell {
                Some(Value::Number(x)) => values[(r, c)] = x.as_f64().unwrap_or(f64::NAN),
                Some(Value::String(s)) => {
                    let t = text.get_or_insert_with(|| TextCells::new(n, width));
                    t.set(r, c, Arc::from(s.as_str()));
                }
                Some(Value::Bool(b)) => values[(r, c)] = f64::from(u8::from(*b)),
                _ => {}
            }
        }
    }
    Ok(Batch { values, text })
}
