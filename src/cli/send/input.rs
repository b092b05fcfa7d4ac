//! Producer input: a CSV with a header (named features), JSONL requests, or a JSON array of
//! requests or rows, turned into request bodies per docs/protocol.md.

use serde_json::{Map, Value};

/// Input formats `send` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Jsonl,
    Json,
}

/// Why the input could not be turned into requests.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{source_name}: CSV record {record}: {message}")]
    Csv {
        source_name: String,
        record: usize,
        message: String,
    },
    #[error("{source_name}: line {line}: not a JSON object: {message}")]
    Jsonl {
        source_name: String,
        line: usize,
        message: String,
    },
    #[error("{source_name}: {message}")]
    Json {
        source_name: String,
        message: String,
    },
}

/// Guess the format from the file extension, else from the first non-blank byte
/// (`[` JSON array, `{` JSONL, anything else CSV).
pub fn detect(name: &str, text: &str) -> Format {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".csv") {
        return Format::Csv;
    }
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        return Format::Jsonl;
    }
    if lower.ends_with(".json") {
        return Format::Json;
    }
    match text.trim_start().as_bytes().first() {
        Some(b'[') => Format::Json,
        Some(b'{') => Format::Jsonl,
        _ => Format::Csv,
    }
}

/// Turn the whole input into request bodies, in input order.
/// Rows (CSV records, bare rows in a JSON array) are grouped `rows_per_message` to a message:
/// one row gives `{"id": n, "features": row}`, more give `{"id": n, "instances": [...]}`, where `n`
/// counts messages from 1. Complete requests (JSONL lines, objects with `features`/`instances`)
/// are sent unchanged.
pub fn parse(
    source_name: &str,
    text: &str,
    format: Format,
    rows_per_message: usize,
) -> Result<Vec<Value>, InputError> {
    let rows_per_message = rows_per_message.max(1);
    match format {
        Format::Csv => Ok(group(csv_rows(source_name, text)?, rows_per_message, 0)),
        Format::Jsonl => jsonl(source_name, text),
        Format::Json => json_array(source_name, text, rows_per_message),
    }
}

fn is_request(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| m.contains_key("features") || m.contains_key("instances"))
}

fn group(rows: Vec<Value>, per: usize, first_id: usize) -> Vec<Value> {
    let mut out = Vec::with_capacity(rows.len().div_ceil(per));
    let mut rows = rows.into_iter().peekable();
    let mut id = first_id;
    while rows.peek().is_some() {
        id += 1;
        let chunk: Vec<Value> = rows.by_ref().take(per).collect();
        let mut msg = Map::new();
        msg.insert("id".into(), Value::from(id));
        if per == 1 {
            if let Some(row) = chunk.into_iter().next() {
                msg.insert("features".into(), row);
            }
        } else {
            msg.insert("instances".into(), Value::Array(chunk));
        }
        out.push(Value::Object(msg));
    }
    out
}

/// A CSV cell: a number when it parses as one, `null` when empty, otherwise the text.
pub fn cell(text: &str) -> Value {
    let t = text.trim();
    if t.is_empty() {
        return Value::Null;
    }
    if let Ok(i) = t.parse::<i64>() {
        return Value::from(i);
    }
    match t.parse::<f64>() {
        // JSON has no NaN/inf: those stay missing or text.
        Ok(f) if f.is_finite() => Value::from(f),
        Ok(f) if f.is_nan() => Value::Null,
        _ => Value::String(text.to_string()),
    }
}

fn csv_rows(source_name: &str, text: &str) -> Result<Vec<Value>, InputError> {
    let err = |record: usize, message: String| InputError::Csv {
        source_name: source_name.to_string(),
        record,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| err(0, format!("cannot read the header: {e}")))?
        .clone();
    if headers.is_empty() || headers.iter().all(|h| h.trim().is_empty()) {
        return Err(err(
            0,
            "the header row is empty; the first row must name the features".into(),
        ));
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| err(i + 1, e.to_string()))?;
        let mut row = Map::new();
        for (name, value) in headers.iter().zip(record.iter()) {
            row.insert(name.trim().to_string(), cell(value));
        }
        rows.push(Value::Object(row));
    }
    Ok(rows)
}

