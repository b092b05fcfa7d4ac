//! The telemetry endpoint of a real worker process against the real broker: exact counts by outcome
//! and error code, histogram counts equal to the batches and messages handled, in_flight back at 0,
//! `/readyz` 503 after SIGTERM while the process still runs; and the model identity in the client
//! properties of two workers' connections, as the management API shows them. RabbitMQ (with the
//! management plugin on :15672) must run; these tests fail without it, never skip.

mod cleanup;
mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use lapin::BasicProperties;
use predict_worker::protocol::error::CODES;
use predict_worker::telemetry::catalog;
use support::scrape::{agent, free_port, get, scrape_until, Metrics};
use support::{collect, sample_lines, Client, Names, WorkerProcess};

/// Rows in the request that keeps the worker draining after SIGTERM (well over 100 ms of parsing and
/// predicting even in a release build).
const LONG_ROWS: usize = 20_000;

fn props(id: &str, reply_to: &str) -> BasicProperties {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    BasicProperties::default()
        .with_correlation_id(id.into())
        .with_reply_to(reply_to.into())
        .with_content_type("application/json".into())
        .with_timestamp(now)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_by_outcome_and_code_and_readyz_turns_503_on_sigterm() {
    let names = Names::new("metrics");
    let _delete = cleanup::DeleteOnDrop(names.clone());
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let base = format!("http://{addr}");
    // JSON logs at DEBUG (the support module sets RUST_LOG=predict_worker=debug), checked at the end.
    let mut worker = WorkerProcess::spawn(
        &names,
        &[
            ("PREDICT_WORKER__TELEMETRY__METRICS_ADDR", addr.as_str()),
            ("PREDICT_WORKER__TELEMETRY__LOG_FORMAT", "json"),
        ]
        .into_iter()
        .chain(support::LONG_REQUEST_ENV)
        .collect::<Vec<_>>(),
    );
    worker.wait_ready(Duration::from_secs(20));
    let client = Client::connect().await;
    let (reply_to, mut replies) = client.reply_queue().await;
    assert_eq!(get(&format!("{base}/healthz")).0, 200);
    assert_eq!(get(&format!("{base}/readyz")).0, 200);

    // Phase 1: N good one-row requests.
    let lines = sample_lines();
    let n = 60;
    for i in 0..n {
        let body = &lines[i % lines.len()];
        client
            .publish(
                &names.requests,
                body.as_bytes(),
                props(&format!("ok-{i}"), &reply_to),
            )
            .await;
    }
    assert_eq!(
        collect(&mut replies, n, Duration::from_secs(20))
            .await
            .len(),
        n
    );
    let m = scrape_until(&base, |m| m.settled("ok") >= n as f64);
    let good_batches = m.histogram(catalog::BATCH_SIZE).0;
    assert_eq!(m.value(catalog::REQUESTS_RECEIVED), n as f64);
    assert_eq!(m.settled("ok"), n as f64);
    assert_eq!(m.value(catalog::ROWS_PREDICTED), n as f64);
    assert_eq!(
        m.histogram(catalog::BATCH_SIZE).1,
        n as f64,
        "batch sizes add up to the requests"
    );
    assert!(good_batches >= 1.0 && good_batches <= n as f64);
    assert_eq!(
        m.histogram(catalog::PREDICT_SECONDS).0,
        good_batches,
        "one model observation per micro-batch of good requests"
    );
    assert_eq!(m.histogram(catalog::REQUEST_AGE_SECONDS).0, n as f64);

    // Phase 2: M bad requests with four different codes.
    let bad: Vec<(&str, &str, &str)> = [
        ("invalid_json", "application/json", "{"),
        ("invalid_json", "application/json", r#"{"features": [1,"#),
        ("invalid_json", "application/json", "nope"),
        ("invalid_request", "application/json", r#"{"nope": 1}"#),
        (
            "invalid_request",
            "application/json",
            r#"{"instances": []}"#,
        ),
        ("unsupported_content_type", "text/plain", "hello"),
        (
            "wrong_feature_count",
            "application/json",
            r#"{"features": [1.0, 2.0]}"#,
        ),
        (
            "wrong_feature_count",
            "application/json",
            r#"{"features": [3.0]}"#,
        ),
    ]
    .to_vec();
    for (i, (_, content_type, body)) in bad.iter().enumerate() {
        let p = props(&format!("bad-{i}"), &reply_to).with_content_type((*content_type).into());
        client.publish(&names.requests, body.as_bytes(), p).await;
    }
    let got = collect(&mut replies, bad.len(), Duration::from_secs(20)).await;
    assert_eq!(got.len(), bad.len());
    let total = (n + bad.len()) as f64;
    let m = scrape_until(&base, |m| {
        m.settled_total() >= total && m.value(catalog::IN_FLIGHT) == 0.0
    });
    assert_eq!(m.value(catalog::REQUESTS_RECEIVED), total);
    assert_eq!(m.settled("ok"), n as f64);
    for code in CODES {
        let want = bad.iter().filter(|(c, _, _)| c == code).count() as f64;
        assert_eq!(m.errors(code), want, "outcome=error, code={code}");
    }
    assert_eq!(m.settled("requeued"), 0.0);
    assert_eq!(m.settled("dead_lettered"), 0.0);
    assert_eq!(m.settled_total(), total);
    assert_eq!(
        m.value(catalog::ROWS_PREDICTED),
        n as f64,
        "bad requests predict no rows"
    );
    assert_eq!(m.histogram(catalog::BATCH_SIZE).1, total);
    assert_eq!(
        m.histogram(catalog::PREDICT_SECONDS).0,
        good_batches,
        "batches of bad requests never reach the model"
    );
    assert_eq!(
        m.histogram(catalog::MESSAGE_SECONDS).0,
        total,
        "one per settled message"
    );
    assert_eq!(m.histogram(catalog::REQUEST_AGE_SECONDS).0, total);
    assert_eq!(m.value(catalog::IN_FLIGHT), 0.0);
    assert_eq!(m.value(catalog::READY), 1.0);
    assert_eq!(m.value(catalog::CONNECTED), 1.0);
    assert_eq!(m.value(catalog::RECONNECTS), 0.0);
    assert_eq!(m.value(catalog::REPLIES_REFUSED), 0.0);
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(
            std::fs::read(support::model_path()).unwrap(),
        ))
    };
    assert!(
        m.scalars
            .iter()
            .any(|(k, v)| k.starts_with(catalog::MODEL_INFO)
                && k.contains(&format!("sha256={sha}"))
                && *v == 1.0),
        "model_info carries the model's sha256:\n{}",
        m.raw
    );
    assert_eq!(
        client.drain_until(&names.dead, bad.len()).await.len(),
        bad.len()
    );

    // Phase 3: 3,000 more requests, so that the log check below sees whether INFO lines grow with load.
    let load = (0..3000).map(|i| props(&format!("load-{i}"), &reply_to));
    support::publish_confirmed(&client.ch, &names.requests, lines[0].as_bytes(), load).await;
    assert_eq!(
        collect(&mut replies, 3000, Duration::from_secs(60))
            .await
            .len(),
        3000
    );

    // Phase 4: SIGTERM while the worker is busy; /readyz must answer 503 before the process exits.
    // The worker is frozen (SIGSTOP) while a long request is delivered to it and the signal is sent,
    // so the drain always has LONG_ROWS rows to predict after the signal, whatever the machine's speed.
    let seen = Arc::new(Mutex::new(Vec::<u16>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let poller = {
        let (seen, stop, url) = (
            Arc::clone(&seen),
            Arc::clone(&stop),
            format!("{base}/readyz"),
        );
        std::thread::spawn(move || {
            let agent = agent();
            while !stop.load(Ordering::SeqCst) {
                if let Ok(resp) = agent.get(&url).call() {
                    seen.lock().unwrap().push(resp.status().as_u16());
                }
            }
        })
    };
    while seen.lock().unwrap().is_empty() {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        seen.lock().unwrap().iter().all(|s| *s == 200),
        "ready before SIGTERM"
    );
    worker.signal("STOP");
    let before = seen.lock().unwrap().len();
    client
        .publish(
            &names.requests,
            &support::long_request(LONG_ROWS),
            props("long", &reply_to),
        )
        .await;
    client
        .wait_taken(
            &names.requests,
            Duration::from_secs(10),
            "the broker should deliver the long request to the stopped worker",
        )
        .await;
    worker.signal("TERM");
    worker.signal("CONT");
    let status = worker
        .wait_exit(Duration::from_secs(60))
        .unwrap_or_else(|| panic!("worker did not exit after draining:\n{}", worker.log()));
    stop.store(true, Ordering::SeqCst);
    poller.join().unwrap();
    assert!(status.success(), "exit {status}:\n{}", worker.log());
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen[before..].contains(&503),
        "/readyz never answered 503 between SIGTERM and exit ({} answers after SIGTERM: {:?})",
        seen.len() - before,
        &seen[before..]
    );
    eprintln!(
        "{} /readyz answers after SIGTERM, {} of them 503",
        seen.len() - before,
        seen[before..].iter().filter(|s| **s == 503).count()
    );
    let long = collect(&mut replies, 1, Duration::from_secs(10)).await;
    assert_eq!(
        long.len(),
        1,
        "the long request was answered while draining"
    );
    assert_eq!(support::correlation(&long[0].properties), "long");
    check_json_logs(&worker.log());
    client.cleanup(&names).await;
}

/// Every line is one JSON object with the fixed keys; error replies are logged inside their
/// micro-batch's span with its correlation ids; INFO lines do not grow with the number of requests.
fn check_json_logs(log: &str) {
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON object ({e}): {l}"))
        })
        .collect();
    for l in &lines {
        for key in ["timestamp", "level", "target", "message"] {
            assert!(l.get(key).is_some(), "{key} missing: {l}");
        }
    }
    let rejected: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["message"] == "request rejected with an error reply")
        .collect();
    assert_eq!(rejected.len(), 8, "one DEBUG line per error reply");
    for l in &rejected {
        assert_eq!(l["level"], "DEBUG", "{l}");
        assert_eq!(l["span"]["name"], "batch", "{l}");
        let ids = l["span"]["correlation_ids"].as_str().unwrap_or("");
        assert!(
            ids.contains("bad-"),
            "the batch span carries the correlation ids: {l}"
        );
    }
    let info = lines.iter().filter(|l| l["level"] == "INFO").count();
    assert!(
        info < 20,
        "{info} INFO lines for 3,069 requests: nothing per message at INFO"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_api_shows_each_workers_model_identity() {
    let names = Names::new("identity");
    let _delete = cleanup::DeleteOnDrop(names.clone());
    let mut a = WorkerProcess::spawn(&names, &[]);
    let b_names = Names {
        dir: names.dir.join("b"),
        ..names.clone()
    };
    std::fs::create_dir_all(&b_names.dir).unwrap();
    let mut b = WorkerProcess::spawn(&b_names, &[]);
    a.wait_ready(Duration::from_secs(20));
    b.wait_ready(Duration::from_secs(20));
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(
            std::fs::read(support::model_path()).unwrap(),
        ))
    };
    let model = predict_worker::model::load_model(
        &support::model_path(),
        &predict_worker::model::LoadLimits::default(),
    )
    .expect("model");
    let estimator = model.summary().class.clone();
    let pids = [a.child.id(), b.child.id()];
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("guest:guest")
    );
    // The management plugin lists a connection after its first statistics tick (5 s by default).
    let start = Instant::now();
    let found = loop {
        let mut resp = agent()
            .get("http://127.0.0.1:15672/api/connections")
            .header("Authorization", &auth)
            .call()
            .expect("the RabbitMQ management API must answer on 127.0.0.1:15672 (rabbitmq-plugins enable rabbitmq_management)");
        assert_eq!(resp.status().as_u16(), 200);
        let all: serde_json::Value =
            serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).expect("JSON");
        let ours: Vec<serde_json::Value> = all
            .as_array()
            .expect("a list of connections")
            .iter()
            .filter(|c| {
                let name = c["client_properties"]["connection_name"]
                    .as_str()
                    .unwrap_or("");
                pids.iter().any(|p| {
                    name.starts_with("predict-worker@") && name.ends_with(&format!("/{p}"))
                })
            })
            .cloned()
            .collect();
        if ours.len() == 2 || start.elapsed() > Duration::from_secs(30) {
            break ours;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(found.len(), 2, "one connection per worker: {found:#?}");
    for c in &found {
        let p = &c["client_properties"];
        assert_eq!(p["model_sha256"].as_str(), Some(&sha[..12]), "{p:#}");
        assert_eq!(p["model"].as_str(), Some("best_model.pkl"), "{p:#}");
        assert_eq!(p["estimator"].as_str(), Some(estimator.as_str()), "{p:#}");
        assert_eq!(p["product"].as_str(), Some("predict-worker"), "{p:#}");
    }
    a.terminate(Duration::from_secs(15));
    b.terminate(Duration::from_secs(15));
    let client = Client::connect().await;
    client.cleanup(&names).await;
}

