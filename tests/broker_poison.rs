//! No single message takes the fleet down (real RabbitMQ on 127.0.0.1:5672): a request that aborts
//! the worker is dead-lettered after at most `redelivery_limit` + 1 crashes while the rest is served;
//! expansion-bomb pickles get an error reply and are dead-lettered once with the worker's memory small;
//! a reply refused by a full reply queue dead-letters the request after bounded attempts instead of
//! spinning, and a reply to a vanished requester settles its request; a bad request whose own headers
//! nearly fill a frame is dead-lettered without them, on the same connection.

mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use lapin::options::QueueDeclareOptions;
use lapin::types::{AMQPValue, FieldTable};
use lapin::BasicProperties;
use serde_json::Value;
use support::{collect, correlation, sample_lines, Client, Names, WorkerProcess};

const MARKER: &str = "POISON-7f3a";

fn header(props: &BasicProperties, key: &str) -> Option<String> {
    match props.headers().as_ref()?.inner().get(key)? {
        AMQPValue::LongString(s) => Some(s.to_string()),
        AMQPValue::LongUInt(n) => Some(n.to_string()),
        other => Some(format!("{other:?}")),
    }
}

fn props(id: &str, reply_to: &str) -> BasicProperties {
    BasicProperties::default()
        .with_content_type("application/json".into())
        .with_correlation_id(id.into())
        .with_reply_to(reply_to.into())
        .with_delivery_mode(2)
}