fn jsonl(source_name: &str, text: &str) -> Result<Vec<Value>, InputError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let err = |message: String| InputError::Jsonl {
            source_name: source_name.to_string(),
            line: i + 1,
            message,
        };
        let v: Value = serde_json::from_str(line).map_err(|e| err(e.to_string()))?;
        if !v.is_object() {
            return Err(err("each line must be one request object".into()));
        }
        out.push(v);
    }
    Ok(out)
}

fn json_array(source_name: &str, text: &str, per: usize) -> Result<Vec<Value>, InputError> {
    let err = |message: String| InputError::Json {
        source_name: source_name.to_string(),
        message,
    };
    let v: Value = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
    let Value::Array(items) = v else {
        return Err(err("expected a JSON array of requests or rows".into()));
    };
    // Requests pass through; runs of bare rows between them are grouped into messages.
    let mut out = Vec::with_capacity(items.len());
    let mut rows = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if is_request(&item) {
            let n = out.len();
            out.extend(group(std::mem::take(&mut rows), per, n));
            out.push(item);
        } else if item.is_array() || item.is_object() {
            rows.push(item);
        } else {
            return Err(err(format!(
                "element {i} is neither a request object nor a row (array or object)"
            )));
        }
    }
    let n = out.len();
    out.extend(group(rows, per, n));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_named_features() {
        let text = "a,b,c\n1,2.5,x\n,nan,\"hello, world\"\n";
        let got = parse("t.csv", text, Format::Csv, 1).unwrap();
        assert_eq!(
            got,
            vec![
                json!({"id": 1, "features": {"a": 1, "b": 2.5, "c": "x"}}),
                json!({"id": 2, "features": {"a": null, "b": null, "c": "hello, world"}}),
            ]
        );
    }

    #[test]
    fn csv_batches() {
        let text = "a\n1\n2\n3\n";
        let got = parse("-", text, Format::Csv, 2).unwrap();
        assert_eq!(
            got,
            vec![
                json!({"id": 1, "instances": [{"a": 1}, {"a": 2}]}),
                json!({"id": 2, "instances": [{"a": 3}]}),
            ]
        );
    }

    #[test]
    fn csv_ragged_row_is_an_error() {
        let err = parse("x.csv", "a,b\n1,2\n3\n", Format::Csv, 1).unwrap_err();
        assert!(err.to_string().contains("x.csv: CSV record 2"), "{err}");
    }

    #[test]
    fn jsonl_and_errors() {
        let got = parse(
            "r.jsonl",
            "{\"features\":[1]}\n\n{\"id\":\"b\",\"features\":[2]}\n",
            Format::Jsonl,
            1,
        )
        .unwrap();
        assert_eq!(got.len(), 2);
        let err = parse("r.jsonl", "{\"features\":[1]}\n[1]\n", Format::Jsonl, 1).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = parse("r.jsonl", "{oops\n", Format::Jsonl, 1).unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn json_array_of_requests_and_rows() {
        let text = r#"[{"id":"r","features":[0]}, [1,2], {"a":3}]"#;
        let got = parse("x.json", text, Format::Json, 1).unwrap();
        assert_eq!(
            got,
            vec![
                json!({"id":"r","features":[0]}),
                json!({"id": 2, "features": [1,2]}),
                json!({"id": 3, "features": {"a": 3}}),
            ]
        );
        assert!(parse("x.json", "{}", Format::Json, 1).is_err());
        assert!(parse("x.json", "[1]", Format::Json, 1).is_err());
    }

    #[test]
    fn detection() {
        assert_eq!(detect("a.CSV", "{"), Format::Csv);
        assert_eq!(detect("-", "  [1]"), Format::Json);
        assert_eq!(detect("-", "{\"a\":1}"), Format::Jsonl);
        assert_eq!(detect("-", "a,b"), Format::Csv);
    }
}
