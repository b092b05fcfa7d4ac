//! Replies and acknowledgements for one micro-batch: `publish` sends what each delivery needs, `confirm`
//! waits for the confirms in order and acks, `reply` sets a reply's properties and route. Here: the types
//! they share (plans, lanes, retry-queue moves, the outstanding batch, the settled counts).

mod confirm;
mod publish;
mod reply;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use lapin::message::Delivery;
use lapin::{Channel, PublisherConfirm};
use tokio::sync::Notify;

pub use confirm::{ack_through, confirm_batch, publish_and_settle};
pub use publish::publish;
pub use reply::{reply_properties, reply_route};

use super::route::{Outbound, Retry, Routes};
use crate::protocol::Reply;
use crate::telemetry::InFlight;

/// What happened to the messages of one batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settled {
    /// Answered and acked.
    pub acked: usize,
    /// Copied to the dead-letter exchange (with the reason), then acked.
    pub dead_lettered: usize,
    /// Copied to the retry queue with the attempt count raised, then acked.
    pub retried: usize,
    /// Rejected without requeue, because even rerouting it was refused.
    pub rejected: usize,
}

impl Settled {
    pub fn add(&mut self, other: Settled) {
        self.acked += other.acked;
        self.dead_lettered += other.dead_lettered;
        self.retried += other.retried;
        self.rejected += other.rejected;
    }
}

/// What the worker sends for one delivery.
pub enum Plan {
    /// Its reply (an error reply also sends a dead-letter copy of the request).
    Reply(Reply),
    /// A copy round the retry queue (or to the dead-letter exchange past the limit), no prediction.
    Again(Retry),
}

/// The queue a lane consumes, its two channels, and where rerouted requests go.
#[derive(Clone)]
pub struct Lane {
    pub queue: String,
    pub consume: Channel,
    pub publish: Channel,
    pub routes: Arc<Routes>,
    /// Shared by the lanes of one connection: copies sent to the retry queue whose originals are
    /// not settled yet.
    pub moves: Arc<Moves>,
    /// The session's unsettled requests (the `predict_worker_in_flight` gauge) and its metrics.
    pub in_flight: Arc<InFlight>,
}

/// Requests copied to the retry queue whose originals are not acked (or rejected) yet. The retry
/// lane waits for none before serving a request, so it never serves a copy while a crash could still
/// bring the original back (which would duplicate a request that may be the one crashing workers).
#[derive(Debug, Default)]
pub struct Moves {
    unsettled: AtomicUsize,
    none_left: Notify,
}

impl Moves {
    fn add(&self) {
        self.unsettled.fetch_add(1, Ordering::SeqCst);
    }

    pub(super) fn settled(&self, n: usize) {
        if n > 0 && self.unsettled.fetch_sub(n, Ordering::SeqCst) == n {
            self.none_left.notify_waiters();
        }
    }

    /// Resolves once every copy's original is settled.
    pub async fn wait_none(&self) {
        loop {
            let notified = self.none_left.notified();
            if self.unsettled.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }
}

enum Kind {
    Reply,
    /// An error reply with its code, and a dead-letter copy of the request.
    ErrorReply(&'static str),
    Rerouted(Reroute),
}

#[derive(Clone, Copy)]
enum Reroute {
    Retried,
    DeadLettered,
}

impl Reroute {
    /// The retry queue is reached through the default exchange; dead letters through their exchange.
    fn of(out: &Outbound) -> Reroute {
        if out.exchange.as_str().is_empty() {
            Reroute::Retried
        } else {
            Reroute::DeadLettered
        }
    }
}

struct Entry {
    delivery: Delivery,
    /// `None` when nothing was published first (a Celery task that wants no result).
    first: Option<PublisherConfirm>,
    second: Option<PublisherConfirm>,
    kind: Kind,
}

/// One batch whose messages are published and whose confirms may still be outstanding.
pub struct Outstanding {
    entries: Vec<Entry>,
    /// When the worker took the batch off the channel (for `predict_worker_message_seconds`).
    pub received: Instant,
}

impl Outstanding {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
