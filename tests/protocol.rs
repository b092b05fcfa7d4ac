//! The wire contract without a broker: parsing every request shape, every bad input's error code,
//! pickle bodies (real Python pickles and hostile ones), and reply encoding, against a fake model.

use std::sync::Arc;

use ndarray::{Array2, Axis};
use predict_worker::model::{Batch, Label, Output, PredictError};
use predict_worker::protocol::{self, Disposition, Message, Reply, Schema};
use serde_json::{json, Value};

const PICKLE: &str = "application/x-python-serialize";

fn names() -> Arc<[String]> {
    Arc::from(vec!["a".to_string(), "b".to_string(), "c".to_string()])
}

fn schema() -> Schema {
    Schema::new(Some(3), Some(names()), 100, 4096)
}

/// A fake classifier over 3 features: class "big" when the row sum (NaN as 0) exceeds 5.
/// A text cell must be "x" (a known category, counted as 10); any other string is an error.
fn classify(batch: &Batch) -> Result<Output, PredictError> {
    if batch.n_cols() != 3 {
        return Err(PredictError::FeatureCount {
            expected: 3,
            got: batch.n_cols(),
        });
    }
    let mut sums = Vec::new();
    for (r, row) in batch.values.axis_iter(Axis(0)).enumerate() {
        let mut s = 0.0;
        for (c, v) in row.iter().enumerate() {
            match batch.text_at(r, c) {
                Some("x") => s += 10.0,
                Some(other) => {
                    return Err(PredictError::UnknownCategory {
                        column: c.to_string(),
                        value: other.to_string(),
                        known: "x".into(),
                    })
                }
                None if v.is_nan() => {}
                None => s += v,
            }
        }
        sums.push(s);
    }
    let predicted: Vec<usize> = sums.iter().map(|&s| usize::from(s > 5.0)).collect();
    let probabilities = Array2::from_shape_fn((sums.len(), 2), |(r, c)| {
        let p = if predicted[r] == 1 { 0.875 } else { 0.25 };
        if c == 1 {
            p
        } else {
            1.0 - p
        }
    });
    Ok(Output::Classification {
        classes: Arc::from(vec![Label::Str("small".into()), Label::Str("big".into())]),
        predicted,
        probabilities: Some(probabilities),
    })
}

fn respond_one(body: &[u8], content_type: Option<&str>) -> Reply {
    let replies = protocol::respond(classify, &schema(), &[Message { body, content_type }]);
    assert_eq!(replies.len(), 1);
    replies.into_iter().next().expect("one reply")
}

fn json_reply(body: &str) -> (Value, Reply) {
    let reply = respond_one(body.as_bytes(), Some("application/json"));
    let value: Value = serde_json::from_slice(&reply.body).expect("reply is JSON");
    (value, reply)
}

fn error_code(body: &str) -> String {
    let (value, reply) = json_reply(body);
    assert_eq!(reply.disposition, Some(Disposition::Reject), "{value}");
    let code = value["error"]["code"]
        .as_str()
        .expect("error code")
        .to_string();
    assert_eq!(reply.error, Some(code.as_str()));
    assert!(!value["error"]["message"].as_str().unwrap_or("").is_empty());
    code
}

