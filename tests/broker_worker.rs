//! The worker end to end against the real RabbitMQ on 127.0.0.1:5672, run as a subprocess with its
//! own queues: replies match offline `predict`, bad inputs are answered AND dead-lettered, replies without
//! reply_to go to the results queue, SIGTERM drains in-flight work, a mismatched queue is fatal, and a
//! quorum request queue is declared as asked.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use lapin::options::{QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::BasicProperties;
use serde_json::{json, Value};
use support::{collect, correlation, offline_predict, sample_lines, Client, Names, WorkerProcess};

const PICKLE: &str = "application/x-python-serialize";

fn decode(body: &[u8], content_type: &str) -> Value {
    if content_type == "application/json" {
        serde_json::from_slice(body).expect("JSON reply")
    } else {
        serde_pickle::from_slice(body, serde_pickle::DeOptions::new()).expect("pickle reply")
    }
}

/// `got` is scikit-learn's answer `want`: the same id, labels (JSON type included) and classes, and
/// every probability within 1e-9.
fn assert_matches_sklearn(got: &Value, want: &Value, what: &str) {
    assert_eq!(got["id"], want["id"], "{what}: id");
    assert_eq!(got["classes"], want["classes"], "{what}: classes");
    let single = want.get("prediction").is_some();
    let key = if single { "prediction" } else { "predictions" };
    assert_eq!(got[key], want[key], "{what}: {key}");
    let rows = |v: &Value| -> Vec<Vec<f64>> {
        let p = &v["probabilities"];
        let rows: Vec<&Value> = if single {
            vec![p]
        } else {
            p.as_array().expect("rows").iter().collect()
        };
        rows.iter()
            .map(|r| {
                r.as_array()
                    .expect("row")
                    .iter()
                    .map(|x| x.as_f64().expect("number"))
                    .collect()
            })
            .collect()
    };
    let (g, w) = (rows(got), rows(want));
    assert_eq!(g.len(), w.len(), "{what}: probability rows");
    for (gr, wr) in g.iter().zip(&w) {
        assert_eq!(gr.len(), wr.len(), "{what}: probability columns");
        for (a, b) in gr.iter().zip(wr) {
            assert!(
                (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-3),
                "{what}: {a} vs scikit-learn {b}"
            );
        }
    }
}

