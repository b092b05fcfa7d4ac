//! SIGTERM during a broker memory alarm, on a private RabbitMQ node (never the shared broker): the
//! alarm blocks the worker's replies, yet the worker exits 0 within its shutdown deadline (+ 2 s), and
//! every request it could not answer goes back to the queue: a second worker, started once the alarm
//! clears, answers each request exactly once.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::{BasicProperties, Consumer};
use support::node::PrivateBroker;
use support::{correlation, sample_lines, Names, WorkerProcess};

const DEADLINE_MS: u64 = 3000;

/// Correlation ids of every reply, in arrival order.
#[derive(Clone, Default)]
struct Replies(Arc<Mutex<Vec<String>>>);

impl Replies {
    fn start(consumer: Consumer) -> Self {
        let replies = Replies::default();
        let sink = replies.clone();
        tokio::spawn(async move {
            let mut consumer = consumer;
            while let Some(Ok(d)) = consumer.next().await {
                sink.0.lock().unwrap().push(correlation(&d.properties));
            }
        });
        replies
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn since(&self, from: usize) -> Vec<String> {
        self.0.lock().unwrap()[from..].to_vec()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_during_a_memory_alarm_exits_in_time_and_loses_nothing() {
    let test_start = Instant::now();
    let broker = PrivateBroker::start("alarm");
    let url = broker.url();
    let names = Names::new("alarm");
    let deadline = DEADLINE_MS.to_string();
    let env = [(
        "PREDICT_WORKER__WORKER__SHUTDOWN_DEADLINE_MS",
        deadline.as_str(),
    )];
    let mut worker = WorkerProcess::spawn_at(&names, &url, &env);
    worker.wait_ready(Duration::from_secs(20));

    // Replies arrive on a connection that never publishes, so the alarm never blocks it.
    let replier = broker.client().await;
    let (reply_to, consumer) = replier.reply_queue().await;
    let replies = Replies::start(consumer);
    // Requests go out on a connection opened before the alarm.
    let publisher = broker.client().await;
    let body = sample_lines()[0].clone();
    let request = |id: &str| {
        BasicProperties::default()
            .with_content_type("application/json".into())
            .with_correlation_id(id.into())
            .with_reply_to(reply_to.as_str().into())
    };

    // Freeze the worker so that the requests are provably outstanding when the alarm goes up: the
    // broker delivers them (up to the prefetch), but none can be answered before the alarm.
    worker.signal("STOP");
    let first = 500;
    let mut expected: Vec<String> = (0..first).map(|i| format!("a-{i}")).collect();
    let props = expected.iter().map(|id| request(id));
    support::publish_confirmed(&publisher.ch, &names.requests, body.as_bytes(), props).await;
    tokio::task::block_in_place(|| broker.alarm_memory(true));
    eprintln!("memory alarm raised; replies so far: {}", replies.len());
    worker.signal("CONT");
    // The worker predicts and publishes its replies: the broker blocks its connection.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // More requests from the connection opened before the alarm: the alarm blocks them too, so they
    // reach the queue only once it clears.
    let extra = 50;
    let extra_ids: Vec<String> = (0..extra).map(|i| format!("b-{i}")).collect();
    let ch = publisher.ch.clone();
    let queue = names.requests.clone();
    let extra_body = body.clone();
    let extra_props: Vec<BasicProperties> = extra_ids.iter().map(|id| request(id)).collect();
    let blocked_publish = tokio::spawn(async move {
        support::publish_confirmed(&ch, &queue, extra_body.as_bytes(), extra_props).await;
    });
    // The alarm holds the worker's replies: the broker reports its connection blocked.
    let pid = worker.child.id();
    let start = Instant::now();
    loop {
        let out = tokio::task::block_in_place(|| {
            broker.ctl(&["list_connections", "client_properties", "state"])
        });
        let listing = String::from_utf8_lossy(&out.stdout).to_string();
        let state = listing
            .lines()
            .find(|l| l.contains("predict-worker@") && l.contains(&format!("/{pid}\"")))
            .map(|l| l.rsplit('\t').next().unwrap_or("").trim().to_string());
        if state.as_deref() == Some("blocked") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the worker's connection was not blocked by the alarm ({state:?}):\n{listing}\n{}",
            worker.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        !blocked_publish.is_finished(),
        "the requests sent during the alarm are held, unconfirmed"
    );

    let answered_at_term = replies.len();
    eprintln!(
        "SIGTERM with {answered_at_term} of {first} answered ({} outstanding), the worker's connection blocked",
        first - answered_at_term
    );
    assert!(
        answered_at_term < first,
        "requests must be outstanding when SIGTERM arrives:\n{}",
        worker.log()
    );
    let term = Instant::now();
    worker.signal("TERM");
    let limit = Duration::from_millis(DEADLINE_MS) + Duration::from_secs(2);
    let status = worker.wait_exit(limit + Duration::from_secs(10));
    let took = term.elapsed();
    eprintln!("worker exited {status:?} {took:?} after SIGTERM (limit {limit:?})");
    let status =
        status.unwrap_or_else(|| panic!("worker still running after SIGTERM:\n{}", worker.log()));
    assert!(
        took <= limit,
        "exit took {took:?}, more than the deadline + 2 s:\n{}",
        worker.log()
    );
    assert!(status.success(), "exit {status}:\n{}", worker.log());
    let first_log = worker.log();

    tokio::task::block_in_place(|| broker.alarm_memory(false));
    tokio::time::timeout(Duration::from_secs(20), blocked_publish)
        .await
        .expect("requests published during the alarm confirmed once it cleared")
        .expect("publisher task");
    expected.extend(extra_ids);
    // Anything worker 1 managed to send before it exited arrives now.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let from_first = replies.len();
    eprintln!(
        "alarm cleared: {} extra requests confirmed; worker 1 answered {from_first} ({} of them after SIGTERM)",
        extra,
        from_first - answered_at_term
    );

    // A second worker (its own log and readiness file) answers everything left in the queue.
    let second_names = Names {
        dir: Names::new("alarm2").dir,
        ..names.clone()
    };
    let mut second = WorkerProcess::spawn_at(&second_names, &url, &[]);
    second.wait_ready(Duration::from_secs(20));
    let start = Instant::now();
    while replies.len() - from_first < expected.len() && start.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Late duplicates would show up here.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let by_second = replies.since(from_first);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for id in &by_second {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    let lost: Vec<&String> = expected
        .iter()
        .filter(|id| !counts.contains_key(id.as_str()))
        .collect();
    let duplicated: Vec<(&&str, &usize)> = counts.iter().filter(|(_, n)| **n > 1).collect();
    let unknown: Vec<&&str> = counts
        .keys()
        .filter(|id| !expected.iter().any(|e| e == **id))
        .collect();
    let second_log = second.log();
    let redelivered = second_log
        .matches("redelivered request sent to the retry lane")
        .count();
    eprintln!(
        "total {} (first {first} + during alarm {extra}); answered by worker 1: {from_first}; by worker 2: {} \
         replies for {} requests ({redelivered} redelivered); lost {}; duplicated {}; unknown {}; test took {:?}",
        expected.len(),
        by_second.len(),
        counts.len(),
        lost.len(),
        duplicated.len(),
        unknown.len(),
        test_start.elapsed()
    );
    assert!(
        lost.is_empty() && duplicated.is_empty() && unknown.is_empty(),
        "worker 2 must answer every request exactly once: lost {lost:?}, duplicated {duplicated:?}, \
         unknown {unknown:?}\nworker 1 log:\n{first_log}\nworker 2 log:\n{second_log}"
    );
    assert!(
        redelivered > 0,
        "requests worker 1 held went back to the queue and were redelivered:\n{second_log}"
    );
    second.terminate(Duration::from_secs(10));
}
