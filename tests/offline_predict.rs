//! The offline `predict` command and `inspect`, run as subprocesses on the shipped model:
//! exact replies for the sample requests, one reply per line in order, error replies that do not stop
//! the run, and a model that cannot load (exit 4, nothing on stdout).

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use support::{model_path, offline_predict, root, sample_lines};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_predict-worker"));
    c.current_dir(root());
    c
}

fn parse(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("reply {l:?} is not JSON: {e}")))
        .collect()
}

#[test]
fn sample_requests_give_the_expected_replies() {
    let input = sample_lines().join("\n") + "\n";
    let got = parse(&offline_predict(&input));
    let expected: Vec<Value> =
        std::fs::read_to_string(root().join("outputs/best_model.expected.jsonl"))
            .expect("expected replies")
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
    assert_eq!(got.len(), expected.len(), "one reply per request");
    for (g, e) in got.iter().zip(&expected) {
        assert_same_reply(g, e);
    }
}

/// Every key of `e` in `g` and no other, with the same JSON type; numbers inside `probabilities`
/// within 1e-9, everything else (ids, labels, classes) exactly equal.
fn assert_same_reply(g: &Value, e: &Value) {
    let (go, eo) = (
        g.as_object().expect("object"),
        e.as_object().expect("object"),
    );
    let mut gk: Vec<&String> = go.keys().collect();
    let mut ek: Vec<&String> = eo.keys().collect();
    gk.sort();
    ek.sort();
    assert_eq!(gk, ek, "same keys: {g} vs {e}");
    for (k, ev) in eo {
        let gv = &go[k];
        if k == "probabilities" {
            let (ga, ea) = (gv.as_array().expect("array"), ev.as_array().expect("array"));
            assert_eq!(ga.len(), ea.len(), "{k}: {g} vs {e}");
            for (a, b) in ga.iter().zip(ea) {
                assert!(
                    a.is_f64() || a.is_i64() || a.is_u64(),
                    "{k} holds a number: {g}"
                );
                let (a, b) = (a.as_f64().unwrap(), b.as_f64().expect("number"));
                assert!((a - b).abs() <= 1e-9, "{k}: {g} vs {e}");
            }
        } else {
            assert_eq!(gv, ev, "{k}: {g} vs {e}");
            assert_eq!(json_type(gv), json_type(ev), "{k}: {g} vs {e}");
        }
    }
}

/// The JSON type of a value, telling integers from floats (serde_json's `==` does too, but say so).
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[test]
fn a_string_in_a_numeric_column_names_the_feature() {
    let mut row: Value = serde_json::from_str(&sample_lines()[0]).expect("json");
    row["features"]["worst_radius"] = json!("x");
    let got = parse(&offline_predict(&row.to_string()));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["error"]["code"], "bad_value", "{}", got[0]);
    let message = got[0]["error"]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("\"worst_radius\" (column 20)"),
        "the message names the column: {message}"
    );
}

