//! `predict-worker bench`: offline, time `Model::predict` in-process (single rows and one batch);
//! through the broker, publish N requests with a sliding window and report msg/s and p50/p99 latency.

mod broker;
mod echo;
mod open_loop;
mod report;
mod rows;
mod spawn;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use serde_json::Value;

use super::{CliError, ConfigArgs};
use crate::config::{Overrides, Settings};
use crate::model::Model;

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
    /// JSONL sample requests (must exist); without it `<model>.sample.jsonl` next to the model, else zero rows.
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
    /// Open loop: publish at this many requests a second on a fixed schedule and measure latency from
    /// the scheduled time (without it: a closed loop with --in-flight requests outstanding).
    #[arg(long, value_name = "MSG_PER_S")]
    pub rate: Option<f64>,
    /// What answers: the worker, a no-op echo consumer on a private queue (the broker's own round
    /// trip), or both in one run with their ratio.
    #[arg(long, value_enum, default_value_t = Target::Worker)]
    pub target: Target,
    /// Publish requests transient (delivery mode 1, pika's default) rather than persistent (as `send`
    /// and Celery publish them), so the broker keeps them off its disk.
    #[arg(long)]
    pub transient: bool,
}

/// Who answers the bench's requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    Worker,
    Echo,
    Both,
}

pub fn run(args: BenchArgs) -> Result<(), CliError> {
    if args.requests == 0 || args.in_flight == 0 || args.rows_per_request == Some(0) {
        return Err(CliError::Usage(
            "--requests, --in-flight and --rows-per-request must be at least 1".into(),
        ));
    }
    if args.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
        return Err(CliError::Usage(
            "--rate must be a positive number of requests per second".into(),
        ));
    }
    let overrides = Overrides {
        amqp_url: args.amqp_url.clone(),
        queue: args.queue.clone(),
        model: args.model.clone(),
    };
    let settings = Settings::load(args.config.config.as_deref(), &overrides)?;
    // A file given with --input must exist; only the default sample file may be absent (zero rows).
    let samples = match &args.input {
        Some(input) if !input.is_file() => {
            return Err(CliError::Usage(format!(
                "--input {}: no such file; pass a JSONL file of requests, or leave --input out to \
                 use {} (or zero rows when it is absent)",
                input.display(),
                rows::default_samples(&settings.model.path).display()
            )))
        }
        Some(input) => Some(rows::load(input).map_err(CliError::Failed)?),
        None => {
            let default = rows::default_samples(&settings.model.path);
            default
                .exists()
                .then(|| rows::load(&default).map_err(CliError::Failed))
                .transpose()?
        }
    };
    // Broker mode needs the model only to make up rows when there is no sample file.
    if args.offline || samples.is_none() {
        let started = Instant::now();
        let model = super::predict::load(&settings)?;
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
    // One thread: the load generator shares the machine with the broker and the worker, so it should
    // take as little CPU (and as few thread wakeups) as it can. The open loop's sender has its own.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::io("cannot start the async runtime", e))?;
    runtime.block_on(broker::run(args, settings, sample))
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
    let mut text = format!("model load        {:>10.1} ms\n", load.as_secs_f64() * 1e3);
    text += &format!(
        "mode              {:>10}  {:>12}  {:>12}\n",
        "calls", "µs/row", "rows/s"
    );
    let s = per(single, args.requests);
    text += &format!(
        "single row        {:>10}  {:>12.2}  {:>12.0}\n",
        args.requests,
        s,
        1e6 / s
    );
    let b = per(batched, reps * r);
    text += &format!(
        "batch of {:<8} {:>10}  {:>12.3}  {:>12.0}\n",
        r,
        reps,
        b,
        1e6 / b
    );
    super::stdout::write(&text)
}
