//! `predict-worker bench` in broker mode against an in-test echo consumer (no worker, no model
//! loading needed when sample requests are given): the sliding window completes and the table prints.
//! Then `bench --spawn-worker`: a short run against a worker child it starts and stops itself.

use std::io::Write;
use std::process::Command;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};

const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_through_an_echo_consumer() {
    let conn = Connection::connect(URL, ConnectionProperties::default())
        .await
        .expect("RabbitMQ must run on 127.0.0.1:5672 (guest/guest) for these tests");
    let ch = conn.create_channel().await.unwrap();
    let queue = format!("test.bench.{}", uuid::Uuid::new_v4().simple());
    ch.queue_declare(
        queue.as_str().into(),
        QueueDeclareOptions::durable(),
        FieldTable::default(),
    )
    .await
    .unwrap();
    ch.basic_qos(200, BasicQosOptions::default()).await.unwrap();
    let mut consumer = ch
        .basic_consume(
            queue.as_str().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let echo_ch = ch.clone();
    // The echo runs until the test says the bench is over, bounded by a total deadline (not by idle
    // time: the bench binary may take a while to start on a loaded machine).
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let echo = tokio::spawn(async move {
        let mut n = 0usize;
        loop {
            let d = tokio::select! {
                _ = &mut stopped => break,
                _ = tokio::time::sleep_until(deadline) => break,
                next = consumer.next() => match next {
                    Some(Ok(d)) => d,
                    other => panic!("echo consumer ended: {other:?}"),
                },
            };
            let p = &d.properties;
            let reply_to = p
                .reply_to()
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default();
            let mut props = BasicProperties::default();
            if let Some(c) = p.correlation_id() {
                props = props.with_correlation_id(c.clone());
            }
            echo_ch
                .basic_publish(
                    "".into(),
                    reply_to.as_str().into(),
                    BasicPublishOptions::default(),
                    b"{\"prediction\":1}",
                    props,
                )
                .await
                .unwrap();
            d.ack(BasicAckOptions::default()).await.unwrap();
            n += 1;
        }
        n
    });

    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("s.jsonl");
    let mut f = std::fs::File::create(&samples).unwrap();
    writeln!(f, "{{\"features\": [1, 2, 3]}}").unwrap();
    writeln!(f, "{{\"features\": {{\"a\": 1, \"b\": \"x\"}}}}").unwrap();
    drop(f);
    let q = queue.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_predict-worker"))
            .args([
                "bench",
                "--amqp-url",
                URL,
                "--queue",
                &q,
                "--requests",
                "500",
                "--in-flight",
                "50",
            ])
            .arg("--input")
            .arg(&samples)
            .args(["--model", "/nonexistent/model.pkl"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("msg/s") && stdout.contains("p99 ms"),
        "{stdout}"
    );
    let _ = stop.send(());
    let answered = echo.await.unwrap();
    assert_eq!(answered, 500, "each request published exactly once");
    ch.queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await
        .unwrap();
    let _ = conn.close(200, "bye".into()).await;
}

/// Does `queue` exist? (A passive declare on a throwaway channel.)
async fn queue_exists(conn: &Connection, queue: &str) -> bool {
    let ch = conn.create_channel().await.unwrap();
    ch.queue_declare(
        queue.into(),
        QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        },
        FieldTable::default(),
    )
    .await
    .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_spawn_worker_measures_a_child_worker_and_cleans_up() {
    let conn = Connection::connect(URL, ConnectionProperties::default())
        .await
        .expect("RabbitMQ must run on 127.0.0.1:5672 (guest/guest) for these tests");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_predict-worker"))
            .current_dir(root)
            .args(["bench", "--spawn-worker", "--amqp-url", URL])
            .args(["--requests", "300", "--in-flight", "30", "--timeout", "30"])
            .arg("--model")
            .arg(root.join("outputs/best_model.pkl"))
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    // "closed loop: 300 requests × 1 row(s), 30 in flight", "queue bench.<id>.requests: worker", then
    // the table.
    let queue = stdout
        .lines()
        .find_map(|l| l.strip_prefix("queue ")?.split(':').next())
        .unwrap_or_else(|| panic!("no queue line: {stdout}"))
        .to_string();
    assert!(queue.starts_with("bench."), "a private queue: {queue}");
    assert!(stdout.contains("300 requests"), "{stdout}");
    let table: Vec<&str> = stdout.lines().last().unwrap().split_whitespace().collect();
    assert_eq!(table.last(), Some(&"0"), "no errors: {stdout}");
    let results = queue.replace(".requests", ".results");
    let dead = queue.replace(".requests", ".dead");
    let retry = format!("{queue}.retry");
    for q in [&queue, &retry, &results, &dead] {
        assert!(!queue_exists(&conn, q).await, "{q} was left behind");
    }
    let _ = conn.close(200, "bye".into()).await;
}
