//! `bench` through RabbitMQ: publish N requests with a sliding window of in-flight requests, match
//! replies by correlation id, and print msg/s, rows/s and p50/p99/max latency.

use std::time::{Duration, Instant};

use futures_util::future::try_join_all;
use futures_util::FutureExt;
use lapin::PublisherConfirm;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::{spawn, BenchArgs};
use crate::broker::BrokerError;
use crate::cli::send::amqp::{self, Producer, JSON};
use crate::cli::CliError;
use crate::config::Settings;

fn request(sample: &[Value], i: usize, rows: usize) -> Value {
    if rows <= 1 {
        return json!({"id": i, "features": sample[i % sample.len()]});
    }
    let instances: Vec<Value> = (0..rows)
        .map(|k| sample[(i * rows + k) % sample.len()].clone())
        .collect();
    json!({"id": i, "instances": instances})
}

pub async fn run(
    args: &BenchArgs,
    mut settings: Settings,
    sample: &[Value],
) -> Result<(), CliError> {
    // A spawned worker gets a private topology (requests, results, dead letters), removed afterwards.
    let made_up_queue = args.spawn_worker && args.queue.is_none();
    if made_up_queue {
        let id = uuid::Uuid::new_v4().simple().to_string();
        settings.queues.requests = format!("bench.{id}.requests");
        settings.queues.results = format!("bench.{id}.results");
        settings.queues.dead_letter_exchange = format!("bench.{id}.dead");
        settings.queues.dead_letter_queue = format!("bench.{id}.dead");
    }
    let queue = settings.queues.requests.clone();
    let spawned = if args.spawn_worker {
        Some(spawn::spawn_worker(&settings, &queue)?)
    } else {
        None
    };
    let result = drive(args, &settings, sample, &queue).await;
    let stopped = spawned.map_or(Ok(()), spawn::stop_worker);
    if made_up_queue {
        let q = &settings.queues;
        let queues = [
            q.requests.as_str(),
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
    result.and(stopped)
}

async fn drive(
    args: &BenchArgs,
    settings: &Settings,
    sample: &[Value],
    queue: &str,
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
    // Confirms are checked by a separate task so that waiting for them never holds up publishing or
    // reading replies (the load generator must not be what limits the rate).
    let (confirm_tx, mut confirm_rx) = mpsc::unbounded_channel::<Vec<PublisherConfirm>>();
    let confirm_queue = queue.to_string();
    let confirmer = tokio::spawn(async move {
        while let Some(batch) = confirm_rx.recv().await {
            for c in batch {
                amqp::confirmed(c, &confirm_queue).await?;
            }
        }
        Ok::<(), BrokerError>(())
    });
    let (mut next, mut in_flight, mut errors) = (0usize, 0usize, 0usize);
    let idle = Duration::from_secs_f64(args.timeout.max(0.1));
    let start = Instant::now();
    while latencies.len() < n {
        let k = (n - next).min(args.in_flight.saturating_sub(in_flight));
        if k > 0 {
            // Issue the window's publishes together: their frames leave in one write.
            let corrs: Vec<String> = (next..next + k)
                .map(|i| amqp::correlation_id(&run_id, i))
                .collect();
            let sends = corrs
                .iter()
                .zip(&bodies[next..next + k])
                .map(|(corr, body)| publisher.publish(body, JSON, corr));
            let confirms = try_join_all(sends).await?;
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
        let first = match tokio::time::timeout(idle, producer.next_reply()).await {
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
                if serde_json::from_slice::<Value>(&r.body)
                    .map_or(true, |v| v.get("error").is_some())
                {
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
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    let rate = n as f64 / elapsed.as_secs_f64();
    let mut text = format!(
        "queue {queue}: {n} requests × {rows} row(s), {} in flight\n",
        args.in_flight
    );
    text += &format!(
        "{:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>8}\n",
        "msg/s", "rows/s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    text += &format!(
        "{:>10.0}  {:>10.0}  {:>10.2}  {:>10.2}  {:>10.2}  {:>8}\n",
        rate,
        rate * rows as f64,
        pct(0.50),
        pct(0.99),
        pct(1.0),
        errors
    );
    crate::cli::stdout::write(&text)?;
    if errors > 0 {
        return Err(CliError::Failed(format!(
            "{errors} of {n} replies were errors or not JSON"
        )));
    }
    Ok(())
}
