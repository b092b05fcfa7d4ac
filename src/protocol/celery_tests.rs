//! Unit tests of Celery task parsing and result bodies (the broker round trip is tests/celery.rs).

use std::sync::Arc;

use serde_json::{json, Value};

use super::*;
use crate::model::{Batch, Label, Output, PredictError};
use crate::protocol::{respond_tasks, Message};

const NOW: f64 = 1_796_042_096.0;

fn schema() -> Schema {
    let names: Arc<[String]> = vec!["a".to_string(), "b".to_string()].into();
    Schema::new(Some(2), Some(names), 100, 4096)
}

fn task() -> Task<'static> {
    Task {
        name: "predict",
        id: "t-1",
        serves: "predict",
        ..Task::default()
    }
}

fn parse_body(task: &Task<'_>, body: &Value) -> Result<Request, RequestError> {
    parse(
        task,
        body.to_string().as_bytes(),
        Some("application/json"),
        &schema(),
        NOW,
    )
}

fn classify(batch: &Batch) -> Result<Output, PredictError> {
    Ok(Output::Classification {
        classes: Arc::from(vec![Label::Int(0), Label::Int(1)]),
        predicted: batch
            .values
            .rows()
            .into_iter()
            .map(|r| usize::from(r[0] > 0.0))
            .collect(),
        probabilities: None,
    })
}

fn code(r: Result<Request, RequestError>) -> &'static str {
    r.map(|_| "ok").unwrap_or_else(|e| e.code())
}

#[test]
fn args_kwargs_features_and_instances_read_rows_like_native_requests() {
    let one = parse_body(&task(), &json!([[[1.0, null]], {}, null])).expect("args");
    assert!(one.single);
    assert_eq!(one.rows.n_rows, 1);
    assert!(one.rows.values[1].is_nan());
    let named = parse_body(&task(), &json!([[], {"features": {"b": 2, "a": 1}}, {}])).expect("kw");
    assert_eq!(named.rows.values, vec![1.0, 2.0]);
    let batch = parse_body(&task(), &json!([[], {"instances": [[1, 2], [3, 4]]}])).expect("batch");
    assert!(!batch.single);
    assert_eq!(batch.rows.n_rows, 2);
}

#[test]
fn bad_bodies_fail_naming_the_problem() {
    let cases = [
        (json!({"features": [1, 2]}), "invalid_request"),
        (json!([[[1, 2], [3, 4]], {}, null]), "invalid_request"),
        (
            json!([[[1, 2]], {"features": [1, 2]}, null]),
            "invalid_request",
        ),
        (json!([[], {"rows": [1, 2]}, null]), "invalid_request"),
        (json!([[], {}, null]), "invalid_request"),
        (json!(["x", {}, null]), "invalid_request"),
        (json!([[[1, 2, 3]], {}, null]), "wrong_feature_count"),
        (json!([[[1, "x"]], {}, null]), "wrong_type"),
        (json!([[], {"instances": []}, null]), "invalid_request"),
        (json!([[{"a": 1, "z": 2}], {}, null]), "unknown_feature"),
    ];
    for (body, want) in cases {
        assert_eq!(code(parse_body(&task(), &body)), want, "{body}");
    }
    let e = parse_body(&task(), &json!([[], {"rows": 1}, null])).unwrap_err();
    assert!(e.to_string().contains("\"rows\""), "{e}");
}

#[test]
fn headers_decide_before_the_body_is_read() {
    let other = Task {
        name: "add",
        ..task()
    };
    let e = parse_body(&other, &json!([[[1, 2]], {}, null])).unwrap_err();
    assert_eq!(e.code(), "not_registered");
    assert!(e.to_string().contains("\"add\"") && e.to_string().contains("celery.task_name"));
    let expired = Task {
        expires: Some("2026-11-30T12:34:55+00:00"),
        ..task()
    };
    assert_eq!(
        code(parse_body(&expired, &json!([[[1, 2]], {}]))),
        "expired"
    );
    let later = Task {
        expires: Some("2026-11-30T12:35:00+00:00"),
        ..task()
    };
    assert_eq!(code(parse_body(&later, &json!([[[1, 2]], {}]))), "ok");
    let eta = Task {
        eta: Some("2026-11-30T13:00:00+00:00"),
        ..task()
    };
    assert_eq!(
        code(parse_body(&eta, &json!([[[1, 2]], {}]))),
        "eta_not_supported"
    );
    let due = Task {
        eta: Some("2026-11-30T12:00:00+00:00"),
        ..task()
    };
    assert_eq!(code(parse_body(&due, &json!([[[1, 2]], {}]))), "ok");
    let zipped = Task {
        compression: Some("application/x-gzip"),
        ..task()
    };
    let e = parse_body(&zipped, &json!([[[1, 2]], {}])).unwrap_err();
    assert!(e.to_string().contains("task_compression"), "{e}");
    let garbled = Task {
        expires: Some("tomorrow"),
        ..task()
    };
    assert_eq!(
        code(parse_body(&garbled, &json!([[[1, 2]], {}]))),
        "invalid_header"
    );
    let pickled = parse(
        &task(),
        b"\x80\x04N.",
        Some("application/x-python-serialize"),
        &schema(),
        NOW,
    );
    assert_eq!(code(pickled), "pickled_task");
    let yaml = parse(&task(), b"[]", Some("application/x-yaml"), &schema(), NOW);
    assert_eq!(code(yaml), "unsupported_content_type");
    let big = vec![b' '; 5000];
    assert_eq!(
        code(parse(&task(), &big, None, &schema(), NOW)),
        "body_too_large"
    );
}

