//! `bench` through RabbitMQ: publish N requests (closed loop: a sliding window of in-flight requests;
//! open loop: `--rate`, on a fixed schedule), match replies by correlation id, and report msg/s, rows/s
//! and latency percentiles, against the worker, a no-op echo consumer, or both side by side.

use std::ops::Range;
use std::time::{Duration, Instant};

use futures_util::future::try_join_all;
use futures_util::FutureExt;
use lapin::PublisherConfirm;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::report::Stats;
use super::{echo, open_loop, spawn, BenchArgs, Target};
use crate::broker::route::retry_queue;
use crate::broker::BrokerError;
use crate::cli::send::amqp::{self, Producer, Publisher, Reply, JSON};
use crate::cli::{stdout, CliError};
use crate::config::Settings;

pub(super) fn request(sample: &[Value], i: usize, rows: usize) -> Value {
    if rows <= 1 {
        return json!({"id": i, "features": sample[i % sample.len()]});
    }
    let instances: Vec<Value> = (0..rows)
        .map(|k| sample[(i * rows + k) % sample.len()].clone())
        .collect();
    json!({"id": i, "instances": instances})
}

/// The `n` request bodies, encoded before timing starts.
pub(super) fn bodies(sample: &[Value], n: usize, rows: usize) -> Result<Vec<Vec<u8>>, CliError> {
    (0..n)
        .map(|i| serde_json::to_vec(&request(sample, i, rows)))
        .collect::<Result<_, _>>()
        .map_err(|e| CliError::Failed(format!("cannot encode a request: {e}")))
}

/// Whether a reply body is an error reply (or not JSON at all).
pub(super) fn is_error(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body).map_or(true, |v| v.get("error").is_some())
}

/// The bench's producer (a connection named after this process, its reply queue) and a run id for
/// correlation ids.
pub(super) async fn connect(
    settings: &Settings,
    queue: &str,
) -> Result<(Producer, String), CliError> {
    let name = format!(
        "{}-bench-{}",
        settings.amqp.connection_name,
        std::process::id()
    );
    let producer = Producer::connect(&settings.amqp.url, &name, queue).await?;
    Ok((producer, uuid::Uuid::new_v4().simple().to_string()))
}

/// The producer's publisher, transient when `--transient` asks.
pub(super) fn publisher(producer: &Producer, args: &BenchArgs) -> Publisher {
    let publisher = producer.publisher();
    if args.transient {
        publisher.transient()
    } else {
        publisher
    }
}

/// Publish requests `range` of `bodies` together, so their frames leave in one write; their confirms
/// in order.
pub(super) async fn publish_together(
    publisher: &Publisher,
    run_id: &str,
    bodies: &[Vec<u8>],
    range: Range<usize>,
) -> Result<Vec<PublisherConfirm>, BrokerError> {
    let corrs: Vec<String> = range
        .clone()
        .map(|i| amqp::correlation_id(run_id, i))
        .collect();
    let sends = corrs
        .iter()
        .zip(&bodies[range])
        .map(|(corr, body)| publisher.publish(body, JSON, corr));
    try_join_all(sends).await
}

/// A task that checks publisher confirms as they are sent to it, so that waiting for them never holds
/// up publishing or reading replies (the load generator must not be what limits the rate).
pub(super) fn confirmer(
    queue: &str,
) -> (
    mpsc::UnboundedSender<Vec<PublisherConfirm>>,
    JoinHandle<Result<(), BrokerError>>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<PublisherConfirm>>();
    let queue = queue.to_string();
    let task = tokio::spawn(async move {
        while let Some(batch) = rx.recv().await {
            for c in batch {
                amqp::confirmed(c, &queue).await?;
            }
        }
        Ok(())
    });
    (tx, task)
}

/// The next reply, or an error once `--timeout` seconds pass without one (`missing` replies are
/// still owed).
pub(super) async fn next_reply(
    producer: &mut Producer,
    args: &BenchArgs,
    missing: usize,
    queue: &str,
) -> Result<Reply, CliError> {
    let idle = Duration::from_secs_f64(args.timeout.max(0.1));
    match tokio::time::timeout(idle, producer.next_reply()).await {
        Err(_) => Err(CliError::Failed(format!(
            "{missing} of {} replies missing after {} s without a reply; is a worker consuming {queue:?}?",
            args.requests,
            idle.as_secs_f64()
        ))),
        Ok(None) => Err(CliError::Failed("the reply consumer was cancelled".into())),
        Ok(Some(r)) => Ok(r?),
    }
}

