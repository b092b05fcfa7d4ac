//! Heartbeats and readiness on a private RabbitMQ node (never the shared broker): when the broker stops
//! answering without closing the socket (its process frozen), the worker notices through missed
//! heartbeats, reports not ready, and once the broker answers again reconnects by itself, reports ready
//! and serves requests, without restarting.

mod support;

use std::time::{Duration, Instant};

use lapin::BasicProperties;
use support::node::PrivateBroker;
use support::{collect, correlation, sample_lines, Names, WorkerProcess};

fn ready(names: &Names) -> bool {
    names.readiness().exists()
}

fn wait_for(what: &str, within: Duration, worker: &WorkerProcess, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < within,
            "{what} did not happen within {within:?}:\n{}",
            worker.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("{what} after {:.1} s", start.elapsed().as_secs_f64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_broker_is_noticed_by_heartbeat_and_the_worker_recovers() {
    let broker = PrivateBroker::start("heartbeat");
    let names = Names::new("heartbeat");
    let url = broker.url();
    let mut worker = WorkerProcess::spawn_at(
        &names,
        &url,
        &[
            ("PREDICT_WORKER__AMQP__HEARTBEAT_SECS", "2"),
            ("PREDICT_WORKER__WORKER__READINESS_STALE_MS", "3000"),
        ],
    );
    worker.wait_ready(Duration::from_secs(30));
    let pid = worker.child.id();

    broker.freeze(true);
    // Two missed heartbeats of 2 s: the worker drops the connection and says it is not ready.
    tokio::task::block_in_place(|| {
        wait_for("not ready", Duration::from_secs(15), &worker, || {
            !ready(&names)
        })
    });
    assert!(
        worker.log().contains("reconnecting"),
        "the worker says it is reconnecting:\n{}",
        worker.log()
    );
    broker.freeze(false);
    tokio::task::block_in_place(|| {
        wait_for("ready again", Duration::from_secs(30), &worker, || {
            ready(&names)
        })
    });
    assert_eq!(worker.child.id(), pid);
    assert!(
        worker.child.try_wait().expect("wait").is_none(),
        "the worker is still running"
    );

    // And it serves.
    let client = broker.client().await;
    let (reply_to, mut replies) = client.reply_queue().await;
    let props = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_correlation_id("after".into())
        .with_reply_to(reply_to.as_str().into());
    client
        .publish(&names.requests, sample_lines()[0].as_bytes(), props)
        .await;
    let got = collect(&mut replies, 1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1, "no reply after recovery:\n{}", worker.log());
    assert_eq!(correlation(&got[0].properties), "after");
    worker.terminate(Duration::from_secs(10));
}
