//! Settling a published batch: wait for its confirms in delivery order, ack only what is confirmed
//! (`multiple=true`); a refused reply is rerouted (bounded), never requeued in a loop, and what cannot
//! be rerouted is rejected without requeue.

use std::time::Instant;

use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicRejectOptions};
use lapin::{Channel, Confirmation, PublisherConfirm};

use super::publish::{publish, send};
use super::{Kind, Lane, Outstanding, Plan, Reroute, Settled};
use crate::broker::route::Retry;
use crate::broker::throttle::Throttle;
use crate::broker::BrokerError;

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
/// releases the `retried` moves (see [`Moves`](super::Moves)).
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