/// Peak resident memory of a process, from /proc (VmHWM), in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kb * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the crash is injected by src/broker/fault.rs, compiled into debug builds only: run without --release"
)]
async fn a_request_that_kills_the_worker_is_dead_lettered_and_the_rest_served() {
    let names = Names::new("poison");
    let env = [
        ("PREDICT_WORKER_TEST_ABORT_ON", MARKER),
        ("PREDICT_WORKER__WORKER__REDELIVERY_LIMIT", "2"),
    ];
    let mut worker = WorkerProcess::spawn(&names, &env);
    worker.wait_ready(Duration::from_secs(20));
    let client = Client::connect().await;
    let (reply_to, mut replies) = client.reply_queue().await;
    let sample = &sample_lines()[0];
    let good = 300;
    for i in 0..good {
        client
            .publish(
                &names.requests,
                sample.as_bytes(),
                props(&format!("good-{i}"), &reply_to),
            )
            .await;
        if i == good / 2 {
            let poison = format!(r#"{{"id": "{MARKER}", "features": [1]}}"#);
            client
                .publish(
                    &names.requests,
                    poison.as_bytes(),
                    props("poison", &reply_to),
                )
                .await;
        }
    }
    // Stand in for Compose's restart policy: start a new worker whenever one dies, and count deaths.
    let mut crashes = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut answered = HashSet::new();
    let mut dead = Vec::new();
    while Instant::now() < deadline && (answered.len() < good || dead.is_empty()) {
        for d in collect(&mut replies, good, Duration::from_millis(300)).await {
            answered.insert(correlation(&d.properties));
        }
        dead.extend(client.drain(&names.dead).await);
        if let Ok(Some(status)) = worker.child.try_wait() {
            assert!(
                !status.success(),
                "the worker died by abort, not by exiting: {status}"
            );
            crashes += 1;
            assert!(
                crashes <= 3,
                "more than redelivery_limit + 1 crashes:\n{}",
                worker.log()
            );
            // The new worker may meet the poison before it even reports ready; the loop counts that.
            // (Dropping the old one removes the test's directory, so make it again first.)
            drop(std::mem::replace(&mut worker, placeholder(&names)));
            std::fs::create_dir_all(&names.dir).expect("test dir");
            worker = WorkerProcess::spawn(&names, &env);
        }
    }
    println!(
        "crashes {crashes}, answered {}, dead-lettered {}",
        answered.len(),
        dead.len()
    );
    assert!(crashes >= 1, "the fault injection never fired");
    assert_eq!(
        answered.len(),
        good,
        "every good request is answered:\n{}",
        worker.log()
    );
    assert!(
        !answered.contains("poison"),
        "the poison was never answered"
    );
    assert_eq!(dead.len(), 1, "only the poison is dead-lettered");
    let poison = &dead[0];
    assert_eq!(correlation(&poison.properties), "poison");
    assert_eq!(
        header(&poison.properties, "x-predict-error").as_deref(),
        Some("redelivery_limit")
    );
    assert_eq!(
        header(&poison.properties, "x-predict-attempts").as_deref(),
        Some("2")
    );
    assert!(String::from_utf8_lossy(&poison.data).contains(MARKER));
    worker.terminate(Duration::from_secs(10));
    client.cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the crash is injected by src/broker/fault.rs, compiled into debug builds only: run without --release"
)]
async fn a_quorum_queue_dead_letters_by_its_delivery_limit_too() {
    // With queues.delivery_limit = 0 RabbitMQ itself dead-letters a quorum-queue message the first
    // time it comes back: the request that aborts the worker lands in the dead-letter queue after one
    // crash, with RabbitMQ's own x-death reason, before the worker's retry lane ever sees it.
    let names = Names::new("quorumlimit");
    let env = [
        ("PREDICT_WORKER_TEST_ABORT_ON", MARKER),
        ("PREDICT_WORKER__QUEUES__QUEUE_TYPE", "quorum"),
        ("PREDICT_WORKER__QUEUES__DELIVERY_LIMIT", "0"),
    ];
    let mut worker = WorkerProcess::spawn(&names, &env);
    worker.wait_ready(Duration::from_secs(20));
    let client = Client::connect().await;
    let (reply_to, mut replies) = client.reply_queue().await;
    let poison = format!(r#"{{"id": "{MARKER}", "features": [1]}}"#);
    client
        .publish(
            &names.requests,
            poison.as_bytes(),
            props("poison", &reply_to),
        )
        .await;
    let status = worker
        .wait_exit(Duration::from_secs(20))
        .expect("the marked request aborts the worker");
    assert!(!status.success());
    let dead = client.drain_until(&names.dead, 1).await;
    assert_eq!(dead.len(), 1, "the broker dead-lettered it");
    let x_death = dead[0]
        .delivery
        .properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get("x-death").cloned());
    let reason = match &x_death {
        Some(AMQPValue::FieldArray(deaths)) => match deaths.as_slice().first() {
            Some(AMQPValue::FieldTable(death)) => match death.inner().get("reason") {
                Some(AMQPValue::LongString(r)) => r.to_string(),
                other => format!("{other:?}"),
            },
            other => format!("{other:?}"),
        },
        other => format!("{other:?}"),
    };
    assert_eq!(reason, "delivery_limit", "x-death says why: {x_death:?}");
    // A new worker serves the rest and never sees the poison.
    drop(std::mem::replace(&mut worker, placeholder(&names)));
    std::fs::create_dir_all(&names.dir).expect("test dir");
    let mut worker = WorkerProcess::spawn(&names, &env);
    worker.wait_ready(Duration::from_secs(20));
    let sample = &sample_lines()[0];
    client
        .publish(&names.requests, sample.as_bytes(), props("good", &reply_to))
        .await;
    let got = collect(&mut replies, 1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1, "log:\n{}", worker.log());
    assert_eq!(correlation(&got[0].properties), "good");
    worker.terminate(Duration::from_secs(10));
    client.cleanup(&names).await;
}

/// A process that has already exited, to hold the slot while a crashed worker is replaced.
fn placeholder(names: &Names) -> WorkerProcess {
    let mut child = std::process::Command::new("true")
        .spawn()
        .expect("spawn true");
    let _ = child.wait();
    WorkerProcess {
        child,
        names: Names {
            dir: names.dir.join("placeholder"),
            ..names.clone()
        },
    }
}

