//! Exactness through the production request path: every scikit-learn fixture's input rows are sent as
//! JSON request bodies (one `instances` batch, and each row as its own `features` request in one
//! micro-batch) through `protocol::respond`, and the JSON replies are compared with scikit-learn's own
//! answers: every row, every probability column, the label's JSON type, and the classes.

#[path = "common/fixtures.rs"]
mod fixtures;

use fixtures::{close, manifest_paths, read_fixture, Fixture};
use predict_worker::model::{load_model, LoadLimits};
use predict_worker::protocol::{self, Message, Schema};
use serde_json::{json, Value};

fn labels_match(kind: &str, got: &Value, want: &Value) -> bool {
    match (kind, got.as_f64(), want.as_f64()) {
        // Regression values: numbers within the tolerance.
        ("regressor", Some(g), Some(w)) => got.is_number() && close(g, w),
        // Labels: the same JSON value, type included (1 is not 1.0, "1" is not 1).
        _ => got == want,
    }
}

fn check_reply(fx: &Fixture, reply: &Value, rows: std::ops::Range<usize>) -> Result<(), String> {
    let m = &fx.manifest;
    if let Some(error) = reply.get("error") {
        return Err(format!("error reply {error}"));
    }
    let predictions: Vec<Value> = match reply.get("predictions") {
        Some(Value::Array(p)) => p.clone(),
        Some(other) => return Err(format!("predictions is not a list: {other}")),
        None => vec![reply.get("prediction").cloned().ok_or("no prediction")?],
    };
    if predictions.len() != rows.len() {
        return Err(format!(
            "{} predictions for {} rows",
            predictions.len(),
            rows.len()
        ));
    }
    for (got, r) in predictions.iter().zip(rows.clone()) {
        if !labels_match(&m.kind, got, &m.predict[r]) {
            return Err(format!(
                "row {r}: {got}, scikit-learn predicts {}",
                m.predict[r]
            ));
        }
    }
    match (&m.predict_proba, reply.get("probabilities")) {
        (None, None) => {}
        (None, Some(_)) => return Err("probabilities without predict_proba".into()),
        (Some(_), None) => return Err("no probabilities".into()),
        (Some(want), Some(got)) => {
            let got: Vec<Value> = match got {
                Value::Array(rows_or_row) if reply.get("predictions").is_some() => {
                    rows_or_row.clone()
                }
                single => vec![single.clone()],
            };
            if got.len() != rows.len() {
                return Err(format!(
                    "{} probability rows for {} rows",
                    got.len(),
                    rows.len()
                ));
            }
            for (row, r) in got.iter().zip(rows.clone()) {
                let row = row.as_array().ok_or("a probability row is not a list")?;
                if row.len() != want[r].len() {
                    return Err(format!(
                        "row {r}: {} probabilities, scikit-learn {}",
                        row.len(),
                        want[r].len()
                    ));
                }
                for (c, (g, w)) in row.iter().zip(&want[r]).enumerate() {
                    let g = g.as_f64().ok_or("a probability is not a number")?;
                    if !close(g, *w) {
                        return Err(format!(
                            "row {r} column {c}: probability {g}, scikit-learn {w}"
                        ));
                    }
                }
            }
        }
    }
    if let Some(want) = &m.classes {
        if reply.get("classes") != Some(&Value::Array(want.clone())) {
            return Err(format!(
                "classes {:?}, scikit-learn {want:?}",
                reply.get("classes")
            ));
        }
    }
    Ok(())
}

fn check(fx: &Fixture) -> Result<(), String> {
    let m = &fx.manifest;
    let model = load_model(&fx.model_path, &LoadLimits::default()).map_err(|e| e.to_string())?;
    let schema = Schema::for_model(&model, 100_000, 64 << 20);
    let predict = |b: &predict_worker::model::Batch| model.predict(b);
    // One batch request.
    let body = json!({"id": fx.name, "instances": m.inputs}).to_string();
    let message = Message {
        body: body.as_bytes(),
        content_type: Some("application/json"),
    };
    let replies = protocol::respond(predict, &schema, &[message]);
    let reply: Value = serde_json::from_slice(&replies[0].body).map_err(|e| e.to_string())?;
    if reply["id"] != json!(fx.name) {
        return Err(format!("id not echoed: {}", reply["id"]));
    }
    check_reply(fx, &reply, 0..m.inputs.len()).map_err(|e| format!("batch request: {e}"))?;
    // Each row as its own request, all in one micro-batch (one model call).
    let bodies: Vec<String> = m
        .inputs
        .iter()
        .map(|row| json!({"features": row}).to_string())
        .collect();
    let messages: Vec<Message> = bodies
        .iter()
        .map(|b| Message {
            body: b.as_bytes(),
            content_type: None,
        })
        .collect();
    let replies = protocol::respond(predict, &schema, &messages);
    if replies.len() != messages.len() {
        return Err(format!(
            "{} replies for {} requests",
            replies.len(),
            messages.len()
        ));
    }
    for (r, reply) in replies.iter().enumerate() {
        let reply: Value = serde_json::from_slice(&reply.body).map_err(|e| e.to_string())?;
        check_reply(fx, &reply, r..r + 1).map_err(|e| format!("single-row request {r}: {e}"))?;
    }
    Ok(())
}

#[test]
fn every_fixture_matches_through_json_requests() {
    let paths = manifest_paths();
    assert!(
        paths.len() >= 100,
        "found only {} fixture manifests",
        paths.len()
    );
    let mut failures = Vec::new();
    for path in &paths {
        let fx = match read_fixture(path) {
            Ok(fx) => fx,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        if let Err(e) = check(&fx) {
            failures.push(format!("{}: {e}", fx.name));
        }
    }
    eprintln!(
        "{} of {} fixtures match through JSON requests",
        paths.len() - failures.len(),
        paths.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}
