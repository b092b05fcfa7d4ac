//! The retry lane: requests that came back unsettled, or whose reply the broker refused, are copied to
//! `<requests>.retry` with an attempt count. This lane consumes them one at a time (prefetch 1), so a
//! request that kills the worker here takes nothing else with it, and past `worker.redelivery_limit`
//! it is dead-lettered. Requests whose reply was refused wait a growing backoff first.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::BasicCancelOptions;
use lapin::Consumer;
use tokio::sync::watch;
use tracing::Instrument;

use super::placement::Placement;
use super::route::{attempts, retry_reason, Retry};
use super::settle::{self, Lane, Plan};
use super::throttle::Throttle;
use super::{batch, consumer, observe, BrokerError};
use crate::model::Model;
use crate::protocol::Schema;

/// First wait before a request whose reply was refused is tried again; doubles per attempt.
pub const BACKOFF_INITIAL: Duration = Duration::from_millis(200);
/// Longest such wait.
pub const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// The wait before attempt `n` (1-based) of a request whose reply was refused.
pub fn backoff(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(16);
    BACKOFF_INITIAL
        .saturating_mul(1 << doublings)
        .min(BACKOFF_MAX)
}

/// Serve the retry lane until shutdown (then answer what was delivered) or a broker error.
pub async fn run(
    lane: Lane,
    mut consumer: Consumer,
    tag: String,
    model: Arc<Model>,
    schema: Arc<Schema>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), BrokerError> {
    let mut server = Server {
        lane,
        model,
        schema,
        throttle: Throttle::default(),
        placement: Placement::default(),
    };
    loop {
        let next = tokio::select! {
            biased;
            _ = consumer::requested(&mut shutdown) => break,
            next = consumer.next() => next,
        };
        let delivery = match next {
            Some(Ok(d)) => d,
            Some(Err(e)) => return Err(BrokerError::lost("consuming the retry queue", &e)),
            None => return Err(consumer::cancelled(&server.lane.queue)),
        };
        let why = retry_reason(&delivery.properties);
        if !delivery.redelivered && why == Some(Retry::ReplyRefused) {
            let wait = backoff(attempts(&delivery.properties));
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                // Unsettled, it returns to the retry queue when the channel closes.
                _ = consumer::requested(&mut shutdown) => break,
            }
        }
        server.serve(delivery).await?;
    }
    // Shutdown: stop deliveries, then answer the one that may already be on its way.
    server
        .lane
        .consume
        .basic_cancel(tag.as_str().into(), BasicCancelOptions::default())
        .await
        .map_err(|e| BrokerError::lost("cancelling the retry consumer", &e))?;
    while let Some(next) = consumer.next().await {
        let delivery = next.map_err(|e| BrokerError::lost("draining the retry queue", &e))?;
        server.serve(delivery).await?;
    }
    Ok(())
}

/// What the retry lane serves with.
struct Server {
    lane: Lane,
    model: Arc<Model>,
    schema: Arc<Schema>,
    throttle: Throttle,
    placement: Placement,
}

impl Server {
    /// Answer one request alone (or send it round again when it was redelivered) and settle it.
    async fn serve(&mut self, delivery: Delivery) -> Result<(), BrokerError> {
        let Server {
            lane,
            model,
            schema,
            throttle,
            placement,
        } = self;
        let taken = std::time::Instant::now();
        let batch = vec![delivery];
        observe::received(&lane.in_flight, &batch);
        let span = observe::batch_span(&lane.queue, &batch);
        async move {
            let (batch, plans) = if batch[0].redelivered {
                (batch, vec![Plan::Again(Retry::Redelivered)])
            } else {
                // Never serve a copy while its original could still come back (see `Moves`).
                lane.moves.wait_none().await;
                batch::plan_placed(placement, model, schema, lane, batch).await?
            };
            let settled = settle::publish_and_settle(lane, batch, plans, taken, throttle).await?;
            tracing::debug!(?settled, queue = %lane.queue, "retried request settled");
            Ok(())
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(0), BACKOFF_INITIAL);
        assert_eq!(backoff(1), BACKOFF_INITIAL);
        assert_eq!(backoff(2), BACKOFF_INITIAL * 2);
        assert_eq!(backoff(4), BACKOFF_INITIAL * 8);
        assert_eq!(backoff(40), BACKOFF_MAX);
    }
}
