//! Celery clients call the worker unchanged: a real Celery (from PyPI, python/requirements-ci.txt) runs
//! python/celery_check.py against the worker binary on private queues. Its results must equal the
//! offline `predict` answers; errors, expiry, unknown tasks, pickled bodies, groups and ignore_result
//! behave as with Celery's own worker; native requests on the same queue are answered alongside; and
//! both declaration orders work. RabbitMQ and Celery must be there: these tests fail, never skip.

mod cleanup;
mod support;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lapin::options::ExchangeDeleteOptions;
use lapin::types::AMQPValue;
use lapin::BasicProperties;
use serde_json::{json, Map, Value};
use support::{Client, Names, WorkerProcess};

const PLAIN: (&str, &str) = ("PREDICT_WORKER__CELERY__PLAIN_REQUEST_QUEUE", "true");

fn require_celery() {
    let ok = Command::new("python3")
        .args(["-c", "import celery, kombu"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "python3 with celery is required: pip install -r python/requirements-ci.txt"
    );
}

/// The shipped samples' feature names in the model's order, and their rows by name.
fn samples() -> (Vec<String>, Vec<Map<String, Value>>) {
    let lines = support::sample_lines();
    let rows: Vec<Map<String, Value>> = lines
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("sample JSON");
            v["features"].as_object().expect("features by name").clone()
        })
        .collect();
    let mut names: Vec<String> = rows[0].keys().cloned().collect();
    names.sort_by_key(|n| lines[0].find(&format!("\"{n}\":")).unwrap_or(usize::MAX));
    (names, rows)
}

/// `n` distinct rows by name: the samples with every number scaled by a deterministic factor.
fn rows(n: usize) -> (Vec<String>, Vec<Map<String, Value>>) {
    let (names, samples) = samples();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let out = (0..n)
        .map(|i| {
            let mut row = samples[i % samples.len()].clone();
            for v in row.values_mut() {
                if let Some(x) = v.as_f64() {
                    *v = json!((x * (0.85 + 0.3 * uniform()) * 1e4).round() / 1e4);
                }
            }
            row
        })
        .collect();
    (names, out)
}

fn positional(names: &[String], row: &Map<String, Value>) -> Value {
    // Positional rows are numbers or null only: the categorical column goes as null (missing).
    Value::Array(
        names
            .iter()
            .map(|n| match &row[n] {
                Value::String(_) => Value::Null,
                v => v.clone(),
            })
            .collect(),
    )
}

/// `n` Celery cases, each in one of four forms, with the offline `predict` answer as its result.
fn cases(n: usize) -> Vec<Value> {
    let (names, rows) = rows(n + 2);
    let mut cases = Vec::with_capacity(n);
    let mut requests = Vec::with_capacity(n);
    for i in 0..n {
        let named = Value::Object(rows[i].clone());
        let (case, request) = match i % 4 {
            0 => (json!({"args": [named]}), json!({"features": named})),
            1 => {
                let row = positional(&names, &rows[i]);
                (json!({"args": [row]}), json!({"features": row}))
            }
            2 => (
                json!({"kwargs": {"features": named}}),
                json!({"features": named}),
            ),
            _ => {
                let batch = json!([named, positional(&names, &rows[i + 1]), rows[i + 2]]);
                (
                    json!({"kwargs": {"instances": batch}}),
                    json!({"instances": batch}),
                )
            }
        };
        cases.push(case);
        requests.push(request.to_string());
    }
    let answers = support::offline_predict(&(requests.join("\n") + "\n"));
    assert_eq!(answers.len(), n);
    for (case, answer) in cases.iter_mut().zip(answers) {
        let answer: Value = serde_json::from_str(&answer).expect("offline answer");
        assert!(answer.get("error").is_none(), "offline error {answer}");
        case["expected"] = answer;
    }
    cases
}

/// Run python/celery_check.py; returns its child process (stdout piped).
fn celery_check(names: &Names, cases: &[Value], extra: &[&str]) -> std::process::Child {
    let file = names.dir.join("cases.json");
    std::fs::write(&file, json!({ "cases": cases }).to_string()).expect("cases file");
    Command::new("python3")
        .current_dir(support::root())
        .arg("python/celery_check.py")
        .args(["--queue", &names.requests, "--cases"])
        .arg(&file)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python3 python/celery_check.py")
}