#[test]
fn readyz_is_503_while_the_broker_is_unreachable_and_healthz_200() {
    let names = Names::new("unreachable");
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let base = format!("http://{addr}");
    // Nothing listens on port 1: the worker keeps reconnecting and never becomes ready.
    let mut worker = WorkerProcess::spawn_at(
        &names,
        "amqp://guest:guest@127.0.0.1:1/%2f",
        &[("PREDICT_WORKER__TELEMETRY__METRICS_ADDR", addr.as_str())],
    );
    let start = Instant::now();
    let healthz = loop {
        match agent().get(&format!("{base}/healthz")).call() {
            Ok(resp) => break resp.status().as_u16(),
            Err(_) if start.elapsed() < Duration::from_secs(20) => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(e) => panic!("no /healthz within 20 s: {e}\n{}", worker.log()),
        }
    };
    assert_eq!(healthz, 200);
    let (status, body) = get(&format!("{base}/readyz"));
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("no consumer running"), "{body}");
    let m = Metrics::scrape(&base);
    assert_eq!(m.value(catalog::READY), 0.0);
    assert_eq!(m.value(catalog::CONNECTED), 0.0);
    assert!(!names.readiness().exists());
    worker.terminate(Duration::from_secs(10));
}

#[test]
fn a_metrics_port_in_use_is_a_configuration_error_naming_the_setting() {
    let names = Names::new("port-in-use");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let mut worker = WorkerProcess::spawn(
        &names,
        &[("PREDICT_WORKER__TELEMETRY__METRICS_ADDR", addr.as_str())],
    );
    let status = worker
        .wait_exit(Duration::from_secs(20))
        .unwrap_or_else(|| panic!("the worker kept running:\n{}", worker.log()));
    assert_eq!(status.code(), Some(3), "{}", worker.log());
    let log = worker.log();
    assert!(
        log.contains("telemetry.metrics_addr") && log.contains(&addr),
        "{log}"
    );
    assert!(!names.readiness().exists());
}
