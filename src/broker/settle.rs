//! Replies and acknowledgements for one micro-batch: publish what each delivery needs (its reply, a
//! dead-letter copy of a bad request, or a copy sent round the retry queue), later wait for the confirms
//! in order and ack with `multiple=true`. Nothing is acked before what it needs is confirmed; a refused
//! reply is rerouted (bounded), never requeued in a loop.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use futures_util::future::try_join_all;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicPublishOptions, BasicRejectOptions};
use lapin::{BasicProperties, Channel, Confirmation, PublisherConfirm};
use tokio::sync::Notify;

use super::route::{Outbound, Retry, Routes};
use super::throttle::Throttle;
use super::{celery, BrokerError};
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

/// Reply properties: correlation id (or the request's message id), content type, delivery mode.
pub fn reply_properties(request: &BasicProperties, content_type: &str) -> BasicProperties {
    let mut props = BasicProperties::default()
        .with_content_type(content_type.into())
        .with_app_id("predict-worker".into());
    if let Some(id) = request
        .correlation_id()
        .clone()
        .or_else(|| request.message_id().clone())
    {
        props = props.with_correlation_id(id);
    }
    if let Some(mode) = request.delivery_mode() {
        props = props.with_delivery_mode(*mode);
    }
    props
}

/// Where a reply goes: the request's `reply_to`, else the results queue.
pub fn reply_route<'a>(request: &'a BasicProperties, results_queue: &'a str) -> &'a str {
    request
        .reply_to()
        .as_ref()
        .map(|r| r.as_str())
        .filter(|r| !r.is_empty())
        .unwrap_or(results_queue)
}

/// Copies (retry queue, dead letters) are mandatory: a missing queue must not swallow a request.
const MANDATORY: BasicPublishOptions = BasicPublishOptions {
    mandatory: true,
    immediate: false,
};

/// Replies are not: a vanished requester's reply is simply dropped by the broker.
const REPLY: BasicPublishOptions = BasicPublishOptions {
    mandatory: false,
    immediate: false,
};

/// Publish a rerouted copy; a copy bound for the retry queue counts as a move until settled.
async fn send(lane: &Lane, out: &Outbound, body: &[u8]) -> Result<PublisherConfirm, BrokerError> {
    if matches!(Reroute::of(out), Reroute::Retried) {
        lane.moves.add();
    }
    lane.publish
        .basic_publish(
            out.exchange.clone(),
            out.routing_key.clone(),
            MANDATORY,
            body,
            out.props.clone(),
        )
        .await
        .map_err(|e| BrokerError::lost("publishing a rerouted request", &e))
}

/// Publish what a batch needs (same order, same length as `deliveries`) without waiting for the
/// confirms. The publishes are issued together so their frames go out in one write.
pub async fn publish(
    lane: &Lane,
    deliveries: Vec<Delivery>,
    plans: Vec<Plan>,
    received: Instant,
) -> Result<Outstanding, BrokerError> {
    let routes = &lane.routes;
    let sends = deliveries.iter().zip(&plans).map(|(d, plan)| async move {
        let props = &d.properties;
        match plan {
            Plan::Reply(reply) => {
                // A Celery result goes to `reply_to` only (never the results queue), if wanted.
                let (route, reply_props) = if reply.celery {
                    let props = celery::result_properties(props, routes.celery_persistent);
                    (celery::result_route(&d.properties), props)
                } else {
                    let route = reply_route(props, &routes.results);
                    (Some(route), reply_properties(props, &reply.content_type))
                };
                let first = match route {
                    Some(route) => Some(
                        lane.publish
                            .basic_publish("".into(), route.into(), REPLY, &reply.body, reply_props)
                            .await
                            .map_err(|e| BrokerError::lost("publishing a reply", &e))?,
                    ),
                    None => None,
                };
                match reply.error {
                    Some(code) if reply.disposition.is_some() => {
                        let message = reply.error_message.as_deref().unwrap_or(code);
                        let out = routes.dead(props, code, message, &lane.queue);
                        let copy = send(lane, &out, &d.data).await?;
                        Ok((first, Some(copy), Kind::ErrorReply(code)))
                    }
                    _ => Ok((first, None, Kind::Reply)),
                }
            }
            Plan::Again(why) => {
                let out = routes.again(props, *why, &lane.queue);
                let kind = Kind::Rerouted(Reroute::of(&out));
                Ok((Some(send(lane, &out, &d.data).await?), None, kind))
            }
        }
    });
    let confirms = try_join_all(sends).await?;
    let entries = deliveries
        .into_iter()
        .zip(confirms)
        .map(|(delivery, (first, second, kind))| Entry {
            delivery,
            first,
            second,
            kind,
        })
        .collect();
    Ok(Outstanding { entries, received })
}

/// Whether the broker took a message: acked, and not returned as unroutable.
fn delivered(c: &Confirmation) -> bool {
    matches!(c, Confirmation::Ack(None))
}

async fn confirmed(confirm: PublisherConfirm) -> Result<Confirmation, BrokerError> {
    confirm
        .await
        .map_err(|e| BrokerError::lost("waiting for a confirm", &e))
}

