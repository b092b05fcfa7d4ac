//! `bench --rate R`: an open loop. Request i is published at start + i/R whatever the replies do, and
//! its latency is measured from that scheduled time, so a stall shows up in the percentiles instead of
//! slowing the sender down (no coordinated omission).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::broker::{
    bodies, confirmer, connect, is_error, next_reply, publish_together, publisher,
};
use super::report::Stats;
use super::BenchArgs;
use crate::broker::BrokerError;
use crate::cli::{stdout, CliError};
use crate::config::Settings;

/// At most this many due requests are published in one go.
const MAX_AT_ONCE: usize = 64;

pub async fn drive(
    args: &BenchArgs,
    settings: &Settings,
    sample: &[Value],
    queue: &str,
    rate: f64,
) -> Result<Stats, CliError> {
    let rows = args.rows_per_request.unwrap_or(1);
    let n = args.requests;
    let bodies = bodies(sample, n, rows)?;
    let (mut producer, run_id) = connect(settings, queue).await?;
    let publisher = publisher(&producer, args);
    let interval = Duration::from_secs_f64(1.0 / rate);
    let start = Instant::now() + Duration::from_millis(50);
    let due = move |i: usize| start + interval.mul_f64(i as f64);
    let (confirm_tx, confirmer) = confirmer(queue);
    let sender_run = run_id.clone();
    // The sender paces itself on its own thread with the OS's sleep, not on the runtime's timer: that
    // one fires on whole milliseconds, which at thousands of requests a second would send most of them
    // up to a millisecond late and add that to every latency measured from the schedule.
    let runtime = tokio::runtime::Handle::current();
    let stop = StopOnDrop::default();
    let stopped = Arc::clone(&stop.0);
    let sender = std::thread::Builder::new()
        .name("bench-sender".into())
        .spawn(move || {
            let mut late = Duration::ZERO;
            let mut i = 0;
            while i < bodies.len() && !stopped.load(Ordering::Relaxed) {
                let wait = due(i).saturating_duration_since(Instant::now());
                if !wait.is_zero() {
                    std::thread::sleep(wait);
                }
                // Every request already due goes out together (their frames share one write), so
                // a sender woken late catches up at once instead of one write at a time.
                let now = Instant::now();
                let limit = bodies.len().min(i + MAX_AT_ONCE);
                let end = (i + 1..limit).find(|&j| due(j) > now).unwrap_or(limit);
                late = late.max(now.saturating_duration_since(due(i)));
                let sends = publish_together(&publisher, &sender_run, &bodies, i..end);
                let confirms = runtime.block_on(sends)?;
                if confirm_tx.send(confirms).is_err() {
                    break;
                }
                i = end;
            }
            Ok::<Duration, BrokerError>(late)
        })
        .map_err(|e| CliError::io("cannot start the sender thread", e))?;
    let mut answered = vec![false; n];
    let mut latencies = Vec::with_capacity(n);
    let mut errors = 0;
    while latencies.len() < n {
        // On an error `stop` is dropped on the way out, which stops the sender.
        let reply = next_reply(&mut producer, args, n - latencies.len(), queue).await?;
        let now = Instant::now();
        if let Some(i) = reply.index_in(&run_id).filter(|&i| i < n && !answered[i]) {
            answered[i] = true;
            latencies.push(now.saturating_duration_since(due(i)));
            if is_error(&reply.body) {
                errors += 1;
            }
        }
    }
    let elapsed = Instant::now().saturating_duration_since(start);
    let late = sender
        .join()
        .map_err(|_| CliError::Failed("the sender thread panicked".into()))??;
    confirmer
        .await
        .map_err(|e| CliError::Failed(format!("the confirm task failed: {e}")))??;
    producer.close().await;
    if late > Duration::from_millis(10) {
        stdout::write(&format!(
            "note: the sender fell up to {:.1} ms behind its schedule; latencies count from the schedule\n",
            late.as_secs_f64() * 1e3
        ))?;
    }
    Ok(Stats::new(n, rows, elapsed, latencies, errors))
}

/// Tells the sender thread to stop when the reply loop returns early.
#[derive(Default)]
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}
