//! Shutdown through the real broker: readiness goes the moment SIGTERM arrives, even while a long batch
//! is being predicted; a second signal exits 130 and leaves no readiness file; SIGINT drains like SIGTERM.
//! RabbitMQ must run on 127.0.0.1:5672 (guest/guest); these tests fail, never skip, without it.

mod cleanup;
mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use lapin::BasicProperties;
use support::{collect, correlation, sample_lines, Client, Names, WorkerProcess};

/// Rows in the long request: several seconds of parsing and predicting in a debug build.
const LONG_ROWS: usize = 60_000;

/// Time for the long request's body to reach the worker after it left the queue, so that the signal
/// arrives while the batch is being parsed and predicted (not while the consumer still waits for it).
const TRANSFER: Duration = Duration::from_millis(1500);

fn spawn_for_long_batches(names: &Names) -> WorkerProcess {
    WorkerProcess::spawn(names, &support::LONG_REQUEST_ENV)
}

fn healthcheck_code(names: &Names) -> Option<i32> {
    Command::new(env!("CARGO_BIN_EXE_predict-worker"))
        .arg("healthcheck")
        .current_dir(&names.dir)
        .env_clear()
        .env("PREDICT_WORKER__WORKER__READINESS_FILE", names.readiness())
        .output()
        .expect("run healthcheck")
        .status
        .code()
}

/// Publish the long request and wait until the worker has taken it off the queue.
async fn start_long_batch(client: &Client, names: &Names, reply_to: &str) {
    let props = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_correlation_id("long".into())
        .with_reply_to(reply_to.into());
    client
        .publish(&names.requests, &support::long_request(LONG_ROWS), props)
        .await;
    client
        .wait_taken(
            &names.requests,
            Duration::from_secs(10),
            "the worker should take the long request",
        )
        .await;
    tokio::time::sleep(TRANSFER).await;
}

/// Poll for the readiness file to disappear; how long it took, or None.
fn gone_within(names: &Names, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < within {
        if !names.readiness().exists() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_goes_the_moment_sigterm_arrives_during_a_long_batch() {
    let names = Names::new("sdready");
    let _delete = cleanup::DeleteOnDrop(names.clone());
    let client = Client::connect().await;
    let mut worker = spawn_for_long_batches(&names);
    worker.wait_ready(Duration::from_secs(20));
    assert_eq!(healthcheck_code(&names), Some(0), "{}", worker.log());
    let (reply_to, mut replies) = client.reply_queue().await;
    start_long_batch(&client, &names, &reply_to).await;
    worker.signal("TERM");
    let took = gone_within(&names, Duration::from_millis(500));
    // The batch must still be running, or this test would prove nothing.
    let early = collect(&mut replies, 1, Duration::from_millis(1)).await;

    assert!(
        early.is_empty(),
        "the long batch finished before the check; make LONG_ROWS larger"
    );
    assert!(
        took.is_some(),
        "readiness file still there 500 ms after SIGTERM while a batch runs:\n{}",
        worker.log()
    );
    eprintln!("readiness file gone {took:?} after SIGTERM, while the batch still ran");
    assert_eq!(healthcheck_code(&names), Some(6));
    let status = worker
        .wait_exit(Duration::from_secs(60))
        .expect("worker exits after draining");
    assert!(status.success(), "exit {status}:\n{}", worker.log());
    let got = collect(&mut replies, 1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1, "the long request was answered while draining");
    assert_eq!(correlation(&got[0].properties), "long");
    assert!(!names.readiness().exists());
    client.cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_signal_exits_130_and_leaves_no_readiness_file() {
    let names = Names::new("sd130");
    let _delete = cleanup::DeleteOnDrop(names.clone());
    let client = Client::connect().await;
    let mut worker = spawn_for_long_batches(&names);
    worker.wait_ready(Duration::from_secs(20));
    let (reply_to, _replies) = client.reply_queue().await;
    start_long_batch(&client, &names, &reply_to).await;
    worker.signal("TERM");
    std::thread::sleep(Duration::from_millis(100));
    worker.signal("TERM");
    let status = worker
        .wait_exit(Duration::from_secs(2))
        .unwrap_or_else(|| panic!("no exit within 2 s of the second signal:\n{}", worker.log()));
    assert_eq!(status.code(), Some(130), "{}", worker.log());
    assert!(
        !names.readiness().exists(),
        "readiness file left behind by exit 130"
    );
    assert_eq!(healthcheck_code(&names), Some(6));
    // The unanswered request was not acked: it is back in the queue for another replica.
    let left = client.drain_until(&names.requests, 1).await;
    assert_eq!(
        left.len(),
        1,
        "the interrupted request returns to the queue"
    );
    client.cleanup(&names).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_drains_like_sigterm() {
    let names = Names::new("sdint");
    let _delete = cleanup::DeleteOnDrop(names.clone());
    let client = Client::connect().await;
    let mut worker = WorkerProcess::spawn(&names, &[]);
    worker.wait_ready(Duration::from_secs(20));
    let (reply_to, mut replies) = client.reply_queue().await;
    let lines = sample_lines();
    let total = 200;
    for i in 0..total {
        let props = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_correlation_id(format!("int-{i}").into())
            .with_reply_to(reply_to.as_str().into());
        client
            .ch
            .basic_publish(
                "".into(),
                names.requests.as_str().into(),
                lapin::options::BasicPublishOptions::default(),
                lines[i % lines.len()].as_bytes(),
                props,
            )
            .await
            .expect("publish");
    }
    client.ch.wait_for_confirms().await.expect("confirms");
    let first = collect(&mut replies, 1, Duration::from_secs(10)).await;
    assert_eq!(first.len(), 1, "{}", worker.log());
    worker.signal("INT");
    let status = worker
        .wait_exit(Duration::from_secs(9))
        .unwrap_or_else(|| panic!("no exit within 9 s of SIGINT:\n{}", worker.log()));
    assert_eq!(status.code(), Some(0), "{}", worker.log());
    assert!(
        worker.log().contains("shutdown signal received"),
        "{}",
        worker.log()
    );
    let mut got = first;
    got.extend(collect(&mut replies, total, Duration::from_secs(2)).await);
    let left = client.drain(&names.requests).await;
    assert_eq!(
        got.len() + left.len(),
        total,
        "answered once or still queued"
    );
    assert!(
        left.iter().all(|m| !m.delivery.redelivered),
        "SIGINT acked everything it took"
    );
    assert!(!names.readiness().exists());
    client.cleanup(&names).await;
}
