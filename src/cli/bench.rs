//! `predict-worker bench`: offline, time `Model::predict` in-process (single rows and one batch);
//! through the broker, publish N requests with a sliding window and report msg/s and p50/p99 latency.

mod rows;

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::{json, Value};

use super::send::amqp::{self, Producer, JSON};
use super::{CliError, ConfigArgs};
use crate::config::{Overrides, Settings};
use crate::model::{load_model, LoadLimits, Model};

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Model file (used offline, for sample rows, and by --spawn-worker).
    #[arg(long, value_name = "PATH")]
    pub model: Option<PathBuf>,
    /// Time Model::predict in this process; no broker.
    #[arg(long)]
    pub offline: bool,
    /// Broker URL (overrides env and config).
    #[arg(long, value_name = "URL")]
    pub amqp_url: Option<String>,
    /// Request queue (overrides env and config).
    #[arg(long, value_name = "QUEUE")]
    pub queue: Option<String>,
    /// JSONL sample requests; default `<model>.sample.jsonl` next to the model, else zero rows.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Requests to send (broker) or single-row predictions to time (offline).
    #[arg(long, default_value_t = 10_000)]
    pub requests: usize,
    /// Requests published but not yet answered (broker mode).
    #[arg(long, default_value_t = 256)]
    pub in_flight: usize,
    /// Rows per request (`instances` when > 1); offline, the batch size timed (default 1000).
    #[arg(long)]
    pub rows_per_request: Option<usize>,
    /// Start `predict-worker worker` as a child on a fresh queue, bench it, then stop it with SIGTERM.
    #[arg(long)]
    pub spawn_worker: bool,
    /// Give up when no reply arrives for this many seconds.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,
}

pub fn run(args: BenchArgs) -> Result<(), CliError> {
    if args.requests == 0 || args.in_flight == 0 || args.rows_per_request == Some(0) {
        return Err(CliError::Usage(
            "--requests, --in-flight and --rows-per-request must be at least 1".into(),
        ));
    }
    let overrides = Overrides {
        amqp_url: args.amqp_url.clone(),
        queue: args.queue.clone(),
        model: args.model.clone(),
    };
    let settings = Settings::load(args.config.config.as_deref(), &overrides)?;
    let limits = LoadLimits {
        max_file_bytes: settings.model.max_file_bytes,
        max_decompressed_bytes: settings.model.max_decompressed_bytes,
        ..LoadLimits::default()
    };
    let input = args
        .input
        .clone()
        .unwrap_or_else(|| rows::default_samples(&settings.model.path));
    let samples = if input.exists() {
        Some(rows::load(&input).map_err(CliError::Failed)?)
    } else {
        None
    };
    // Broker mode needs the model only to make up rows when there is no sample file.
    if args.offline || samples.is_none() {
        let started = Instant::now();
        let model = load_model(&settings.model.path, &limits)?;
        let load_time = started.elapsed();
        let sample = match samples {
            Some(s) => s,
            None => rows::zeros(&model, 1).map_err(CliError::Failed)?,
        };
        if args.offline {
            return offline(&args, &model, &sample, load_time);
        }
        return run_broker(&args, settings, &sample);
    }
    let sample = samples.unwrap_or_default();
    run_broker(&args, settings, &sample)
}

fn run_broker(args: &BenchArgs, settings: Settings, sample: &[Value]) -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::io("cannot start the async runtime", e))?;
    runtime.block_on(broker(args, settings, sample))
}

fn offline(
    args: &BenchArgs,
    model: &Model,
    sample: &[Value],
    load: Duration,
) -> Result<(), CliError> {
    let singles: Vec<_> = (0..sample.len().min(64))
        .map(|i| rows::batch(model, &sample[i..=i], 1))
        .collect::<Result<_, _>>()
        .map_err(CliError::Failed)?;
    let predict = |b| {
        model
            .predict(b)
            .map_err(|e| CliError::Failed(format!("predict failed: {e}")))
    };
    for b in &singles {
        predict(b)?; // warm up, and fail before timing if the sample does not fit the model
    }
    let t = Instant::now();
    for i in 0..args.requests {
        predict(&singles[i % singles.len()])?;
    }
    let single = t.elapsed();
    let r = args.rows_per_request.unwrap_or(1000);
    let batch = rows::batch(model, sample, r).map_err(CliError::Failed)?;
    let reps = (100_000 / r).clamp(3, 1000);
    let t = Instant::now();
    for _ in 0..reps {
        predict(&batch)?;
    }
    let batched = t.elapsed();
    let per = |d: Duration, n: usize| d.as_secs_f64() * 1e6 / n as f64;
    println!("model load        {:>10.1} ms", load.as_secs_f64() * 1e3);
    println!(
        "mode              {:>10}  {:>12}  {:>12}",
        "calls", "µs/row", "rows/s"
    );
    let s = per(single, args.requests);
    println!(
        "single row        {:>10}  {:>12.2}  {:>12.0}",
        args.requests,
        s,
        1e6 / s
    );
    let b = per(batched, reps * r);
    println!(
        "batch of {:<8} {:>10}  {:>12.3}  {:>12.0}",
        r,
        reps,
        b,
        1e6 / b
    );
    Ok(())
}

fn request(sample: &[Value], i: usize, rows: usize) -> Value {
    if rows <= 1 {
        return json!({"id": i, "features": sample[i % sample.len()]});
    }
    let instances: Vec<Value> = (0..rows)
        .map(|k| sample[(i * rows + k) % sample.len()].clone())
        .collect();
    json!({"id": i, "instances": instances})
}

struct Spawned {
    child: Child,
    _dir: tempfile_dir::Dir,
}