#[test]
fn single_positional_row() {
    let (v, reply) = json_reply(r#"{"id": 42, "features": [1, 2, 3.5]}"#);
    assert_eq!(reply.error, None);
    assert_eq!(
        v,
        json!({"id": 42, "prediction": "big", "probabilities": [0.125, 0.875], "classes": ["small", "big"]})
    );
    assert_eq!(reply.content_type, "application/json");
}

#[test]
fn batch_of_rows_with_nulls() {
    let (v, _) = json_reply(r#"{"id": "b1", "instances": [[1, 1, 1], [null, 9, null]]}"#);
    assert_eq!(v["id"], "b1");
    assert_eq!(v["predictions"], json!(["small", "big"]));
    assert_eq!(v["probabilities"], json!([[0.75, 0.25], [0.125, 0.875]]));
}

#[test]
fn named_rows_in_any_order_with_categories() {
    let (v, _) =
        json_reply(r#"{"instances": [{"c": 1, "a": 1, "b": 1}, {"b": "x", "a": null, "c": 0}]}"#);
    assert!(v.get("id").is_none(), "absent id is not invented: {v}");
    assert_eq!(v["predictions"], json!(["small", "big"]));
}

/// Feature names are matched as raw bytes (no UTF-8 pass over each key): escaped keys still match,
/// and a key that is not UTF-8 is an unknown feature named in the error, not a crash.
#[test]
fn feature_names_are_matched_as_bytes() {
    let (v, _) = json_reply(r#"{"features": {"\u0061": 9, "b": 0, "c": 0}}"#);
    assert_eq!(v["prediction"], json!("big"), "{v}");
    let (v, _) = json_reply(r#"{"features": {"c": 0, "b": 0, "a": 1}}"#);
    assert_eq!(v["prediction"], json!("small"), "{v}");
    let mut body = br#"{"features": {"a": 1, "b": 2, ""#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(br#"": 3}}"#);
    let reply = respond_one(&body, Some("application/json"));
    let value: Value = serde_json::from_slice(&reply.body).expect("reply is JSON");
    assert_eq!(value["error"]["code"], json!("unknown_feature"), "{value}");
    let message = value["error"]["message"].as_str().expect("message");
    assert!(
        message.contains('\u{fffd}'),
        "the name is shown lossily: {message}"
    );
}

#[test]
fn missing_content_type_means_json() {
    let reply = respond_one(br#"{"features": [0, 0, 0]}"#, None);
    assert_eq!(reply.error, None);
    assert_eq!(reply.content_type, "application/json");
}

#[test]
fn every_bad_input_has_its_code() {
    let cases = [
        (r#"{"features": [1, 2"#, "invalid_json"),
        (r#"not json"#, "invalid_json"),
        (r#"[1, 2, 3]"#, "invalid_request"),
        (r#"{"id": 1}"#, "invalid_request"),
        (
            r#"{"features": [1, 2, 3], "instances": [[1, 2, 3]]}"#,
            "invalid_request",
        ),
        (r#"{"instances": []}"#, "invalid_request"),
        (r#"{"id": [1], "features": [1, 2, 3]}"#, "invalid_request"),
        (r#"{"features": [1, 2]}"#, "wrong_feature_count"),
        (r#"{"features": [1, 2, 3, 4]}"#, "wrong_feature_count"),
        (
            r#"{"instances": [[1, 2, 3], [1, 2]]}"#,
            "wrong_feature_count",
        ),
        (r#"{"features": [1, "2", 3]}"#, "wrong_type"),
        (r#"{"features": [1, true, 3]}"#, "wrong_type"),
        (r#"{"features": [1, [2], 3]}"#, "wrong_type"),
        (r#"{"features": "1,2,3"}"#, "invalid_request"),
        (r#"{"instances": {"a": 1}}"#, "invalid_request"),
        (
            r#"{"features": {"a": 1, "b": 2, "zz": 3}}"#,
            "unknown_feature",
        ),
        (r#"{"features": {"a": 1, "b": 2}}"#, "missing_feature"),
        (
            r#"{"features": {"a": 1, "b": 2, "c": "y"}}"#,
            "unknown_category",
        ),
    ];
    for (body, code) in cases {
        assert_eq!(error_code(body), code, "body {body}");
    }
}

#[test]
fn error_replies_echo_the_id_when_readable() {
    let (v, _) = json_reply(r#"{"id": "x-1", "features": [1, 2]}"#);
    assert_eq!(v["id"], "x-1");
    let (v, _) = json_reply(r#"{"features": [1, "no"], "id": 5}"#);
    assert_eq!(v["id"], 5, "id after the bad field is still found: {v}");
}

#[test]
fn limits_are_enforced() {
    let big = format!(
        r#"{{"features": [1, 2, 3], "pad": "{}"}}"#,
        "x".repeat(5000)
    );
    assert_eq!(error_code(&big), "body_too_large");
    let rows: Vec<String> = (0..101).map(|_| "[1,2,3]".to_string()).collect();
    let many = format!(r#"{{"instances": [{}]}}"#, rows.join(","));
    let small = Schema::new(Some(3), None, 100, 1 << 20);
    let replies = protocol::respond(
        classify,
        &small,
        &[Message {
            body: many.as_bytes(),
            content_type: None,
        }],
    );
    assert_eq!(replies[0].error, Some("too_many_instances"));
}

#[test]
fn unknown_content_type_is_rejected_in_json() {
    let reply = respond_one(br#"{"features": [1, 2, 3]}"#, Some("text/plain"));
    assert_eq!(reply.error, Some("unsupported_content_type"));
    assert_eq!(reply.content_type, "application/json");
    let v: Value = serde_json::from_slice(&reply.body).expect("JSON error reply");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("text/plain"));
}

#[test]
fn positional_rows_need_no_names() {
    let schema = Schema::new(Some(3), None, 10, 4096);
    let replies = protocol::respond(
        classify,
        &schema,
        &[
            Message {
                body: br#"{"features": {"a": 1}}"#,
                content_type: None,
            },
            Message {
                body: br#"{"features": [9, 0, 0]}"#,
                content_type: None,
            },
        ],
    );
    assert_eq!(replies[0].error, Some("no_feature_names"));
    assert_eq!(replies[1].error, None);
}

#[test]
fn bad_requests_do_not_affect_batch_mates() {
    let bodies: [&[u8]; 4] = [
        br#"{"id": 1, "features": [9, 0, 0]}"#,
        br#"{"id": 2, "features": {"a": 1, "b": 1, "c": "nope"}}"#,
        br#"{"id": 3, "features": [1, 2"#,
        br#"{"id": 4, "instances": [[0, 0, 0], [6, 0, 0]]}"#,
    ];
    let messages: Vec<Message> = bodies
        .iter()
        .map(|b| Message {
            body: b,
            content_type: None,
        })
        .collect();
    let replies = protocol::respond(classify, &schema(), &messages);
    let values: Vec<Value> = replies
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("json"))
        .collect();
    assert_eq!(values[0]["prediction"], "big");
    assert_eq!(values[1]["error"]["code"], "unknown_category");
    assert_eq!(values[2]["error"]["code"], "invalid_json");
    assert_eq!(values[3]["predictions"], json!(["small", "big"]));
    assert_eq!(values[3]["id"], 4);
}

#[test]
fn regression_replies_are_numbers_and_nan_is_null() {
    let regress = |b: &Batch| -> Result<Output, PredictError> {
        let values = b.values.sum_axis(Axis(1)).insert_axis(Axis(1));
        Ok(Output::Regression { values })
    };
    let schema = Schema::new(Some(2), None, 10, 4096);
    let replies = protocol::respond(
        regress,
        &schema,
        &[
            Message {
                body: br#"{"features": [1.5, 2]}"#,
                content_type: None,
            },
            Message {
                body: br#"{"instances": [[1, null], [2, 2]]}"#,
                content_type: None,
            },
        ],
    );
    let one: Value = serde_json::from_slice(&replies[0].body).expect("json");
    assert_eq!(one, json!({"prediction": 3.5}));
    let many: Value = serde_json::from_slice(&replies[1].body).expect("json");
    assert_eq!(many, json!({"predictions": [null, 4.0]}));
}

// ---- pickle bodies ----

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// `pickle.dumps({'id': 7, 'features': [1.0, None, 3]}, protocol=p)` from CPython 3.11.
const PY_PICKLES: [(u8, &str); 4] = [
    (0, "286470300a5669640a70310a49370a735666656174757265730a70320a286c70330a46312e300a614e6149330a61732e"),
    (2, "80027d7100285802000000696471014b075808000000666561747572657371025d710328473ff00000000000004e4b0365752e"),
    (4, "80049527000000000000007d94288c026964944b078c086665617475726573945d9428473ff00000000000004e4b0365752e"),
    (5, "80059527000000000000007d94288c026964944b078c086665617475726573945d9428473ff00000000000004e4b0365752e"),
];

#[test]
fn python_pickles_of_every_protocol_are_answered_in_pickle() {
    for (proto, hex) in PY_PICKLES {
        for content_type in protocol::PICKLE_TYPES {
            let reply = respond_one(&unhex(hex), Some(content_type));
            assert_eq!(
                reply.error,
                None,
                "protocol {proto}: {:?}",
                String::from_utf8_lossy(&reply.body)
            );
            assert_eq!(reply.content_type, content_type);
            let v: Value = serde_pickle::from_slice(&reply.body, serde_pickle::DeOptions::new())
                .expect("reply is a pickle");
            assert_eq!(v["id"], 7, "protocol {proto}");
            assert_eq!(v["prediction"], "small");
            assert_eq!(v["classes"], json!(["small", "big"]));
        }
    }
}

#[test]
fn pickle_with_named_rows_and_nan() {
    // {'id': 'a', 'instances': [{'b': 2.5, 'a': 1}, (3, nan)]} against a 2-feature named model.
    let hex = "80027d71002858020000006964710158010000006171025809000000696e7374616e63657371035d7104287d710528580100000062710647400400000000000068024b01754b03477ff800000000000086710765752e";
    let names: Arc<[String]> = Arc::from(vec!["a".to_string(), "b".to_string()]);
    let schema = Schema::new(Some(2), Some(names), 10, 4096);
    let sum = |b: &Batch| -> Result<Output, PredictError> {
        Ok(Output::Regression {
            values: b.values.sum_axis(Axis(1)).insert_axis(Axis(1)),
        })
    };
    let replies = protocol::respond(
        sum,
        &schema,
        &[Message {
            body: &unhex(hex),
            content_type: Some(PICKLE),
        }],
    );
    let v: Value = serde_pickle::from_slice(&replies[0].body, serde_pickle::DeOptions::new())
        .expect("pickle reply");
    assert_eq!(v["id"], "a");
    assert_eq!(v["predictions"][0], 3.5);
    // NaN went through as a missing value; pickled NaN reads back as JSON null.
    assert!(v["predictions"][1].is_null());
}

#[test]
fn hostile_pickles_are_refused_without_running_anything() {
    // {'id': 1, 'features': os.system('echo hi')} as pickled by CPython.
    let evil = unhex("80049538000000000000007d94288c026964944b018c086665617475726573948c05706f736978948c0673797374656d9493948c076563686f2068699485945294752e");
    // l = []; l.append(l); {'features': l}
    let recursive = unhex("80049514000000000000007d948c086665617475726573945d94680261732e");
    let mut deep = vec![0x80, 0x04];
    deep.extend(std::iter::repeat_n(b']', 1500));
    deep.extend(std::iter::repeat_n(b'a', 1499));
    deep.push(b'.');
    let globals = b"cos\nsystem\n(S'echo hi'\ntR.".to_vec();
    for (name, body) in [
        ("evil", evil),
        ("recursive", recursive),
        ("deep", deep),
        ("global", globals),
        ("truncated", vec![0x80, 0x04, 0x95]),
        ("empty", vec![]),
    ] {
        let reply = respond_one(&body, Some(PICKLE));
        assert_eq!(reply.error, Some("invalid_pickle"), "{name}");
        assert_eq!(reply.disposition, Some(Disposition::Reject), "{name}");
        let v: Value = serde_pickle::from_slice(&reply.body, serde_pickle::DeOptions::new())
            .expect("error reply is a pickle");
        assert_eq!(v["error"]["code"], "invalid_pickle", "{name}");
    }
}

#[test]
fn the_evil_pickle_error_names_the_global() {
    let body = b"cos\nsystem\n(S'echo hi'\ntR.".to_vec();
    let reply = respond_one(&body, Some("application/python-pickle"));
    let v: Value =
        serde_pickle::from_slice(&reply.body, serde_pickle::DeOptions::new()).expect("pickle");
    let message = v["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("os.system"), "{message}");
}

#[test]
fn many_replies_in_order_with_one_model_call() {
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let counting = |b: &Batch| {
        calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        classify(b)
    };
    let bodies: Vec<String> = (0..50)
        .map(|i| format!(r#"{{"id": {i}, "features": [{i}, 0, 0]}}"#))
        .collect();
    let messages: Vec<Message> = bodies
        .iter()
        .map(|b| Message {
            body: b.as_bytes(),
            content_type: None,
        })
        .collect();
    let replies = protocol::respond(counting, &schema(), &messages);
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    for (i, r) in replies.iter().enumerate() {
        let v: Value = serde_json::from_slice(&r.body).expect("json");
        assert_eq!(v["id"], i);
        assert_eq!(v["prediction"], if i > 5 { "big" } else { "small" });
    }
}

#[test]
fn a_large_micro_batch_is_parsed_in_parallel_and_answered_in_order() {
    // 300 messages of 100 rows each: well over protocol's parallel-parsing threshold.
    let bodies: Vec<String> = (0..300)
        .map(|i| {
            let rows: Vec<String> = (0..100).map(|_| format!("[{}, 0, 0]", i % 9)).collect();
            if i == 150 {
                return r#"{"id": 150, "instances": [[1, 2]]}"#.to_string();
            }
            format!(r#"{{"id": {i}, "instances": [{}]}}"#, rows.join(","))
        })
        .collect();
    assert!(bodies.iter().map(String::len).sum::<usize>() > 256 * 1024);
    let messages: Vec<Message> = bodies
        .iter()
        .map(|b| Message {
            body: b.as_bytes(),
            content_type: None,
        })
        .collect();
    let schema = Schema::new(Some(3), None, 1000, 1 << 20);
    let replies = protocol::respond(classify, &schema, &messages);
    assert_eq!(replies.len(), 300);
    for (i, reply) in replies.iter().enumerate() {
        let v: Value = serde_json::from_slice(&reply.body).expect("JSON");
        assert_eq!(v["id"], i, "reply {i} is in its place");
        if i == 150 {
            assert_eq!(v["error"]["code"], "wrong_feature_count");
            continue;
        }
        let want = if i % 9 > 5 { "big" } else { "small" };
        let predictions = v["predictions"].as_array().expect("predictions");
        assert_eq!(predictions.len(), 100);
        assert!(predictions.iter().all(|p| p == want), "reply {i}: {v}");
    }
}

#[test]
fn integer_zero_is_positive_zero_in_every_format() {
    // JSON `0` and a pickled Python int 0 are 0.0, as `float(0)` is; only JSON `-0` is -0.0.
    let schema = Schema::new(Some(3), None, 10, 4096);
    let pickled =
        serde_pickle::to_vec(&json!({"features": [0, -1, 2]}), Default::default()).expect("pickle");
    let bodies: [(&[u8], Option<&str>); 3] = [
        (br#"{"features":[0,-1,2]}"#, None),
        (&pickled, Some(PICKLE)),
        (br#"{"features":[-0,-1,2]}"#, None),
    ];
    let signs: Vec<bool> = bodies
        .iter()
        .map(|(body, content_type)| {
            let request = protocol::parse(body, *content_type, &schema).expect("parses");
            assert_eq!(request.rows.values[0], 0.0);
            request.rows.values[0].is_sign_negative()
        })
        .collect();
    assert_eq!(signs, [false, false, true]);
}