#[test]
fn invalid_lines_get_error_replies_in_place_and_the_run_goes_on() {
    let samples = sample_lines();
    let mut both: Value = serde_json::from_str(&samples[0]).expect("json");
    both["id"] = json!("both");
    both["instances"] = json!([]);
    let both = both.to_string();
    let input = [
        samples[0].as_str(),
        "{not json",
        "",
        r#"{"id": "short", "features": [1, 2, 3]}"#,
        r#"{"id": "typo", "features": {"mean_radiuss": 1}}"#,
        samples[1].as_str(),
        both.as_str(),
    ]
    .join("\n");
    let got = parse(&offline_predict(&input));
    assert_eq!(got.len(), 7, "exactly one reply per line: {got:?}");
    assert_eq!(got[0]["id"], "sample-1");
    assert_eq!(got[0]["prediction"], "benign");
    assert_eq!(got[1]["error"]["code"], "invalid_json");
    assert_eq!(got[2]["error"]["code"], "invalid_json");
    assert_eq!(got[3]["error"]["code"], "wrong_feature_count");
    assert_eq!(got[3]["id"], "short");
    assert_eq!(got[4]["error"]["code"], "unknown_feature");
    assert!(got[4]["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("mean_radiuss"));
    assert_eq!(got[5]["id"], "sample-2");
    assert_eq!(got[5]["prediction"], "malignant");
    assert_eq!(got[6]["error"]["code"], "invalid_request");
    assert_eq!(got[6]["id"], "both");
}

#[test]
fn batches_match_single_rows_and_order_holds_over_many_chunks() {
    let samples = sample_lines();
    let rows: Vec<Value> = samples
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).expect("json")["features"].clone())
        .collect();
    let batch = json!({"id": "all", "instances": rows}).to_string();
    let singles = parse(&offline_predict(&samples.join("\n")));
    let together = parse(&offline_predict(&batch));
    let predictions: Vec<Value> = singles.iter().map(|s| s["prediction"].clone()).collect();
    assert_eq!(together[0]["predictions"], Value::Array(predictions));
    // 1000 lines spread over several micro-batches come back in order.
    let many: Vec<String> = (0..1000)
        .map(|i| {
            let mut v: Value = serde_json::from_str(&samples[i % samples.len()]).expect("json");
            v["id"] = json!(i);
            v.to_string()
        })
        .collect();
    let replies = parse(&offline_predict(&many.join("\n")));
    assert_eq!(replies.len(), 1000);
    for (i, r) in replies.iter().enumerate() {
        assert_eq!(r["id"], i);
        assert_eq!(r["prediction"], singles[i % singles.len()]["prediction"]);
    }
}

#[test]
fn a_model_that_cannot_load_exits_4_with_nothing_on_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let garbage = dir.path().join("garbage.pkl");
    std::fs::write(&garbage, b"this is not a pickle").expect("write");
    for path in [dir.path().join("missing.pkl"), garbage] {
        let mut child = bin()
            .args(["predict", "--model"])
            .arg(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let _ = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(sample_lines()[0].as_bytes());
        let out = child.wait_with_output().expect("output");
        assert_eq!(out.status.code(), Some(4), "{path:?}");
        assert!(out.stdout.is_empty(), "stdout must stay empty");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&path.display().to_string()),
            "stderr names the file: {err}"
        );
    }
}

#[test]
fn inspect_describes_the_model() {
    let out = bin()
        .args(["inspect", "--json", "--model"])
        .arg(model_path())
        .output()
        .expect("inspect");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("inspect --json is JSON");
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(
        std::fs::read(model_path()).expect("model"),
    ));
    assert_eq!(v["sha256"], sha);
    assert_eq!(v["n_features"], 31);
    assert_eq!(v["feature_names"][30], "size_band");
    assert_eq!(v["task"], "classification");
    assert_eq!(v["classes"], json!(["benign", "malignant"]));
    assert_eq!(v["sklearn_version"], "1.9.1");
    assert!(v["load_time_ms"].as_f64().unwrap_or(-1.0) >= 0.0);
    assert_eq!(v["estimator"]["class"], "Pipeline");
    let text = bin()
        .args(["inspect", "--model"])
        .arg(model_path())
        .output()
        .expect("inspect");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("RandomForestClassifier"), "{text}");
    assert!(text.contains("sha256"), "{text}");
}

#[test]
fn an_oversized_line_reports_its_real_size_and_the_run_goes_on() {
    let big = format!("{{\"id\": 1, \"features\": [{}1]}}", "1,".repeat(50_000));
    let input = format!("{big}\r\n{}\n", sample_lines()[0]);
    let mut child = bin()
        .args(["predict", "--model"])
        .arg(model_path())
        .env("PREDICT_WORKER__WORKER__MAX_BODY_BYTES", "1000")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("output");
    writer.join().unwrap().unwrap();
    let lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let got = parse(&lines);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0]["error"]["code"], "body_too_large");
    let message = got[0]["error"]["message"].as_str().unwrap_or("");
    assert!(
        message.contains(&format!("{} bytes", big.len())),
        "the real size, {} bytes: {message}",
        big.len()
    );
    assert_eq!(got[1]["id"], "sample-1");
}
