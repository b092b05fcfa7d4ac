//! The settle pipeline: batches whose replies are published go to one settler task per session, which
//! awaits their confirms in delivery order and acks the highest contiguous confirmed tag (`multiple=true`)
//! on the consuming channel, while the consumer goes on gathering and predicting the next batches.

use std::time::Instant;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::settle::{self, Lane, Outstanding, Settled};
use super::throttle::Throttle;
use super::BrokerError;

/// The consumer's end of the pipeline.
pub struct Pipeline {
    tx: Option<mpsc::Sender<Outstanding>>,
    task: Option<JoinHandle<Result<Settled, BrokerError>>>,
}

impl Pipeline {
    /// Start a settler acking on the lane's consuming channel (where the requests were delivered),
    /// holding at most `depth` published-but-unsettled batches before `submit` waits.
    pub fn start(lane: Lane, depth: usize) -> Self {
        let (tx, rx) = mpsc::channel(depth.max(1));
        let task = tokio::spawn(settle_all(lane, rx));
        Pipeline {
            tx: Some(tx),
            task: Some(task),
        }
    }

    /// Hand a published batch to the settler. Fails with the settler's error if it has stopped.
    pub async fn submit(&mut self, batch: Outstanding) -> Result<(), BrokerError> {
        let sent = match &self.tx {
            Some(tx) => tx.send(batch).await.is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        Err(match self.join().await {
            Err(e) => e,
            Ok(_) => BrokerError::Lost("the settler stopped early".into()),
        })
    }

    /// Resolves only when the settler has failed (a broker error while settling), with that error.
    pub async fn failed(&mut self) -> BrokerError {
        match self.task.as_mut() {
            Some(task) => match task.await {
                Ok(Err(e)) => {
                    self.task = None;
                    e
                }
                Ok(Ok(_)) => {
                    self.task = None;
                    BrokerError::Lost("the settler stopped early".into())
                }
                Err(e) => {
                    self.task = None;
                    BrokerError::Other(format!("the settler task failed: {e}"))
                }
            },
            None => std::future::pending().await,
        }
    }

    /// No more batches: wait until every submitted batch is settled.
    pub async fn finish(mut self) -> Result<Settled, BrokerError> {
        self.tx = None;
        self.join().await
    }

    async fn join(&mut self) -> Result<Settled, BrokerError> {
        self.tx = None;
        match self.task.take() {
            Some(task) => task
                .await
                .map_err(|e| BrokerError::Other(format!("the settler task failed: {e}")))?,
            None => Err(BrokerError::Lost("the settler already stopped".into())),
        }
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        // A session that ends early (broker lost) leaves the unacked requests to the broker, which
        // requeues them when the channel closes; the settler must not ack anything after that.
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Settle batches in the order they were submitted. An ack is deferred while the next batch is already
/// waiting, so one `multiple=true` ack can cover several batches.
async fn settle_all(
    lane: Lane,
    mut rx: mpsc::Receiver<Outstanding>,
) -> Result<Settled, BrokerError> {
    let mut total = Settled::default();
    let mut throttle = Throttle::default();
    let mut pending_ack: Option<u64> = None;
    let mut pending_moves = 0;
    // (taken off the channel at, messages) of the batches the next ack settles; reused, so it stops
    // growing once it holds as many batches as prefetch lets be unacked.
    let mut pending: Vec<(Instant, usize)> = Vec::with_capacity(rx.max_capacity() + 1);
    loop {
        let batch = match rx.try_recv() {
            Ok(b) => b,
            Err(_) => {
                if let Some(tag) = pending_ack.take() {
                    settle::ack_through(&lane.consume, tag).await?;
                    lane.moves.settled(std::mem::take(&mut pending_moves));
                }
                for (received, n) in pending.drain(..) {
                    lane.in_flight.done(received, n);
                }
                match rx.recv().await {
                    Some(b) => b,
                    None => return Ok(total),
                }
            }
        };
        let size = batch.len();
        pending.push((batch.received, size));
        let (settled, last_ack) = settle::confirm_batch(&lane, batch, &mut throttle).await?;
        if last_ack.is_some() {
            pending_ack = last_ack;
        }
        pending_moves += settled.retried;
        total.add(settled);
        tracing::debug!(size, ?settled, "batch settled");
    }
}