/// Wait for the client; require success and return its JSON summary.
fn summary(child: std::process::Child, worker: &WorkerProcess) -> Value {
    let out = child.wait_with_output().expect("celery_check output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "celery_check failed ({}):\n{stderr}\nworker log:\n{}",
        out.status,
        worker.log()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("summary JSON")
}

/// Delete the test's queues and the `celery`-style exchange Celery declares, named like the queue.
async fn cleanup(client: &Client, names: &Names) {
    client.cleanup(names).await;
    let ch = client.conn.create_channel().await.expect("channel");
    let _ = ch
        .exchange_delete(
            names.requests.as_str().into(),
            ExchangeDeleteOptions::default(),
        )
        .await;
}

fn header(props: &BasicProperties, key: &str) -> String {
    match props.headers().as_ref().and_then(|h| h.inner().get(key)) {
        Some(AMQPValue::LongString(s)) => s.to_string(),
        other => format!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_celery_client_after_the_worker_gets_offline_answers_with_native_traffic_alongside() {
    require_celery();
    let names = Names::new("celery");
    let _delete = cleanup::DeleteOnDrop(names.clone());
    let client = Client::connect().await;
    let mut worker = WorkerProcess::spawn(&names, &[PLAIN]);
    worker.wait_ready(Duration::from_secs(20));
    let cases = cases(1000);
    let python = celery_check(&names, &cases, &["--checks"]);

    // Native requests on the same queue while Celery tasks flow: every one answered like offline.
    let (names_in_order, rows) = rows(300);
    let requests: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| match i % 2 {
            0 => json!({"id": i, "features": r}).to_string(),
            _ => json!({"id": i, "features": positional(&names_in_order, r)}).to_string(),
        })
        .collect();
    let expected: HashMap<String, Value> = support::offline_predict(&(requests.join("\n") + "\n"))
        .iter()
        .enumerate()
        .map(|(i, a)| (i.to_string(), serde_json::from_str(a).expect("offline")))
        .collect();
    let (reply_to, mut replies) = client.reply_queue().await;
    for (i, body) in requests.iter().enumerate() {
        let props = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_reply_to(reply_to.as_str().into())
            .with_correlation_id(i.to_string().into());
        client
            .publish(&names.requests, body.as_bytes(), props)
            .await;
        if i % 50 == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // Celery tasks published by hand: one whose result we read raw, and two without reply_to (one
    // good: acked with no result anywhere; one for another task: dead-lettered).
    let task_body = json!([[rows[0]], {}, null]).to_string();
    let task = |name: &str, id: &str| {
        let mut h = lapin::types::FieldTable::default();
        h.insert("task".into(), AMQPValue::LongString(name.into()));
        h.insert("id".into(), AMQPValue::LongString(id.into()));
        h.insert("group".into(), AMQPValue::LongString("g-7".into()));
        h.insert("ignore_result".into(), AMQPValue::Boolean(false));
        BasicProperties::default()
            .with_content_type("application/json".into())
            .with_content_encoding("utf-8".into())
            .with_delivery_mode(2)
            .with_headers(h)
    };
    let raw = task("predict", "raw-1")
        .with_correlation_id("raw-1".into())
        .with_reply_to(reply_to.as_str().into());
    client
        .publish(&names.requests, task_body.as_bytes(), raw)
        .await;
    for (name, id) in [("predict", "silent-1"), ("other.task", "silent-2")] {
        client
            .publish(&names.requests, task_body.as_bytes(), task(name, id))
            .await;
    }
    let mut got = support::collect(&mut replies, requests.len() + 1, Duration::from_secs(60)).await;
    assert_eq!(
        got.len(),
        requests.len() + 1,
        "native replies and one Celery result:\n{}",
        worker.log()
    );
    let at = got
        .iter()
        .position(|d| support::correlation(&d.properties) == "raw-1")
        .expect("the raw task's result");
    let result = got.remove(at);
    let p = &result.properties;
    assert_eq!(
        p.content_type().as_ref().map(|c| c.as_str()),
        Some("application/json")
    );
    assert_eq!(
        p.content_encoding().as_ref().map(|c| c.as_str()),
        Some("utf-8")
    );
    assert_eq!(
        *p.delivery_mode(),
        Some(1),
        "transient, as Celery's rpc:// results"
    );
    let meta: Value = serde_json::from_slice(&result.data).expect("result JSON");
    let mut want = expected["0"].clone();
    want.as_object_mut().expect("reply object").remove("id");
    assert_eq!(meta["status"], "SUCCESS");
    assert_eq!(meta["result"], want);
    assert_eq!(meta["task_id"], "raw-1");
    assert_eq!(meta["group_id"], "g-7");
    assert_eq!(meta["children"], json!([]));
    assert!(meta["date_done"]
        .as_str()
        .is_some_and(|d| d.ends_with("+00:00")));
    for d in &got {
        let id = support::correlation(&d.properties);
        let reply: Value = serde_json::from_slice(&d.data).expect("native reply JSON");
        assert_eq!(Some(&reply), expected.get(&id), "native request {id}");
    }

    let summary = tokio::task::spawn_blocking({
        let worker_log = names.log();
        move || {
            let out = python.wait_with_output().expect("celery_check output");
            (out, std::fs::read_to_string(worker_log).unwrap_or_default())
        }
    })
    .await
    .expect("join");
    let (out, log) = summary;
    assert!(
        out.status.success(),
        "celery_check failed:\n{}\nworker log:\n{log}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_str(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or(""),
    )
    .expect("summary JSON");
    eprintln!("celery_check: {summary}");
    assert_eq!(summary["tasks"], 1000);
    assert_eq!(summary["group"], 100);
    assert_eq!(summary["expired_state"], "REVOKED");
    assert_eq!(summary["ignore_result"], "ok");

    // Failures were dead-lettered with their codes; the expired task and ignore_result were acked.
    let dead = client.drain_until(&names.dead, 6).await;
    let mut codes: Vec<String> = dead
        .iter()
        .map(|m| header(&m.delivery.properties, "x-predict-error"))
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            "eta_not_supported",
            "not_registered",
            "not_registered",
            "pickled_task",
            "unknown_feature",
            "wrong_feature_count"
        ]
    );
    assert_eq!(client.depth(&names.requests).await, 0, "everything acked");
    assert_eq!(
        client.depth(&names.results).await,
        0,
        "no Celery result on the results queue"
    );
    worker.terminate(Duration::from_secs(10));
    cleanup(&client, &names).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_celery_client_that_declares_and_publishes_first_is_answered_once_the_worker_starts() {
    require_celery();
    let names = Names::new("celeryfirst");
    let _delete = cleanup::DeleteOnDrop(names.clone());
    let client = Client::connect().await;
    let cases = cases(200);
    let signal = names.dir.join("published");
    let signal_arg = signal.display().to_string();
    let python = celery_check(
        &names,
        &cases,
        &["--publish-first", "50", "--signal", &signal_arg],
    );
    let start = Instant::now();
    while !signal.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "Celery never published"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        client.depth(&names.requests).await,
        50,
        "tasks wait for a worker"
    );
    let mut worker = WorkerProcess::spawn(&names, &[PLAIN]);
    worker.wait_ready(Duration::from_secs(20));
    let summary = tokio::task::spawn_blocking(move || {
        let s = summary(python, &worker);
        (s, worker)
    })
    .await
    .expect("join");
    let (summary, mut worker) = summary;
    assert_eq!(summary["published_first"], 50);
    assert_eq!(summary["tasks"], 200);
    worker.terminate(Duration::from_secs(10));
    cleanup(&client, &names).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_plain_mode_a_queue_celery_declared_stops_the_worker_naming_the_setting() {
    let names = Names::new("celery406");
    let _delete = cleanup::DeleteOnDrop(names.clone());
    let client = Client::connect().await;
    // What a Celery client declares: the queue, durable, with no arguments.
    client
        .ch
        .queue_declare(
            names.requests.as_str().into(),
            lapin::options::QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            lapin::types::FieldTable::default(),
        )
        .await
        .expect("declare like Celery");
    let mut worker = WorkerProcess::spawn(&names, &[]);
    let status = worker
        .wait_exit(Duration::from_secs(20))
        .unwrap_or_else(|| panic!("worker kept running:\n{}", worker.log()));
    assert!(!status.success());
    let log = worker.log();
    assert!(
        log.contains("x-dead-letter-exchange") && log.contains("celery.plain_request_queue"),
        "{log}"
    );
    cleanup(&client, &names).await;
}
