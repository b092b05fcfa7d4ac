//! Broker trouble as the metrics show it, on a private RabbitMQ node (never the shared broker): a
//! memory alarm that blocks the worker's replies counts into `predict_worker_blocked_seconds_total`,
//! and a broker restart shows as `predict_worker_connected` 0, then one more
//! `predict_worker_reconnects_total` and `/readyz` 200 again, with every request answered.

mod support;

use std::time::{Duration, Instant};

use lapin::BasicProperties;
use predict_worker::telemetry::catalog;
use support::node::PrivateBroker;
use support::scrape::{free_port, get, scrape_until, Metrics};
use support::{collect, sample_lines, Names, WorkerProcess};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn alarms_and_restarts_show_in_the_metrics() {
    let broker = PrivateBroker::start("metrics");
    let names = Names::new("node-metrics");
    let addr = format!("127.0.0.1:{}", free_port());
    let base = format!("http://{addr}");
    let mut worker = WorkerProcess::spawn_at(
        &names,
        &broker.url(),
        &[("PREDICT_WORKER__TELEMETRY__METRICS_ADDR", addr.as_str())],
    );
    worker.wait_ready(Duration::from_secs(20));
    let m = Metrics::scrape(&base);
    assert_eq!(m.value(catalog::CONNECTED), 1.0);
    assert_eq!(m.value(catalog::RECONNECTS), 0.0);
    assert_eq!(m.value(catalog::BLOCKED_SECONDS), 0.0);

    let replier = broker.client().await;
    let (reply_to, mut replies) = replier.reply_queue().await;
    let publisher = broker.client().await;
    let body = sample_lines()[0].clone();
    let request = |id: String| {
        BasicProperties::default()
            .with_content_type("application/json".into())
            .with_correlation_id(id.as_str().into())
            .with_reply_to(reply_to.as_str().into())
    };

    // Requests delivered while the worker is stopped, then an alarm: its replies are blocked.
    worker.signal("STOP");
    let n = 50;
    let props = (0..n).map(|i| request(format!("alarm-{i}")));
    support::publish_confirmed(&publisher.ch, &names.requests, body.as_bytes(), props).await;
    tokio::task::block_in_place(|| broker.alarm_memory(true));
    worker.signal("CONT");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    tokio::task::block_in_place(|| broker.alarm_memory(false));
    let got = collect(&mut replies, n, Duration::from_secs(20)).await;
    assert_eq!(got.len(), n, "{}", worker.log());
    let m = scrape_until(&base, |m| m.value(catalog::BLOCKED_SECONDS) >= 1.0);
    let blocked = m.value(catalog::BLOCKED_SECONDS);
    assert!(
        (1.0..60.0).contains(&blocked),
        "blocked {blocked} s for an alarm of about 2.5 s:\n{}",
        worker.log()
    );
    assert_eq!(m.settled("ok"), n as f64);

    // A broker restart: disconnected (not ready), then one reconnect and ready again.
    drop(replies);
    drop(replier);
    drop(publisher);
    tokio::task::block_in_place(|| broker.stop_app());
    let m = scrape_until(&base, |m| m.value(catalog::CONNECTED) == 0.0);
    assert_eq!(m.value(catalog::CONNECTED), 0.0, "{}", m.raw);
    assert_eq!(m.value(catalog::READY), 0.0);
    assert_eq!(get(&format!("{base}/readyz")).0, 503);
    tokio::task::block_in_place(|| broker.start_app());
    let start = Instant::now();
    while get(&format!("{base}/readyz")).0 != 200 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "not ready again after the restart:\n{}",
            worker.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let m = Metrics::scrape(&base);
    assert_eq!(m.value(catalog::RECONNECTS), 1.0, "{}", m.raw);
    assert_eq!(m.value(catalog::CONNECTED), 1.0);
    assert_eq!(m.value(catalog::IN_FLIGHT), 0.0);

    // Still answering after the reconnect.
    let client = broker.client().await;
    let (reply_to, mut replies) = client.reply_queue().await;
    let props = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_correlation_id("after".into())
        .with_reply_to(reply_to.as_str().into());
    support::publish_confirmed(&client.ch, &names.requests, body.as_bytes(), [props]).await;
    assert_eq!(
        collect(&mut replies, 1, Duration::from_secs(20))
            .await
            .len(),
        1
    );
    worker.terminate(Duration::from_secs(15));
}