mod tempfile_dir {
    //! A scratch directory removed on drop (std only).
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn spawn_worker(settings: &Settings, queue: &str) -> Result<Spawned, CliError> {
    let dir = std::env::temp_dir().join(format!("predict-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).map_err(|e| CliError::io("cannot create a scratch dir", e))?;
    let dir = tempfile_dir::Dir(dir);
    let ready = dir.0.join("ready");
    let exe =
        std::env::current_exe().map_err(|e| CliError::io("cannot find this executable", e))?;
    let mut child = Command::new(exe)
        .arg("worker")
        .arg("--model")
        .arg(&settings.model.path)
        .args(["--amqp-url", &settings.amqp.url, "--queue", queue])
        .env("PREDICT_WORKER__WORKER__READINESS_FILE", &ready)
        .spawn()
        .map_err(|e| CliError::io("cannot start the worker", e))?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while crate::health::check(&ready, Duration::from_secs(60)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(CliError::Failed(format!(
                "the spawned worker exited early: {status}"
            )));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(CliError::Failed(
                "the spawned worker was not ready within 60 s".into(),
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(Spawned { child, _dir: dir })
}

fn stop_worker(mut spawned: Spawned) -> Result<(), CliError> {
    let pid = spawned.child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let status = spawned
        .child
        .wait()
        .map_err(|e| CliError::io("waiting for the worker", e))?;
    if !status.success() {
        return Err(CliError::Failed(format!(
            "the spawned worker exited with {status} after SIGTERM"
        )));
    }
    Ok(())
}

async fn broker(
    args: &BenchArgs,
    mut settings: Settings,
    sample: &[Value],
) -> Result<(), CliError> {
    let made_up_queue = args.spawn_worker && args.queue.is_none();
    if made_up_queue {
        settings.queues.requests = format!("bench.{}", uuid::Uuid::new_v4().simple());
    }
    let queue = settings.queues.requests.clone();
    let spawned = if args.spawn_worker {
        Some(spawn_worker(&settings, &queue)?)
    } else {
        None
    };
    let result = drive(args, &settings, sample, &queue, made_up_queue).await;
    if let Some(s) = spawned {
        stop_worker(s)?;
    }
    result
}

async fn drive(
    args: &BenchArgs,
    settings: &Settings,
    sample: &[Value],
    queue: &str,
    delete_after: bool,
) -> Result<(), CliError> {
    let rows = args.rows_per_request.unwrap_or(1);
    let n = args.requests;
    let bodies: Vec<Vec<u8>> = (0..n)
        .map(|i| serde_json::to_vec(&request(sample, i, rows)))
        .collect::<Result<_, _>>()
        .map_err(|e| CliError::Failed(format!("cannot encode a request: {e}")))?;
    let name = format!(
        "{}-bench-{}",
        settings.amqp.connection_name,
        std::process::id()
    );
    let mut producer = Producer::connect(&settings.amqp.url, &name, queue).await?;
    let publisher = producer.publisher();
    let run_id = uuid::Uuid::new_v4().simple().to_string();
    let mut sent_at: Vec<Option<Instant>> = vec![None; n];
    let mut latencies = Vec::with_capacity(n);
    let mut pending = Vec::new();
    let (mut next, mut in_flight, mut errors) = (0usize, 0usize, 0usize);
    let idle = Duration::from_secs_f64(args.timeout.max(0.1));
    let start = Instant::now();
    while latencies.len() < n {
        while next < n && in_flight < args.in_flight {
            let corr = format!("{run_id}.{next}");
            pending.push(publisher.publish(&bodies[next], JSON, &corr).await?);
            sent_at[next] = Some(Instant::now());
            next += 1;
            in_flight += 1;
        }
        if pending.len() >= 128 || next == n {
            for c in pending.drain(..) {
                amqp::confirmed(c, queue).await?;
            }
        }
        let reply = match tokio::time::timeout(idle, producer.next_reply()).await {
            Err(_) => {
                return Err(CliError::Failed(format!(
                    "{} of {n} replies missing after {} s without a reply; is a worker consuming {queue:?}?",
                    n - latencies.len(),
                    idle.as_secs_f64()
                )))
            }
            Ok(None) => return Err(CliError::Failed("the reply consumer was cancelled".into())),
            Ok(Some(r)) => r?,
        };
        let index = reply
            .correlation_id
            .as_deref()
            .and_then(|c| c.strip_prefix(run_id.as_str()))
            .and_then(|c| c.strip_prefix('.'))
            .and_then(|i| i.parse::<usize>().ok());
        if let Some(sent) = index
            .and_then(|i| sent_at.get_mut(i))
            .and_then(Option::take)
        {
            latencies.push(sent.elapsed());
            in_flight -= 1;
            if serde_json::from_slice::<Value>(&reply.body)
                .map_or(true, |v| v.get("error").is_some())
            {
                errors += 1;
            }
        }
    }
    let elapsed = start.elapsed();
    if delete_after {
        let _ = producer.delete_queue(queue).await;
    }
    producer.close().await;
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    let rate = n as f64 / elapsed.as_secs_f64();
    println!(
        "queue {queue}: {n} requests × {rows} row(s), {} in flight",
        args.in_flight
    );
    println!(
        "{:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>8}",
        "msg/s", "rows/s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    println!(
        "{:>10.0}  {:>10.0}  {:>10.2}  {:>10.2}  {:>10.2}  {:>8}",
        rate,
        rate * rows as f64,
        pct(0.50),
        pct(0.99),
        pct(1.0),
        errors
    );
    if errors > 0 {
        return Err(CliError::Failed(format!(
            "{errors} of {n} replies were errors or not JSON"
        )));
    }
    Ok(())
}