/// Pickle bodies that expand (DUP and memo copies) under `features` or an ignored key.
fn bombs() -> Vec<(&'static str, Vec<u8>)> {
    let key = |k: &str| {
        let mut out = vec![0x8c, k.len() as u8];
        out.extend_from_slice(k.as_bytes());
        out
    };
    let wrap = |k: &str, value: Vec<u8>| {
        let mut out = vec![0x80, 0x04, b'}', b'('];
        if k != "features" {
            out.extend(key("features"));
            out.extend([b']', b'(', b'K', 1, b'e']);
        }
        out.extend(key(k));
        out.extend(value);
        out.extend([b'u', b'.']);
        out
    };
    let mut dup = vec![b'('; 12];
    dup.extend([b'K', 7]);
    for _ in 0..12 {
        dup.extend([b'2'; 9]);
        dup.push(b'l');
    }
    let mut memo = vec![b']', b'q', 0, b'(', b'K', 1, b'K', 2, b'e', b'0'];
    for level in 1..12u8 {
        memo.extend([b']', b'q', level, b'(']);
        for _ in 0..10 {
            memo.extend([b'h', level - 1]);
        }
        memo.extend([b'e', b'0']);
    }
    memo.extend([b'h', 11]);
    vec![
        ("dup", wrap("features", dup.clone())),
        ("dup-ignored", wrap("pad", dup)),
        ("memo", wrap("features", memo.clone())),
        ("memo-ignored", wrap("pad", memo)),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expansion_bombs_get_an_error_and_are_dead_lettered_once() {
    let names = Names::new("bombs");
    let mut worker = WorkerProcess::spawn(&names, &[]);
    worker.wait_ready(Duration::from_secs(20));
    let client = Client::connect().await;
    let (reply_to, mut replies) = client.reply_queue().await;
    let sample = &sample_lines()[0];
    let bombs = bombs();
    for (i, (name, body)) in bombs.iter().enumerate() {
        for j in 0..50 {
            let id = format!("good-{i}-{j}");
            client
                .publish(&names.requests, sample.as_bytes(), props(&id, &reply_to))
                .await;
        }
        let p = props(name, &reply_to).with_content_type("application/python-pickle".into());
        client.publish(&names.requests, body, p).await;
    }
    let total = bombs.len() * 51;
    let got = collect(&mut replies, total, Duration::from_secs(20)).await;
    assert_eq!(got.len(), total, "log:\n{}", worker.log());
    for d in &got {
        let id = correlation(&d.properties);
        let v: Value = serde_pickle::from_slice(&d.data, serde_pickle::DeOptions::new())
            .or_else(|_| serde_json::from_slice(&d.data))
            .expect("reply decodes");
        if id.starts_with("good-") {
            assert!(v.get("prediction").is_some(), "{id}: {v}");
        } else {
            assert_eq!(v["error"]["code"], "invalid_pickle", "{id}: {v}");
        }
    }
    let dead = client.drain_until(&names.dead, bombs.len()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let extra = client.drain(&names.dead).await;
    assert_eq!(
        dead.len() + extra.len(),
        bombs.len(),
        "each bomb dead-lettered once"
    );
    for d in &dead {
        assert_eq!(
            header(&d.properties, "x-predict-error").as_deref(),
            Some("invalid_pickle")
        );
        assert_eq!(
            header(&d.properties, "x-predict-queue").as_deref(),
            Some(names.requests.as_str())
        );
    }
    let rss = peak_rss(worker.child.id());
    println!("worker peak RSS {} MiB", rss >> 20);
    assert!(rss < 64 << 20, "peak RSS {rss} bytes");
    worker.terminate(Duration::from_secs(10));
    client.cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_replies_are_dead_lettered_and_vanished_requesters_settled_without_a_loop() {
    let names = Names::new("refused");
    // INFO, as in production: what the worker itself logs about it must be a handful of lines.
    let env = [
        ("PREDICT_WORKER__WORKER__REDELIVERY_LIMIT", "2"),
        ("RUST_LOG", "predict_worker=info"),
    ];
    let mut worker = WorkerProcess::spawn(&names, &env);
    worker.wait_ready(Duration::from_secs(20));
    let client = Client::connect().await;
    // A reply queue that is full and refuses publishes.
    let full = format!("{}.full", names.requests);
    let mut args = FieldTable::default();
    args.insert("x-max-length".into(), AMQPValue::LongInt(1));
    args.insert(
        "x-overflow".into(),
        AMQPValue::LongString("reject-publish".into()),
    );
    client
        .ch
        .queue_declare(full.as_str().into(), QueueDeclareOptions::default(), args)
        .await
        .expect("full reply queue");
    client
        .publish(&full, b"filler", BasicProperties::default())
        .await;
    let sample = &sample_lines()[0];
    client
        .publish(&names.requests, sample.as_bytes(), props("to-full", &full))
        .await;
    let gone = format!("{}.gone", names.requests);
    client
        .publish(&names.requests, sample.as_bytes(), props("to-gone", &gone))
        .await;
    // Other traffic is unaffected.
    let (reply_to, mut replies) = client.reply_queue().await;
    for i in 0..100 {
        let id = format!("ok-{i}");
        client
            .publish(&names.requests, sample.as_bytes(), props(&id, &reply_to))
            .await;
    }
    let got = collect(&mut replies, 100, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 100, "log:\n{}", worker.log());
    // Backoff 200 ms then 400 ms: the refused request is dead-lettered within a few seconds.
    let dead = client.drain_until(&names.dead, 1).await;
    let mut reasons: Vec<(String, String)> = dead
        .iter()
        .map(|d| {
            (
                correlation(&d.properties),
                header(&d.properties, "x-predict-error").unwrap_or_default(),
            )
        })
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        vec![
            // The vanished requester's reply is dropped by the broker and its request acked.
            ("to-full".to_string(), "reply_refused".to_string()),
        ],
        "log:\n{}",
        worker.log()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        client.drain(&names.dead).await.is_empty(),
        "dead-lettered once each"
    );
    assert_eq!(client.depth(&names.requests).await, 0);
    assert_eq!(client.depth(&format!("{}.retry", names.requests)).await, 0);
    let log = worker.log();
    let noise = log
        .lines()
        .filter(|l| l.contains("refused") || l.contains("unroutable"))
        .count();
    assert!(noise <= 6, "{noise} log lines about it:\n{log}");
    assert!(
        !log.contains("mean_radius"),
        "a request or reply body reached the log:\n{log}"
    );
    worker.terminate(Duration::from_secs(10));
    let _ = client
        .ch
        .queue_delete(full.as_str().into(), Default::default())
        .await;
    client.cleanup(&names).await;
}

/// A bad request arriving with 126 KiB of headers (RabbitMQ's frame is 128 KiB): its dead letter carries
/// the worker's headers and the dropped size instead of the request's, so the broker never sees an
/// oversized frame, and the worker serves the next requests without reconnecting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_request_with_headers_near_the_frame_limit_is_dead_lettered_without_them() {
    let names = Names::new("bigheaders");
    let mut worker = WorkerProcess::spawn(&names, &[]);
    worker.wait_ready(Duration::from_secs(20));
    let client = Client::connect().await;
    let (reply_to, mut replies) = client.reply_queue().await;
    let mut headers = FieldTable::default();
    headers.insert(
        "x-producer-blob".into(),
        AMQPValue::LongString("b".repeat(126 * 1024).into()),
    );
    let bad = props("big-bad", &reply_to).with_headers(headers);
    client.publish(&names.requests, b"{not json", bad).await;
    let sample = &sample_lines()[0];
    for i in 0..20 {
        let id = format!("good-{i}");
        client
            .publish(&names.requests, sample.as_bytes(), props(&id, &reply_to))
            .await;
    }
    let got = collect(&mut replies, 21, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 21, "log:\n{}", worker.log());
    let dead = client.drain_until(&names.dead, 1).await;
    assert_eq!(dead.len(), 1, "log:\n{}", worker.log());
    let d = &dead[0];
    assert_eq!(correlation(&d.properties), "big-bad");
    assert_eq!(
        header(&d.properties, "x-predict-error").as_deref(),
        Some("invalid_json")
    );
    let dropped: usize = header(&d.properties, "x-predict-headers-dropped")
        .expect("the dropped size is noted")
        .parse()
        .expect("a number");
    assert!(dropped > 126 * 1024, "dropped {dropped} bytes");
    assert!(header(&d.properties, "x-producer-blob").is_none());
    let log = worker.log();
    assert!(
        !log.contains("reconnecting"),
        "the worker lost its connection:\n{log}"
    );
    worker.terminate(Duration::from_secs(10));
    client.cleanup(&names).await;
}