/// Wait for a batch's confirms (in delivery order) and settle each message. Returns the counts and
/// the highest tag to ack: the caller acks it with `multiple=true` once every lower tag is settled,
/// which holds when batches are settled in delivery order (rejects go out before that ack), and then
/// releases the `retried` moves (see [`Moves`]).
pub async fn confirm_batch(
    lane: &Lane,
    batch: Outstanding,
    throttle: &mut Throttle,
) -> Result<(Settled, Option<u64>), BrokerError> {
    let mut settled = Settled::default();
    let mut last_ack = None;
    let metrics = lane.in_flight.metrics();
    for entry in batch.entries {
        let tag = entry.delivery.delivery_tag;
        let first = match entry.first {
            Some(confirm) => confirmed(confirm).await?,
            None => Confirmation::NotRequested,
        };
        let mut moved = matches!(entry.kind, Kind::Rerouted(Reroute::Retried));
        let error_code = match entry.kind {
            Kind::ErrorReply(code) => Some(code),
            _ => None,
        };
        let outcome = match entry.kind {
            // A reply is not mandatory: one whose `reply_to` queue is gone (the requester left) is
            // dropped by the broker and acked, and so is its request. (Mandatory replies would let
            // lapin attach their returns to other publishes' confirms, which it pairs in arrival order.)
            Kind::Reply if !matches!(first, Confirmation::Nack(_)) => Some(None),
            Kind::Reply => {
                metrics.reply_refused();
                throttle.warn(
                    "the broker refused a reply (nack); the request goes round the retry queue",
                );
                let props = &entry.delivery.properties;
                let out = lane.routes.again(props, Retry::ReplyRefused, &lane.queue);
                let reroute = Reroute::of(&out);
                moved = matches!(reroute, Reroute::Retried);
                let confirm = send(lane, &out, &entry.delivery.data).await?;
                delivered(&confirmed(confirm).await?).then_some(Some(reroute))
            }
            Kind::ErrorReply(_) => match entry.second {
                Some(copy) => {
                    delivered(&confirmed(copy).await?).then_some(Some(Reroute::DeadLettered))
                }
                None => None,
            },
            Kind::Rerouted(reroute) => delivered(&first).then_some(Some(reroute)),
        };
        match outcome {
            Some(reroute) => {
                match reroute {
                    None => {
                        settled.acked += 1;
                        metrics.settled_ok();
                    }
                    Some(Reroute::Retried) => {
                        settled.retried += 1;
                        metrics.settled_requeued();
                    }
                    Some(Reroute::DeadLettered) => {
                        settled.dead_lettered += 1;
                        match error_code {
                            Some(code) => metrics.settled_error(code),
                            None => metrics.settled_dead_lettered(),
                        }
                    }
                }
                last_ack = Some(last_ack.map_or(tag, |t: u64| t.max(tag)));
            }
            None => {
                // Rerouting was refused too: leave the request to the queue's own dead-letter
                // exchange rather than requeue it into a loop.
                throttle
                    .warn("the broker refused a rerouted request; it is rejected without requeue");
                lane.consume
                    .basic_reject(tag, BasicRejectOptions { requeue: false })
                    .await
                    .map_err(|e| BrokerError::lost("rejecting a request", &e))?;
                settled.rejected += 1;
                // Rejected without requeue: the request queue's own dead-letter exchange takes it.
                match error_code {
                    Some(code) => metrics.settled_error(code),
                    None => metrics.settled_dead_lettered(),
                }
                if moved {
                    lane.moves.settled(1);
                }
            }
        }
    }
    Ok((settled, last_ack))
}

/// Ack every unsettled tag up to and including `tag` on the consuming channel.
pub async fn ack_through(consume: &Channel, tag: u64) -> Result<(), BrokerError> {
    consume
        .basic_ack(tag, BasicAckOptions { multiple: true })
        .await
        .map_err(|e| BrokerError::lost("acking requests", &e))
}

/// Publish and settle one batch, waiting for every confirm (the unpipelined path).
pub async fn publish_and_settle(
    lane: &Lane,
    deliveries: Vec<Delivery>,
    plans: Vec<Plan>,
    received: Instant,
    throttle: &mut Throttle,
) -> Result<Settled, BrokerError> {
    let batch = publish(lane, deliveries, plans, received).await?;
    let n = batch.len();
    let (settled, last_ack) = confirm_batch(lane, batch, throttle).await?;
    if let Some(tag) = last_ack {
        ack_through(&lane.consume, tag).await?;
        lane.moves.settled(settled.retried);
    }
    lane.in_flight.done(received, n);
    Ok(settled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_id_falls_back_to_message_id() {
        let req = BasicProperties::default()
            .with_message_id("m-1".into())
            .with_delivery_mode(2)
            .with_reply_to("amq.rabbitmq.reply-to.abc".into());
        let props = reply_properties(&req, "application/json");
        assert_eq!(
            props.correlation_id().as_ref().map(|s| s.as_str()),
            Some("m-1")
        );
        assert_eq!(*props.delivery_mode(), Some(2));
        assert_eq!(reply_route(&req, "results"), "amq.rabbitmq.reply-to.abc");
        let req = BasicProperties::default().with_correlation_id("c".into());
        let props = reply_properties(&req, "application/python-pickle");
        assert_eq!(
            props.correlation_id().as_ref().map(|s| s.as_str()),
            Some("c")
        );
        assert_eq!(*props.delivery_mode(), None);
        assert_eq!(
            props.content_type().as_ref().map(|s| s.as_str()),
            Some("application/python-pickle")
        );
        assert_eq!(reply_route(&req, "results"), "results");
    }
}
