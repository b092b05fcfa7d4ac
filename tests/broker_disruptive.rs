//! Disruptive: restart the shared broker (`rabbitmqctl stop_app` / `start_app`) while the worker is under
//! load, and prove nothing is lost: every request is answered after the worker reconnects by itself.
//! Tests here take one static mutex (one at a time) and always restart the broker, even on failure.

mod support;

use std::collections::HashSet;
use std::process::Command;
use std::time::{Duration, Instant};

use lapin::options::BasicPublishOptions;
use lapin::BasicProperties;
use support::{correlation, sample_lines, Client, Names, WorkerProcess};

/// One disruptive test at a time (an async mutex: it is held across awaits, and cannot be poisoned).
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn rabbitmqctl(args: &[&str]) -> bool {
    Command::new("rabbitmqctl")
        .args(args)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Starts the broker app again when dropped, whatever happened.
struct RestoreBroker;

impl Drop for RestoreBroker {
    fn drop(&mut self) {
        for _ in 0..5 {
            if rabbitmqctl(&["start_app"]) {
                let _ = rabbitmqctl(&["await_startup"]);
                return;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        eprintln!("could not restart RabbitMQ: run `rabbitmqctl start_app`");
    }
}

async fn connect_retrying(within: Duration) -> Client {
    let start = Instant::now();
    loop {
        let attempt = tokio::time::timeout(
            Duration::from_secs(5),
            lapin::Connection::connect(support::URL, lapin::ConnectionProperties::default()),
        )
        .await;
        if let Ok(Ok(conn)) = attempt {
            drop(conn);
            return Client::connect().await;
        }
        assert!(
            start.elapsed() < within,
            "broker did not come back within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restart_under_load_loses_nothing() {
    let _serial = SERIAL.lock().await;
    let names = Names::new("restart");
    let mut worker = WorkerProcess::spawn(&names, &[("PREDICT_WORKER__AMQP__HEARTBEAT_SECS", "5")]);
    worker.wait_ready(Duration::from_secs(20));
    let total = 3000;
    let body = sample_lines()[1].clone();
    {
        let client = Client::connect().await;
        for i in 0..total {
            // Persistent requests, no reply_to: replies go to the durable results queue and persist too.
            let props = BasicProperties::default()
                .with_correlation_id(format!("r-{i}").into())
                .with_delivery_mode(2);
            client
                .ch
                .basic_publish(
                    "".into(),
                    names.requests.as_str().into(),
                    BasicPublishOptions::default(),
                    body.as_bytes(),
                    props,
                )
                .await
                .expect("publish");
        }
        client.ch.wait_for_confirms().await.expect("confirms");
        // Restart while the worker is busy.
        let start = Instant::now();
        while client.depth(&names.results).await < 100 {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no progress:\n{}",
                worker.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    {
        let _restore = RestoreBroker;
        assert!(rabbitmqctl(&["stop_app"]), "rabbitmqctl stop_app failed");
        std::thread::sleep(Duration::from_secs(2));
    }
    let client = connect_retrying(Duration::from_secs(60)).await;
    let mut seen = HashSet::new();
    let start = Instant::now();
    while seen.len() < total && start.elapsed() < Duration::from_secs(90) {
        for m in client.drain(&names.results).await {
            seen.insert(correlation(&m.delivery.properties));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = worker.log();
    assert_eq!(
        seen.len(),
        total,
        "every request answered after the restart; log:\n{log}"
    );
    assert!(
        matches!(worker.child.try_wait(), Ok(None)),
        "the worker survived the restart:\n{log}"
    );
    assert!(
        log.contains("reconnecting"),
        "the worker reconnected by itself:\n{log}"
    );
    assert_eq!(client.depth(&names.requests).await, 0);
    worker.terminate(Duration::from_secs(10));
    client.cleanup(&names).await;
}
