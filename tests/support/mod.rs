//! Shared helpers for the broker tests: unique queue names, a worker subprocess that is always killed,
//! a lapin test client (publish, collect replies, queue depths, cleanup). RabbitMQ must run on
//! 127.0.0.1:5672 (guest/guest); without it these helpers panic with a clear message, never skip.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions,
    ExchangeDeleteOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, Consumer};

pub mod node;
pub mod scrape;

pub const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn model_path() -> PathBuf {
    root().join("outputs/best_model.pkl")
}

/// One test's queue names, unique per run.
#[derive(Clone, Debug)]
pub struct Names {
    pub requests: String,
    pub results: String,
    pub dead: String,
    pub dir: PathBuf,
}

impl Names {
    pub fn new(test: &str) -> Self {
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let suffix = &suffix[..12];
        let dir = std::env::temp_dir().join(format!("pw-{test}-{suffix}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Names {
            requests: format!("test.{test}.req.{suffix}"),
            results: format!("test.{test}.res.{suffix}"),
            dead: format!("test.{test}.dead.{suffix}"),
            dir,
        }
    }

    pub fn readiness(&self) -> PathBuf {
        self.dir.join("ready")
    }

    pub fn log(&self) -> PathBuf {
        self.dir.join("worker.log")
    }
}

/// A worker subprocess, killed (by its own pid) when dropped.
pub struct WorkerProcess {
    pub child: Child,
    pub names: Names,
}

impl WorkerProcess {
    pub fn spawn(names: &Names, env: &[(&str, &str)]) -> Self {
        Self::spawn_at(names, URL, env)
    }

    /// Like [`WorkerProcess::spawn`], against the broker at `url`.
    pub fn spawn_at(names: &Names, url: &str, env: &[(&str, &str)]) -> Self {
        let log = std::fs::File::create(names.log()).expect("log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_predict-worker"));
        cmd.current_dir(root())
            .arg("worker")
            .arg("--model")
            .arg(model_path())
            .arg("--queue")
            .arg(&names.requests)
            .arg("--amqp-url")
            .arg(url)
            .env("PREDICT_WORKER__QUEUES__RESULTS", &names.results)
            .env("PREDICT_WORKER__QUEUES__DEAD_LETTER_EXCHANGE", &names.dead)
            .env("PREDICT_WORKER__QUEUES__DEAD_LETTER_QUEUE", &names.dead)
            .env("PREDICT_WORKER__WORKER__READINESS_FILE", names.readiness())
            .env("PREDICT_WORKER__AMQP__RECONNECT_MAX_MS", "1000")
            .env("RUST_LOG", "predict_worker=debug,lapin=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("spawn predict-worker");
        WorkerProcess {
            child,
            names: names.clone(),
        }
    }

    /// Wait until the readiness file appears (consumer running); panic with the log otherwise.
    pub fn wait_ready(&mut self, within: Duration) {
        let start = Instant::now();
        while start.elapsed() < within {
            if self.names.readiness().exists() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("worker exited early ({status}):\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("worker not ready within {within:?}:\n{}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.names.log()).unwrap_or_default()
    }

    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// SIGTERM, then require a clean exit (code 0) within `within`; panics with the worker's log otherwise.
    pub fn terminate(&mut self, within: Duration) {
        self.signal("TERM");
        let status = self
            .wait_exit(within)
            .unwrap_or_else(|| panic!("worker did not exit within {within:?}:\n{}", self.log()));
        assert!(status.success(), "exit {status}:\n{}", self.log());
    }

    /// Wait for exit, at most `within`.
    pub fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < within {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.names.dir);
    }
}

/// A test client on its own connection.
pub struct Client {
    pub conn: Connection,
    pub ch: Channel,
}

impl Client {
    pub async fn connect() -> Self {
        let conn = Connection::connect(URL, ConnectionProperties::default())
            .await
            .unwrap_or_else(|e| {
                panic!("RabbitMQ must run on 127.0.0.1:5672 (guest/guest) for this test: {e}")
            });
        let ch = conn.create_channel().await.expect("channel");
        ch.confirm_select(ConfirmSelectOptions::default())
            .await
            .expect("confirms");
        Client { conn, ch }
    }

    /// Publish and wait for the broker's confirm.
    pub async fn publish(&self, queue: &str, body: &[u8], props: BasicProperties) {
        self.ch
            .basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions::default(),
                body,
                props,
            )
            .await
            .expect("publish")
            .await
            .expect("confirm");
    }