pub async fn run(args: &BenchArgs, settings: Settings, sample: &[Value]) -> Result<(), CliError> {
    let rows = args.rows_per_request.unwrap_or(1);
    match args.rate {
        Some(rate) => println!(
            "open loop: {} requests × {rows} row(s) at {rate} msg/s",
            args.requests
        ),
        None => println!(
            "closed loop: {} requests × {rows} row(s), {} in flight",
            args.requests, args.in_flight
        ),
    }
    let echo = match args.target {
        Target::Echo | Target::Both => {
            Some(one_target(args, settings.clone(), sample, true).await?)
        }
        Target::Worker => None,
    };
    let worker = match args.target {
        Target::Worker | Target::Both => Some(one_target(args, settings, sample, false).await?),
        Target::Echo => None,
    };
    let mut text = Stats::header();
    for (name, stats) in [("echo", &echo), ("worker", &worker)] {
        if let Some(s) = stats {
            text += &s.line(name);
        }
    }
    if let (Some(e), Some(w)) = (&echo, &worker) {
        text += &format!(
            "worker / echo: {:.2}× the msg/s, {:.2}× the p50, {:.2}× the p99\n",
            w.rate() / e.rate(),
            w.pct_ms(0.5) / e.pct_ms(0.5).max(1e-9),
            w.pct_ms(0.99) / e.pct_ms(0.99).max(1e-9)
        );
    }
    stdout::write(&text)?;
    let errors: usize = [&echo, &worker]
        .iter()
        .filter_map(|s| s.as_ref())
        .map(|s| s.errors)
        .sum();
    if errors > 0 {
        return Err(CliError::Failed(format!(
            "{errors} replies were errors or not JSON"
        )));
    }
    Ok(())
}

/// Bench one target: the worker (the configured queue, or a spawned worker on a private topology that
/// is removed afterwards) or an echo consumer on a private queue.
async fn one_target(
    args: &BenchArgs,
    mut settings: Settings,
    sample: &[Value],
    echo_target: bool,
) -> Result<Stats, CliError> {
    let private = echo_target || (args.spawn_worker && args.queue.is_none());
    if private {
        let id = uuid::Uuid::new_v4().simple().to_string();
        settings.queues.requests = format!("bench.{id}.requests");
        settings.queues.results = format!("bench.{id}.results");
        settings.queues.dead_letter_exchange = format!("bench.{id}.dead");
        settings.queues.dead_letter_queue = format!("bench.{id}.dead");
    }
    let queue = settings.queues.requests.clone();
    let (spawned, echoing) = if echo_target {
        (None, Some(echo::start(&settings.amqp.url, &queue).await?))
    } else if args.spawn_worker {
        (Some(spawn::spawn_worker(&settings, &queue)?), None)
    } else {
        (None, None)
    };
    let who = if echo_target { "echo" } else { "worker" };
    stdout::write(&format!("queue {queue}: {who}\n"))?;
    let result = match args.rate {
        Some(rate) => open_loop::drive(args, &settings, sample, &queue, rate).await,
        None => drive(args, &settings, sample, &queue).await,
    };
    drop(echoing);
    let stopped = spawned.map_or(Ok(()), spawn::stop_worker);
    if private {
        let q = &settings.queues;
        let retry = retry_queue(&q.requests);
        let queues = [
            q.requests.as_str(),
            retry.as_str(),
            q.results.as_str(),
            q.dead_letter_queue.as_str(),
        ];
        if let Err(e) = amqp::delete_topology(
            &settings.amqp.url,
            &queues,
            &[q.dead_letter_exchange.as_str()],
        )
        .await
        {
            tracing::warn!(error = %e, "cannot remove the bench topology");
        }
    }
    let stats = result?;
    stopped?;
    Ok(stats)
}

async fn drive(
    args: &BenchArgs,
    settings: &Settings,
    sample: &[Value],
    queue: &str,
) -> Result<Stats, CliError> {
    let rows = args.rows_per_request.unwrap_or(1);
    let n = args.requests;
    let bodies = bodies(sample, n, rows)?;
    let (mut producer, run_id) = connect(settings, queue).await?;
    let publisher = publisher(&producer, args);
    let mut sent_at: Vec<Option<Instant>> = vec![None; n];
    let mut latencies = Vec::with_capacity(n);
    let (confirm_tx, confirmer) = confirmer(queue);
    let (mut next, mut in_flight, mut errors) = (0usize, 0usize, 0usize);
    let start = Instant::now();
    while latencies.len() < n {
        let k = (n - next).min(args.in_flight.saturating_sub(in_flight));
        if k > 0 {
            let confirms = publish_together(&publisher, &run_id, &bodies, next..next + k).await?;
            let now = Instant::now();
            for slot in &mut sent_at[next..next + k] {
                *slot = Some(now);
            }
            next += k;
            in_flight += k;
            if confirm_tx.send(confirms).is_err() {
                break; // the confirmer failed; its error is reported below
            }
        }
        let first = next_reply(&mut producer, args, n - latencies.len(), queue).await?;
        // Take every reply that is already here before refilling the window in one go.
        let mut reply = Some(first);
        while let Some(r) = reply.take() {
            if let Some(sent) = r
                .index_in(&run_id)
                .and_then(|i| sent_at.get_mut(i))
                .and_then(Option::take)
            {
                latencies.push(sent.elapsed());
                in_flight -= 1;
                if is_error(&r.body) {
                    errors += 1;
                }
            }
            reply = match producer.next_reply().now_or_never() {
                Some(Some(r)) => Some(r?),
                _ => None,
            };
        }
    }
    let elapsed = start.elapsed();
    drop(confirm_tx);
    confirmer
        .await
        .map_err(|e| CliError::Failed(format!("the confirm task failed: {e}")))??;
    producer.close().await;
    Ok(Stats::new(n, rows, elapsed, latencies, errors))
}
