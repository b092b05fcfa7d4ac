//! Disruptive: restart a private RabbitMQ node (`rabbitmqctl stop_app` / `start_app`; never the shared
//! broker) while the worker is under load with requests provably outstanding, and prove nothing is lost:
//! every confirmed request is answered after the worker reconnects by itself, exactly once unless it
//! was redelivered. The node is removed when the test ends, whatever happened.

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::FieldTable;
use lapin::BasicProperties;
use support::node::PrivateBroker;
use support::{correlation, sample_lines, Client, Names, WorkerProcess};

const MARKER: &str = "marker";

/// One reply as a consumer saw it.
#[derive(Clone, Debug)]
struct Seen {
    id: String,
    /// The broker delivered this message before (to our consumer, which lost it with its connection).
    redelivered: bool,
}

/// Every delivery from the results queue to one consumer, in order; acked as it arrives.
#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Vec<Seen>>>);

impl Collector {
    async fn start(client: &Client, queue: &str) -> Self {
        let ch = client.conn.create_channel().await.expect("channel");
        ch.basic_qos(1000, BasicQosOptions::default())
            .await
            .expect("qos");
        let mut consumer = ch
            .basic_consume(
                queue.into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("consume results");
        let collector = Collector::default();
        let sink = collector.clone();
        tokio::spawn(async move {
            while let Some(Ok(d)) = consumer.next().await {
                sink.0.lock().unwrap().push(Seen {
                    id: correlation(&d.properties),
                    redelivered: d.redelivered,
                });
                // Unacked replies come back (redelivered) if the connection dies.
                let _ = d.ack(BasicAckOptions::default()).await;
            }
        });
        collector
    }

    fn seen(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn broker_restart_under_load_loses_nothing() {
    let test_start = Instant::now();
    let broker = PrivateBroker::start("restart");
    let url = broker.url();
    let names = Names::new("restart");
    let mut worker = WorkerProcess::spawn_at(
        &names,
        &url,
        &[("PREDICT_WORKER__AMQP__HEARTBEAT_SECS", "5")],
    );
    worker.wait_ready(Duration::from_secs(20));
    let total = 8000;
    let body = sample_lines()[1].clone();
    let expected: HashSet<String> = (0..total).map(|i| format!("r-{i}")).collect();

    // Replies (no reply_to: the durable results queue, persistent like their requests) are counted as
    // they arrive, on a connection the stop will close.
    // `rabbitmqctl` is slow to boot (seconds on a loaded machine): arm the stop before the load.
    let stop = tokio::task::block_in_place(|| broker.arm_stop_app());
    let before = broker.client().await;
    let before_stop = Collector::start(&before, &names.results).await;
    let publisher = broker.client().await;
    // The worker is frozen while the requests are published, so however fast it is, they are all
    // queued when it resumes and it is busy when the stop comes.
    worker.signal("STOP");
    let props = (0..total).map(|i| {
        BasicProperties::default()
            .with_correlation_id(format!("r-{i}").into())
            .with_delivery_mode(2)
    });
    support::publish_confirmed(&publisher.ch, &names.requests, body.as_bytes(), props).await;
    let published = Instant::now();
    worker.signal("CONT");
    eprintln!(
        "{total} requests confirmed; {} answered so far",
        before_stop.len()
    );
    // Stop while the worker is busy.
    let start = Instant::now();
    while before_stop.len() < 100 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no progress:\n{}",
            worker.log()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let asked = before_stop.len();
    let stopping = Instant::now();
    tokio::task::block_in_place(|| stop.fire());
    let stop_took = stopping.elapsed();
    // Our consumer's connection closed with the application: nothing arrives after the stop.
    let stopped_after = published.elapsed();
    let at_stop: HashSet<String> = before_stop.seen().into_iter().map(|s| s.id).collect();
    eprintln!(
        "broker stopped {stopped_after:?} after the last confirm: {} of {total} answered at the stop \
         ({asked} when the stop was asked for; the stop took {stop_took:?})",
        at_stop.len()
    );
    assert!(
        at_stop.len() < total,
        "requests must be outstanding when the broker stops:\n{}",
        worker.log()
    );
    drop(publisher);
    drop(before);
    // The worker finds the broker gone and retries in vain for a while.
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Every reply enqueued before the stop was persisted and is ahead of a marker published right after
    // the restart, so the ids seen before the marker are exactly what was answered before the stop,
    // provided the worker answers nothing in between: it is frozen across the restart.
    worker.signal("STOP");
    // (Should the restart fail, dropping the worker kills it, frozen or not.)
    tokio::task::block_in_place(|| broker.start_app());
    let after = broker.client().await;
    after
        .publish(
            &names.results,
            b"marker",
            BasicProperties::default()
                .with_correlation_id(MARKER.into())
                .with_delivery_mode(2),
        )
        .await;
    worker.signal("CONT");
    let after_restart = Collector::start(&after, &names.results).await;
    let start = Instant::now();
    let mut answered = at_stop.clone();
    loop {
        let seen = after_restart.seen();
        answered.extend(seen.iter().map(|s| s.id.clone()));
        answered.remove(MARKER);
        if answered.len() >= total || start.elapsed() > Duration::from_secs(30) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Requests answered before the stop but not acked come back and are answered again: wait until
    // both request queues are empty and no reply has arrived for a while, so every duplicate is counted.
    let retry = format!("{}.retry", names.requests);
    let start = Instant::now();
    let mut quiet_since = (after_restart.len(), Instant::now());
    loop {
        let idle = after.depth(&names.requests).await == 0 && after.depth(&retry).await == 0;
        let n = after_restart.len();
        if n != quiet_since.0 {
            quiet_since = (n, Instant::now());
        }
        if idle && quiet_since.1.elapsed() > Duration::from_millis(1000) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the request queues did not drain:\n{}",
            worker.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut seen = before_stop.seen();
    let after_seen = after_restart.seen();
    let marker_at = after_seen
        .iter()
        .position(|s| s.id == MARKER)
        .unwrap_or_else(|| panic!("the marker never came back"));
    let answered_before_stop: HashSet<&str> = at_stop
        .iter()
        .map(String::as_str)
        .chain(after_seen[..marker_at].iter().map(|s| s.id.as_str()))
        .collect();
    seen.extend(after_seen.iter().filter(|s| s.id != MARKER).cloned());

    // Count what the worker sent: a redelivery of a reply our consumer already saw is the broker's
    // doing, not the worker's.
    let mut replies: HashMap<&str, usize> = HashMap::new();
    for s in &seen {
        let n = replies.entry(s.id.as_str()).or_default();
        if *n == 0 || !s.redelivered {
            *n += 1;
        }
    }
    let lost: Vec<&String> = expected
        .iter()
        .filter(|id| !replies.contains_key(id.as_str()))
        .collect();
    let unknown: Vec<&&str> = replies
        .keys()
        .filter(|id| !expected.contains(**id))
        .collect();
    let duplicates: usize = replies.values().map(|n| n - 1).sum();
    let log = worker.log();
    let redelivered = log
        .matches("redelivered request sent to the retry lane")
        .count();
    eprintln!(
        "total {total}; answered at the stop {} (by the marker {}); answered in all {}; lost {}; \
         duplicate replies {duplicates}; requests redelivered to the worker {redelivered}; unknown {}; \
         test took {:?}",
        at_stop.len(),
        answered_before_stop.len(),
        replies.len(),
        lost.len(),
        unknown.len(),
        test_start.elapsed()
    );
    assert!(
        answered_before_stop.len() < total,
        "requests were outstanding at the stop: {} of {total} were answered before it",
        answered_before_stop.len()
    );
    assert!(
        lost.is_empty(),
        "every confirmed request answered after the restart; lost {lost:?}; log:\n{log}"
    );
    assert!(unknown.is_empty(), "unknown replies {unknown:?}");
    assert!(
        duplicates <= redelivered,
        "a request answered twice must have been redelivered: {duplicates} duplicates, \
         {redelivered} redelivered; log:\n{log}"
    );
    assert!(
        matches!(worker.child.try_wait(), Ok(None)),
        "the worker survived the restart:\n{log}"
    );
    assert!(
        log.contains("reconnecting"),
        "the worker reconnected by itself:\n{log}"
    );
    worker.terminate(Duration::from_secs(10));
}
