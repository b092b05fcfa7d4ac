//! `predict-worker send` against the real broker, with a tiny echo consumer in the test instead of
//! the worker: publish properties, correlation matching, input-order output, pickle, and timeouts.

use std::io::Write;
use std::process::{Command, Output};
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use serde_json::{json, Value};

const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

struct Seen {
    body: Value,
    delivery_mode: Option<u8>,
    correlation_id: String,
    reply_to: String,
    content_type: String,
}

fn decode(body: &[u8], content_type: &str) -> Value {
    if content_type == "application/x-python-serialize" {
        serde_pickle::from_slice(body, Default::default()).expect("pickle request")
    } else {
        serde_json::from_slice(body).expect("JSON request")
    }
}

async fn broker() -> (Connection, Channel, String) {
    let conn = Connection::connect(URL, ConnectionProperties::default())
        .await
        .expect("RabbitMQ must run on 127.0.0.1:5672 (guest/guest) for these tests");
    let ch = conn.create_channel().await.unwrap();
    let queue = format!("test.send.{}", uuid::Uuid::new_v4().simple());
    ch.queue_declare(
        queue.as_str().into(),
        QueueDeclareOptions::durable(),
        FieldTable::default(),
    )
    .await
    .unwrap();
    (conn, ch, queue)
}

/// Consume `expect` requests, then answer them in REVERSE order (skipping those `drop` rejects),
/// echoing `{"echo": request}` with the request's correlation id and content type.
async fn echo(ch: Channel, queue: String, expect: usize, drop: fn(&Value) -> bool) -> Vec<Seen> {
    let mut consumer = ch
        .basic_consume(
            queue.as_str().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let mut seen = Vec::new();
    while seen.len() < expect {
        let d = tokio::time::timeout(Duration::from_secs(20), consumer.next())
            .await
            .expect("requests arrive")
            .unwrap()
            .unwrap();
        let p = &d.properties;
        let content_type = p
            .content_type()
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default();
        seen.push(Seen {
            body: decode(&d.data, &content_type),
            delivery_mode: *p.delivery_mode(),
            correlation_id: p
                .correlation_id()
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default(),
            reply_to: p
                .reply_to()
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default(),
            content_type,
        });
        d.ack(BasicAckOptions::default()).await.unwrap();
    }
    for s in seen.iter().rev() {
        if drop(&s.body) {
            continue;
        }
        let reply = json!({"echo": s.body});
        let body = if s.content_type == "application/x-python-serialize" {
            serde_pickle::to_vec(&reply, Default::default()).unwrap()
        } else {
            serde_json::to_vec(&reply).unwrap()
        };
        ch.basic_publish(
            "".into(),
            s.reply_to.as_str().into(),
            BasicPublishOptions::default(),
            &body,
            BasicProperties::default()
                .with_correlation_id(s.correlation_id.as_str().into())
                .with_content_type(s.content_type.as_str().into()),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    }
    seen
}

fn send(queue: &str, input: &[u8], extra: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_predict-worker"))
        .args(["send", "--amqp-url", URL, "--queue", queue, "--input", "-"])
        .args(extra)
        .env_remove("PREDICT_WORKER__AMQP__URL")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

async fn run_case(
    input: &'static [u8],
    extra: &'static [&'static str],
    expect: usize,
    drop: fn(&Value) -> bool,
) -> (Output, Vec<Seen>) {
    let (conn, ch, queue) = broker().await;
    let consumer = tokio::spawn(echo(ch.clone(), queue.clone(), expect, drop));
    let q = queue.clone();
    let out = tokio::task::spawn_blocking(move || send(&q, input, extra))
        .await
        .unwrap();
    let seen = consumer.await.unwrap();
    ch.queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await
        .unwrap();
    let _ = conn.close(200, "bye".into()).await;
    (out, seen)
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSONL on stdout"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_rows_are_published_persistent_and_printed_in_input_order() {
    let csv = b"mean_radius,size_band,extra\n11.4,small,\n20.9,large,7\n16,medium,x\n";
    let (out, seen) = run_case(csv, &[], 3, |_| false).await;
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(seen.len(), 3);
    let mut corrs: Vec<&str> = seen.iter().map(|s| s.correlation_id.as_str()).collect();
    corrs.sort();
    corrs.dedup();
    assert_eq!(corrs.len(), 3, "one correlation id per message");
    for s in &seen {
        assert_eq!(s.delivery_mode, Some(2), "persistent");
        assert!(s.reply_to.starts_with("amq.gen-") || s.reply_to == "amq.rabbitmq.reply-to");
        assert_eq!(s.content_type, "application/json");
    }
    // The echo consumer answered in reverse; output follows the input.
    assert_eq!(
        lines(&out),
        vec![
            json!({"echo": {"id": 1, "features": {"mean_radius": 11.4, "size_band": "small", "extra": null}}}),
            json!({"echo": {"id": 2, "features": {"mean_radius": 20.9, "size_band": "large", "extra": 7}}}),
            json!({"echo": {"id": 3, "features": {"mean_radius": 16, "size_band": "medium", "extra": "x"}}}),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonl_requests_with_pickle_bodies() {
    let input =
        b"{\"id\":\"a\",\"features\":[1.5,null]}\n{\"id\":\"b\",\"instances\":[[1,2],[3,4]]}\n";
    let (out, seen) = run_case(input, &["--pickle"], 2, |_| false).await;
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(seen
        .iter()
        .all(|s| s.content_type == "application/x-python-serialize"));
    assert_eq!(
        lines(&out),
        vec![
            json!({"echo": {"id": "a", "features": [1.5, null]}}),
            json!({"echo": {"id": "b", "instances": [[1, 2], [3, 4]]}}),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_array_rows_batched() {
    let input = b"[[1,2],[3,4],[5,6]]";
    let (out, _) = run_case(input, &["--rows-per-message", "2"], 2, |_| false).await;
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        lines(&out),
        vec![
            json!({"echo": {"id": 1, "instances": [[1, 2], [3, 4]]}}),
            json!({"echo": {"id": 2, "instances": [[5, 6]]}}),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_reply_times_out_non_zero_and_names_the_count() {
    let input =
        b"{\"id\":1,\"features\":[1]}\n{\"id\":2,\"features\":[2]}\n{\"id\":3,\"features\":[3]}\n";
    let started = std::time::Instant::now();
    let (out, _) = run_case(input, &["--timeout", "2"], 3, |b| b["id"] == json!(2)).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(started.elapsed() < Duration::from_secs(15));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 of 3 replies missing"),
        "stderr: {stderr}"
    );
    let got = lines(&out);
    assert_eq!(got.len(), 3, "one line per request, in order");
    assert_eq!(got[0]["echo"]["id"], json!(1));
    assert_eq!(got[1]["id"], json!(2));
    assert_eq!(got[1]["error"]["code"], json!("no_reply"));
    assert_eq!(got[2]["echo"]["id"], json!(3));
}

#[test]
fn missing_queue_is_a_broker_error() {
    let out = send(
        "test.send.does-not-exist.6f1c",
        b"{\"features\":[1]}\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("test.send.does-not-exist.6f1c"),
        "stderr: {stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_input_names_the_line() {
    let out = send(
        "unused",
        b"{\"features\":[1]}\nnot json\n",
        &["--format", "jsonl"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 2"), "stderr: {stderr}");
}