#[test]
fn header_values_are_quoted_clipped_and_read_as_digits_only() {
    // A header is as long as the producer likes: the message quotes at most 64 characters of it.
    let long = format!("2999-01-01T00:00:00+00:00{}", " ".repeat(100_000));
    let far = Task {
        eta: Some(&long),
        ..task()
    };
    let e = parse_body(&far, &json!([[[1, 2]], {}])).unwrap_err();
    assert_eq!(e.code(), "eta_not_supported");
    assert!(e.to_string().len() < 400, "{} bytes", e.to_string().len());
    let ct = "x".repeat(100_000);
    let e = parse(&task(), b"[]", Some(&ct), &schema(), NOW).unwrap_err();
    assert!(e.to_string().len() < 400, "{} bytes", e.to_string().len());
    // An exponent after the seconds is not ISO 8601 (it used to push expires 10^299 s away).
    let never = Task {
        expires: Some("2026-11-30T12:34:55.100000000e300"),
        ..task()
    };
    assert_eq!(
        code(parse_body(&never, &json!([[[1, 2]], {}]))),
        "invalid_header"
    );
}

#[test]
fn hostile_bodies_never_panic() {
    let bodies: [&[u8]; 8] = [
        b"",
        b"[",
        b"[[],{},null,1,2]",
        b"[[[1e999, 2]],{}]",
        b"\xff\xfe",
        b"[[[[[[[[[]]]]]]]]]",
        b"[null,null]",
        b"[[{}],{}]",
    ];
    for body in bodies {
        let _ = parse(&task(), body, None, &schema(), NOW);
    }
    let deep = "[".repeat(10_000);
    assert_eq!(
        code(parse(&task(), deep.as_bytes(), None, &schema(), NOW)),
        "body_too_large"
    );
}

fn result_of(reply: &Reply) -> Value {
    serde_json::from_slice(&reply.body).expect("result is JSON")
}

#[test]
fn results_are_what_celerys_rpc_backend_writes() {
    let grouped = Task {
        group: Some("g-1"),
        parent_id: Some(""),
        ..task()
    };
    let bodies = [
        json!([[[1, 2]], {}, null]).to_string(),
        json!([[], {"instances": [[1, 2], [-1, 0]]}, null]).to_string(),
        json!({"id": 7, "features": [1, 2]}).to_string(),
        json!([[[1, 2, 3]], {}, null]).to_string(),
    ];
    let messages: Vec<Message> = bodies
        .iter()
        .map(|b| Message {
            body: b.as_bytes(),
            content_type: Some("application/json"),
        })
        .collect();
    let tasks = [Some(grouped), Some(task()), None, Some(task())];
    let calls = std::cell::Cell::new(0);
    let counting = |b: &Batch| {
        calls.set(calls.get() + 1);
        classify(b)
    };
    let replies = respond_tasks(counting, &schema(), &messages, &tasks);
    assert_eq!(
        calls.get(),
        1,
        "one model call for native and Celery requests together"
    );
    let one = result_of(&replies[0]);
    let keys: Vec<&str> = one
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "children",
            "date_done",
            "group_id",
            "result",
            "status",
            "task_id",
            "traceback"
        ]
    );
    assert_eq!(one["status"], "SUCCESS");
    assert_eq!(one["task_id"], "t-1");
    assert_eq!(one["result"], json!({"prediction": 1, "classes": [0, 1]}));
    assert!(replies[0].celery && replies[0].error.is_none());
    let many = result_of(&replies[1]);
    assert_eq!(
        many["result"],
        json!({"predictions": [1, 0], "classes": [0, 1]})
    );
    assert!(many.get("group_id").is_none() && many.get("parent_id").is_none());
    let native = result_of(&replies[2]);
    assert_eq!(native, json!({"id": 7, "prediction": 1, "classes": [0, 1]}));
    assert!(!replies[2].celery);
    let failed = result_of(&replies[3]);
    assert_eq!(failed["status"], "FAILURE");
    assert_eq!(failed["result"]["exc_type"], "ValueError");
    assert_eq!(failed["result"]["exc_module"], "builtins");
    let text = failed["result"]["exc_message"][0].as_str().unwrap();
    assert!(text.starts_with("wrong_feature_count: "), "{text}");
    assert_eq!(replies[3].error, Some("wrong_feature_count"));
    assert!(
        replies[3].disposition.is_some(),
        "failures are dead-lettered"
    );
}

#[test]
fn expired_is_revoked_and_acked_unknown_is_not_registered() {
    let expired = RequestError::Celery(CeleryError::Expired("x".into()));
    let reply = failure(&task(), &expired, NOW);
    let revoked = result_of(&reply);
    assert_eq!(revoked["status"], "REVOKED");
    assert_eq!(
        revoked["result"],
        json!({"exc_type": "TaskRevokedError", "exc_message": ["expired"], "exc_module": "celery.exceptions"})
    );
    assert_eq!(revoked["date_done"], "2026-11-30T12:34:56+00:00");
    assert!(
        reply.disposition.is_none(),
        "an expired task is acked, not dead-lettered"
    );
    let unknown = RequestError::Celery(CeleryError::NotRegistered {
        name: "add".into(),
        serves: "predict".into(),
    });
    let failed = result_of(&failure(&task(), &unknown, NOW));
    assert_eq!(
        failed["result"],
        json!({"exc_type": "NotRegistered", "exc_message": ["add"], "exc_module": "celery.exceptions"})
    );
}
