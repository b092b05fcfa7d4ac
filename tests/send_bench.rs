//! `predict-worker bench` in broker mode against an in-test echo consumer (no worker, no model
//! loading needed when sample requests are given): the sliding window completes and the table prints.

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
    let echo = tokio::spawn(async move {
        let mut n = 0usize;
        while let Ok(Some(Ok(d))) =
            tokio::time::timeout(Duration::from_secs(5), consumer.next()).await
        {
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
    let answered = echo.await.unwrap();
    assert_eq!(answered, 500, "each request published exactly once");
    ch.queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await
        .unwrap();
    let _ = conn.close(200, "bye".into()).await;
}