    /// An exclusive, server-named reply queue and a consumer on it.
    pub async fn reply_queue(&self) -> (String, Consumer) {
        let q = self
            .ch
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("reply queue");
        let name = q.name().to_string();
        let consumer = self
            .ch
            .basic_consume(
                name.as_str().into(),
                "".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("consume replies");
        (name, consumer)
    }

    /// Messages ready in `queue` (passive declare).
    pub async fn depth(&self, queue: &str) -> u32 {
        let ch = self.conn.create_channel().await.expect("channel");
        let q = ch
            .queue_declare(
                queue.into(),
                QueueDeclareOptions {
                    passive: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap_or_else(|e| panic!("queue {queue} should exist: {e}"));
        let _ = ch.close(200, "OK".into()).await;
        q.message_count()
    }

    /// Wait until no message is ready in `queue` (a consumer has taken them all); panics after `within`
    /// with `what` (what was expected to take them).
    pub async fn wait_taken(&self, queue: &str, within: Duration, what: &str) {
        let start = Instant::now();
        while self.depth(queue).await > 0 {
            assert!(start.elapsed() < within, "{what} within {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Take every message currently in `queue`.
    pub async fn drain(&self, queue: &str) -> Vec<lapin::message::BasicGetMessage> {
        let mut out = Vec::new();
        while let Some(m) = self
            .ch
            .basic_get(queue.into(), BasicGetOptions { no_ack: true })
            .await
            .expect("basic_get")
        {
            out.push(m);
        }
        out
    }

    /// Take messages from `queue` until there are `n` of them or 10 s have passed.
    pub async fn drain_until(&self, queue: &str, n: usize) -> Vec<lapin::message::BasicGetMessage> {
        let mut out = Vec::new();
        for _ in 0..200 {
            out.extend(self.drain(queue).await);
            if out.len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        out
    }

    pub async fn cleanup(&self, names: &Names) {
        let ch = self.conn.create_channel().await.expect("channel");
        delete_topology(&ch, names).await;
    }
}

/// Publish `body` to `queue` once per set of properties, all before waiting, then require every
/// confirm to be an ack.
pub async fn publish_confirmed(
    ch: &Channel,
    queue: &str,
    body: &[u8],
    props: impl IntoIterator<Item = BasicProperties>,
) {
    let mut confirms = Vec::new();
    for p in props {
        let confirm = ch
            .basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions::default(),
                body,
                p,
            )
            .await
            .expect("publish");
        confirms.push(confirm);
    }
    for c in confirms {
        let confirmation = c.await.expect("confirm");
        assert!(confirmation.is_ack(), "request nacked: {confirmation:?}");
    }
}

/// Delete a test's queues (requests, its retry queue, results, dead letters) and its dead-letter
/// exchange, ignoring what is already gone.
pub async fn delete_topology(ch: &Channel, names: &Names) {
    let retry = format!("{}.retry", names.requests);
    for q in [&names.requests, &retry, &names.results, &names.dead] {
        let _ = ch
            .queue_delete(q.as_str().into(), QueueDeleteOptions::default())
            .await;
    }
    let _ = ch
        .exchange_delete(names.dead.as_str().into(), ExchangeDeleteOptions::default())
        .await;
}

/// Collect `n` replies (or fewer when `within` runs out).
pub async fn collect(
    consumer: &mut Consumer,
    n: usize,
    within: Duration,
) -> Vec<lapin::message::Delivery> {
    let deadline = tokio::time::Instant::now() + within;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        match tokio::time::timeout_at(deadline, consumer.next()).await {
            Ok(Some(Ok(d))) => out.push(d),
            _ => break,
        }
    }
    out
}

pub fn correlation(d: &BasicProperties) -> String {
    d.correlation_id()
        .as_ref()
        .map(|s| s.to_string())
        .unwrap_or_default()
}

/// Run the offline `predict` command on JSONL input; returns stdout lines.
pub fn offline_predict(input: &str) -> Vec<String> {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_predict-worker"))
        .current_dir(root())
        .args(["predict", "--model"])
        .arg(model_path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn predict");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("predict output");
    writer.join().expect("writer").expect("write stdin");
    assert!(
        out.status.success(),
        "predict failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .lines()
        .map(str::to_string)
        .collect()
}

pub fn sample_lines() -> Vec<String> {
    std::fs::read_to_string(root().join("outputs/best_model.sample.jsonl"))
        .expect("sample requests")
        .lines()
        .map(str::to_string)
        .collect()
}

/// One request (correlation `"long"` in the tests, body id `"long"`) of `rows` copies of the first
/// sample row: enough parsing and predicting to keep a worker busy for a while.
pub fn long_request(rows: usize) -> Vec<u8> {
    let first: serde_json::Value =
        serde_json::from_str(&sample_lines()[0]).expect("a sample request");
    let rows = vec![first["features"].clone(); rows];
    serde_json::to_vec(&serde_json::json!({ "id": "long", "instances": rows })).expect("JSON")
}

/// Worker settings under which a [`long_request`] is accepted and, even in a debug build on a loaded
/// machine, finishes inside the drain after SIGTERM.
pub const LONG_REQUEST_ENV: [(&str, &str); 3] = [
    ("PREDICT_WORKER__WORKER__MAX_INSTANCES", "100000"),
    ("PREDICT_WORKER__WORKER__MAX_BODY_BYTES", "100000000"),
    ("PREDICT_WORKER__WORKER__SHUTDOWN_DEADLINE_MS", "30000"),
];

pub fn exists(p: &Path) -> bool {
    p.exists()
}
