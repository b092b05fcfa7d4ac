//! `predict-worker send`: publish requests (CSV, JSONL or a JSON array) to the request queue with
//! publisher confirms, wait for every reply on a private reply queue, print replies as JSONL in input order.

pub mod amqp;
pub mod input;
pub mod output;

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use super::{CliError, ConfigArgs};
use crate::broker::BrokerError;
use crate::config::{Overrides, Settings};
use amqp::{Producer, JSON, PICKLE};
use input::Format;
use output::Ordered;

#[derive(Debug, Args)]
pub struct SendArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Broker URL (overrides PREDICT_WORKER__AMQP__URL and the config file).
    #[arg(long, value_name = "URL")]
    pub amqp_url: Option<String>,
    /// Request queue (overrides PREDICT_WORKER__QUEUES__REQUESTS and the config file).
    #[arg(long, value_name = "QUEUE")]
    pub queue: Option<String>,
    /// Input file, or - for stdin.
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub input: String,
    /// Input format; guessed from the file extension or the first character when omitted.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Give up when no reply arrives for this many seconds; missing replies make the exit non-zero.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Send pickled bodies (application/x-python-serialize) instead of JSON.
    #[arg(long)]
    pub pickle: bool,
    /// Rows per message for row input (CSV, bare rows in a JSON array); more than 1 sends `instances` batches.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub rows_per_message: usize,
    /// Most requests published but not yet answered.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub in_flight: usize,
}

pub fn run(args: SendArgs) -> Result<(), CliError> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return Err(CliError::Usage(
            "--timeout must be a positive number of seconds".into(),
        ));
    }
    if args.rows_per_message == 0 || args.in_flight == 0 {
        return Err(CliError::Usage(
            "--rows-per-message and --in-flight must be at least 1".into(),
        ));
    }
    let overrides = Overrides {
        amqp_url: args.amqp_url.clone(),
        queue: args.queue.clone(),
        model: None,
    };
    let settings = Settings::load(args.config.config.as_deref(), &overrides)?;
    let (name, text) = read_input(&args.input)?;
    let format = args.format.unwrap_or_else(|| input::detect(&name, &text));
    let requests = input::parse(&name, &text, format, args.rows_per_message)
        .map_err(|e| CliError::Failed(e.to_string()))?;
    drop(text);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::io("cannot start the async runtime", e))?;
    runtime.block_on(send_all(&settings, &args, requests))
}

fn read_input(input: &str) -> Result<(String, String), CliError> {
    if input == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::io("cannot read requests from stdin", e))?;
        return Ok(("stdin".into(), text));
    }
    let path = PathBuf::from(input);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| CliError::io(format!("cannot read input file {}", path.display()), e))?;
    Ok((input.to_string(), text))
}

fn encode(request: &Value, pickle: bool) -> Result<Vec<u8>, CliError> {
    if pickle {
        serde_pickle::to_vec(request, serde_pickle::SerOptions::new())
            .map_err(|e| CliError::Failed(format!("cannot pickle a request: {e}")))
    } else {
        serde_json::to_vec(request)
            .map_err(|e| CliError::Failed(format!("cannot encode a request: {e}")))
    }
}

fn progress(len: usize) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} replies  {per_sec}  eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

async fn send_all(
    settings: &Settings,
    args: &SendArgs,
    requests: Vec<Value>,
) -> Result<(), CliError> {
    let total = requests.len();
    let queue = settings.queues.requests.clone();
    let ids: Vec<Value> = requests
        .iter()
        .map(|r| r.get("id").cloned().unwrap_or(Value::Null))
        .collect();
    let bodies = requests
        .iter()
        .map(|r| encode(r, args.pickle))
        .collect::<Result<Vec<_>, _>>()?;
    drop(requests);
    let name = format!(
        "{}-send-{}",
        settings.amqp.connection_name,
        std::process::id()
    );
    let mut producer = Producer::connect(&settings.amqp.url, &name, &queue).await?;
    let run_id = uuid::Uuid::new_v4().simple().to_string();
    let window = Arc::new(Semaphore::new(args.in_flight));
    let content_type = if args.pickle { PICKLE } else { JSON };

    // Publish in a task so replies are read while requests still go out.
    let publisher = producer.publisher();
    let prefix = run_id.clone();
    let gate = window.clone();
    let mut publishing = tokio::spawn(async move {
        let mut pending = Vec::new();
        for (i, body) in bodies.into_iter().enumerate() {
            if let Ok(permit) = gate.acquire().await {
                permit.forget();
            }
            let corr = amqp::correlation_id(&prefix, i);
            pending.push(publisher.publish(&body, content_type, &corr).await?);
            if pending.len() >= 256 {
                for c in pending.drain(..) {
                    amqp::confirmed(c, publisher.queue()).await?;
                }
            }
        }
        for c in pending {
            amqp::confirmed(c, publisher.queue()).await?;
        }
        Ok::<(), BrokerError>(())
    });

    let bar = progress(total);
    let stdout = std::io::stdout();
    let mut out = Ordered::new(total, std::io::BufWriter::new(stdout.lock()));
    let idle = Duration::from_secs_f64(args.timeout);
    let mut published = false;
    while !out.is_complete() {
        let reply = tokio::select! {
            done = &mut publishing, if !published => {
                published = true;
                done.map_err(|e| CliError::Failed(format!("publishing task failed: {e}")))??;
                continue;
            }
            r = tokio::time::timeout(idle, producer.next_reply()) => r,
        };
        let reply = match reply {
            Err(_elapsed) => break,
            Ok(None) => {
                return Err(BrokerError::Other(
                    "the reply consumer was cancelled by the broker".into(),
                )
                .into())
            }
            Ok(Some(r)) => r?,
        };
        let Some(index) = reply.index_in(&run_id) else {
            tracing::warn!(correlation_id = ?reply.correlation_id, "ignoring a reply that matches no request");
            continue;
        };
        let value = output::decode(&reply.body, reply.content_type.as_deref());
        if out
            .insert(index, value)
            .map_err(|e| CliError::io("cannot write replies to stdout", e))?
        {
            window.add_permits(1);
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    if !published {
        publishing.abort();
    }
    let missing = out.missing();
    let received = out.received();
    let secs = args.timeout;
    out.finish(|i| {
        json!({"id": ids.get(i).cloned().unwrap_or(Value::Null),
               "error": {"code": "no_reply", "message": format!("no reply within {secs} s")}})
    })
    .map_err(|e| CliError::io("cannot write replies to stdout", e))?;
    producer.close().await;
    if missing.is_empty() {
        return Ok(());
    }
    let first: Vec<String> = missing
        .iter()
        .take(5)
        .map(|i| format!("#{}", i + 1))
        .collect();
    Err(CliError::Failed(format!(
        "{} of {total} replies missing ({received} received) after {secs} s without a reply; \
         first missing requests: {}; is a worker consuming queue {queue:?}?",
        missing.len(),
        first.join(", ")
    )))
}