/// The requests used for the comparison: every sample (named rows with a categorical column), one
/// batch of all samples, and a row with missing values.
fn requests() -> Vec<Value> {
    let samples: Vec<Value> = sample_lines()
        .iter()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let mut out = samples.clone();
    let rows: Vec<Value> = samples.iter().map(|s| s["features"].clone()).collect();
    out.push(json!({"id": "batch", "instances": rows}));
    let mut gaps = samples[0].clone();
    gaps["id"] = json!(77);
    gaps["features"]["mean_radius"] = Value::Null;
    gaps["features"]["worst_area"] = Value::Null;
    out.push(gaps);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_match_offline_predict_for_json_and_pickle() {
    let names = Names::new("match");
    let requests = requests();
    let lines: Vec<String> = requests.iter().map(Value::to_string).collect();
    let offline: Vec<Value> = offline_predict(&lines.join("\n"))
        .iter()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(offline.len(), requests.len());

    let mut worker = WorkerProcess::spawn(&names, &[]);
    worker.wait_ready(Duration::from_secs(20));
    let client = Client::connect().await;
    let (reply_to, mut replies) = client.reply_queue().await;
    for (i, request) in requests.iter().enumerate() {
        let json_props = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_correlation_id(format!("json-{i}").into())
            .with_reply_to(reply_to.as_str().into())
            .with_delivery_mode(2);
        client
            .publish(&names.requests, request.to_string().as_bytes(), json_props)
            .await;
        let body = serde_pickle::to_vec(request, serde_pickle::SerOptions::new()).expect("pickle");
        let pickle_props = BasicProperties::default()
            .with_content_type(PICKLE.into())
            .with_correlation_id(format!("pkl-{i}").into())
            .with_reply_to(reply_to.as_str().into());
        client.publish(&names.requests, &body, pickle_props).await;
    }
    let got = collect(&mut replies, 2 * requests.len(), Duration::from_secs(20)).await;
    assert_eq!(got.len(), 2 * requests.len(), "log:\n{}", worker.log());
    let by_id: HashMap<String, &lapin::message::Delivery> = got
        .iter()
        .map(|d| (correlation(&d.properties), d))
        .collect();
    for (i, expected) in offline.iter().enumerate() {
        for (prefix, content_type, mode) in
            [("json", "application/json", Some(2)), ("pkl", PICKLE, None)]
        {
            let d = by_id
                .get(&format!("{prefix}-{i}"))
                .unwrap_or_else(|| panic!("no reply for {prefix}-{i}"));
            let ct = d.properties.content_type().as_ref().map(|c| c.to_string());
            assert_eq!(ct.as_deref(), Some(content_type));
            assert_eq!(*d.properties.delivery_mode(), mode, "delivery mode echoed");
            let value = decode(&d.data, content_type);
            assert_eq!(
                &value, expected,
                "{prefix}-{i}: broker reply differs from offline predict"
            );
        }
    }
    // And with scikit-learn itself: the samples (outputs/best_model.expected.jsonl), the batch and the row
    // with nulls (tests/fixtures/shipped/broker_expectations.jsonl, python/make_broker_expectations.py).
    let read = |p: &str| -> Vec<Value> {
        std::fs::read_to_string(support::root().join(p))
            .unwrap_or_else(|e| panic!("{p}: {e}"))
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect()
    };
    let mut sklearn = read("outputs/best_model.expected.jsonl");
    sklearn.extend(read("tests/fixtures/shipped/broker_expectations.jsonl"));
    assert_eq!(
        sklearn.len(),
        requests.len(),
        "one scikit-learn answer per request"
    );
    for (i, want) in sklearn.iter().enumerate() {
        for prefix in ["json", "pkl"] {
            let d = by_id[&format!("{prefix}-{i}")];
            let content_type = d.properties.content_type().as_ref().map(|c| c.to_string());
            let got = decode(&d.data, content_type.as_deref().unwrap_or(""));
            assert_matches_sklearn(&got, want, &format!("{prefix}-{i}"));
        }
    }
    assert!(offline[0].get("prediction").is_some());
    assert_eq!(
        offline[requests.len() - 2]["predictions"]
            .as_array()
            .map(Vec::len),
        Some(6)
    );
    client.cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_is_answered_and_dead_lettered_without_hurting_traffic() {
    let names = Names::new("bad");
    let mut worker = WorkerProcess::spawn(
        &names,
        &[("PREDICT_WORKER__WORKER__MAX_BODY_BYTES", "65536")],
    );
    worker.wait_ready(Duration::from_secs(20));
    let client = Client::connect().await;
    let (reply_to, mut replies) = client.reply_queue().await;
    let good = sample_lines();
    let evil_pickle = b"cos\nsystem\n(S'echo pwned'\ntR.".to_vec();
    let oversized = format!(r#"{{"features": [1], "pad": "{}"}}"#, "x".repeat(70_000));
    let bad: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "bad-json",
            b"{\"features\": [1, 2".to_vec(),
            "application/json",
            "invalid_json",
        ),
        (
            "wrong-type",
            br#"{"features": {"mean_radius": [1]}}"#.to_vec(),
            "application/json",
            "wrong_type",
        ),
        (
            "wrong-shape",
            br#"{"instances": "all of them"}"#.to_vec(),
            "application/json",
            "invalid_request",
        ),
        (
            "wrong-count",
            br#"{"features": [1, 2, 3]}"#.to_vec(),
            "application/json",
            "wrong_feature_count",
        ),
        (
            "unknown-name",
            br#"{"features": {"radius": 1}}"#.to_vec(),
            "application/json",
            "unknown_feature",
        ),
        (
            "oversized",
            oversized.into_bytes(),
            "application/json",
            "body_too_large",
        ),
        (
            "content-type",
            b"features=1,2,3".to_vec(),
            "text/plain",
            "unsupported_content_type",
        ),
        ("evil-pickle", evil_pickle, PICKLE, "invalid_pickle"),
    ];
    for (i, (id, body, content_type, _)) in bad.iter().enumerate() {
        let props = BasicProperties::default()
            .with_content_type((*content_type).into())
            .with_correlation_id((*id).into())
            .with_reply_to(reply_to.as_str().into());
        client.publish(&names.requests, body, props).await;
        let props = BasicProperties::default()
            .with_correlation_id(format!("good-{i}").into())
            .with_reply_to(reply_to.as_str().into());
        client
            .publish(&names.requests, good[i % good.len()].as_bytes(), props)
            .await;
    }
    let got = collect(&mut replies, 2 * bad.len(), Duration::from_secs(20)).await;
    assert_eq!(got.len(), 2 * bad.len(), "log:\n{}", worker.log());
    let by_id: HashMap<String, &lapin::message::Delivery> = got
        .iter()
        .map(|d| (correlation(&d.properties), d))
        .collect();
    for (i, (id, _, content_type, code)) in bad.iter().enumerate() {
        let d = by_id
            .get(*id)
            .unwrap_or_else(|| panic!("no reply for {id}"));
        let reply_type = if *content_type == PICKLE {
            PICKLE
        } else {
            "application/json"
        };
        let v = decode(&d.data, reply_type);
        assert_eq!(v["error"]["code"], *code, "{id}: {v}");
        assert!(!v["error"]["message"].as_str().unwrap_or("").is_empty());
        let ok = by_id
            .get(&format!("good-{i}"))
            .unwrap_or_else(|| panic!("no reply for good-{i}"));
        let v = decode(&ok.data, "application/json");
        assert!(v.get("prediction").is_some(), "good-{i} after {id}: {v}");
    }
    // Every bad request went to the dead-letter queue; nothing is left unacked in the request queue.
    let mut dead = 0;
    for _ in 0..100 {
        dead = client.depth(&names.dead).await;
        if dead as usize == bad.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(dead as usize, bad.len(), "dead-letter queue depth");
    // Each dead letter is the request itself (body and correlation id) with the reason in its headers.
    let dead_letters = client.drain(&names.dead).await;
    assert_eq!(dead_letters.len(), bad.len());
    let header = |m: &lapin::message::BasicGetMessage, key: &str| -> String {
        match m
            .delivery
            .properties
            .headers()
            .as_ref()
            .and_then(|h| h.inner().get(key).cloned())
        {
            Some(AMQPValue::LongString(s)) => s.to_string(),
            other => panic!("dead letter lacks {key}: {other:?}"),
        }
    };
    for (id, body, _, code) in &bad {
        let m = dead_letters
            .iter()
            .find(|m| correlation(&m.delivery.properties) == *id)
            .unwrap_or_else(|| panic!("{id} is not in the dead-letter queue"));
        assert_eq!(
            &m.delivery.data, body,
            "{id}: the dead letter keeps the body"
        );
        assert_eq!(header(m, "x-predict-error"), *code, "{id}");
        assert!(!header(m, "x-predict-error-message").is_empty(), "{id}");
        assert_eq!(header(m, "x-predict-queue"), names.requests, "{id}");
    }
    worker.terminate(Duration::from_secs(10));
    assert_eq!(client.depth(&names.requests).await, 0, "nothing requeued");
    client.cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_without_reply_to_go_to_the_results_queue() {
    let names = Names::new("results");
    let mut worker = WorkerProcess::spawn(&names, &[]);
    worker.wait_ready(Duration::from_secs(20));
    let client = Client::connect().await;
    let sample = sample_lines();
    client
        .publish(
            &names.requests,
            sample[0].as_bytes(),
            BasicProperties::default().with_message_id("msg-1".into()),
        )
        .await;
    client
        .publish(
            &names.requests,
            sample[1].as_bytes(),
            BasicProperties::default()
                .with_correlation_id("corr-2".into())
                .with_message_id("ignored".into()),
        )
        .await;
    let results = client.drain_until(&names.results, 2).await;
    assert_eq!(results.len(), 2, "log:\n{}", worker.log());
    let mut ids: Vec<String> = results
        .iter()
        .map(|m| correlation(&m.delivery.properties))
        .collect();
    ids.sort();
    assert_eq!(ids, ["corr-2", "msg-1"]);
    for m in &results {
        let v: Value = serde_json::from_slice(&m.delivery.data).expect("json");
        assert!(v.get("prediction").is_some(), "{v}");
        let ct = m
            .delivery
            .properties
            .content_type()
            .as_ref()
            .map(|c| c.to_string());
        assert_eq!(ct.as_deref(), Some("application/json"));
    }
    client.cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_answers_and_acks_everything_in_flight() {
    let names = Names::new("term");
    let client = Client::connect().await;
    let total = 1500;
    let (reply_to, mut replies) = client.reply_queue().await;
    // The worker starts with a full queue, so its prefetch buffer is full when SIGTERM arrives.
    let mut worker = WorkerProcess::spawn(&names, &[("PREDICT_WORKER__WORKER__PREFETCH", "300")]);
    worker.wait_ready(Duration::from_secs(20));
    let body = sample_lines()[2].clone();
    for i in 0..total {
        let props = BasicProperties::default()
            .with_correlation_id(format!("t-{i}").into())
            .with_reply_to(reply_to.as_str().into());
        client
            .ch
            .basic_publish(
                "".into(),
                names.requests.as_str().into(),
                lapin::options::BasicPublishOptions::default(),
                body.as_bytes(),
                props,
            )
            .await
            .expect("publish");
    }
    client.ch.wait_for_confirms().await.expect("confirms");
    let first = collect(&mut replies, 50, Duration::from_secs(20)).await;
    assert_eq!(first.len(), 50, "log:\n{}", worker.log());
    worker.terminate(Duration::from_secs(9));
    let mut got = first;
    got.extend(collect(&mut replies, total, Duration::from_secs(2)).await);
    let mut seen = std::collections::HashSet::new();
    for d in &got {
        assert!(seen.insert(correlation(&d.properties)), "duplicate reply");
    }
    let left = client.drain(&names.requests).await;
    assert_eq!(
        got.len() + left.len(),
        total,
        "every request answered once or still queued"
    );
    assert!(got.len() > 50, "in-flight work was answered, not dropped");
    for m in &left {
        assert!(
            !m.delivery.redelivered,
            "a request was delivered, not acked, and returned to the queue"
        );
    }
    assert!(
        !names.readiness().exists(),
        "readiness file removed at shutdown"
    );
    client.cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_declared_with_other_arguments_is_a_clear_fatal_error() {
    let names = Names::new("mismatch");
    let client = Client::connect().await;
    let mut args = FieldTable::default();
    args.insert("x-max-length".into(), AMQPValue::LongInt(10));
    client
        .ch
        .queue_declare(
            names.requests.as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            args,
        )
        .await
        .expect("pre-declare");
    let mut worker = WorkerProcess::spawn(&names, &[]);
    let status = worker
        .wait_exit(Duration::from_secs(20))
        .unwrap_or_else(|| panic!("worker should exit, not retry:\n{}", worker.log()));
    assert_eq!(status.code(), Some(5), "{}", worker.log());
    let log = worker.log();
    assert!(log.contains(&names.requests), "names the queue: {log}");
    assert!(
        log.contains("x-dead-letter-exchange"),
        "names the argument: {log}"
    );
    let _ = client
        .ch
        .queue_delete(
            names.requests.as_str().into(),
            QueueDeleteOptions::default(),
        )
        .await;
    client.cleanup(&names).await;
}

/// `queues.queue_type = "quorum"`: the request queue really is a quorum queue with the delivery limit,
/// and the worker answers through it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quorum_request_queue_is_declared_and_served() {
    let names = Names::new("quorum");
    let mut worker = WorkerProcess::spawn(
        &names,
        &[
            ("PREDICT_WORKER__QUEUES__QUEUE_TYPE", "quorum"),
            ("PREDICT_WORKER__QUEUES__DELIVERY_LIMIT", "3"),
        ],
    );
    worker.wait_ready(Duration::from_secs(30));
    let client = Client::connect().await;
    let sample = sample_lines();
    client
        .publish(
            &names.requests,
            sample[0].as_bytes(),
            BasicProperties::default().with_correlation_id("q-1".into()),
        )
        .await;
    let results = client.drain_until(&names.results, 1).await;
    assert_eq!(results.len(), 1, "log:\n{}", worker.log());
    let v: Value = serde_json::from_slice(&results[0].delivery.data).expect("json");
    assert!(v.get("prediction").is_some(), "{v}");

    // Re-declaring with the quorum arguments is accepted; without them the broker refuses (406), so the
    // queue is a quorum queue with exactly these arguments. A refused declare closes its channel.
    let declare = |quorum: bool| {
        let mut args = FieldTable::default();
        args.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString(names.dead.as_str().into()),
        );
        if quorum {
            args.insert(
                "x-queue-type".into(),
                AMQPValue::LongString("quorum".into()),
            );
            args.insert("x-delivery-limit".into(), AMQPValue::LongInt(3));
        }
        let conn = &client.conn;
        let queue = names.requests.clone();
        async move {
            let ch = conn.create_channel().await.expect("channel");
            ch.queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions {
                    durable: true,
                    ..QueueDeclareOptions::default()
                },
                args,
            )
            .await
        }
    };
    declare(true)
        .await
        .expect("same quorum arguments are accepted");
    let refused = declare(false).await;
    assert!(
        refused.is_err(),
        "a classic re-declare must be refused, the queue is not quorum"
    );
    worker.terminate(Duration::from_secs(15));
    client.cleanup(&names).await;
}
