//! Replies and acknowledgements for one micro-batch: publish every reply (confirms on), later wait for
//! the confirms, reject the never-succeed requests (to the dead-letter queue) and ack the rest with a
//! `multiple=true` ack. Nothing is acked before its reply is confirmed; on a broker failure nothing is acked.

use futures_util::future::try_join_all;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicPublishOptions, BasicRejectOptions};
use lapin::{BasicProperties, Channel, Confirmation, PublisherConfirm};

use super::BrokerError;
use crate::protocol::{Disposition, Reply};

/// What happened to the messages of one batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settled {
    pub acked: usize,
    pub rejected: usize,
    pub requeued: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Fate {
    Ack,
    Reject,
    Requeue,
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

/// One batch whose replies are published and whose confirms may still be outstanding: each request's
/// delivery tag (on the consuming channel), the confirm of its reply, and what to do once confirmed.
pub struct Outstanding {
    entries: Vec<(u64, PublisherConfirm, Fate)>,
}

impl Outstanding {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Publish the replies of a batch (same order, same length as `deliveries`) without waiting for their
/// confirms. The publishes are issued together so that their frames go out in one write, not one
/// round-trip through lapin's I/O loop per reply.
pub async fn publish(
    publish: &Channel,
    results_queue: &str,
    deliveries: &[Delivery],
    replies: &[Reply],
) -> Result<Outstanding, BrokerError> {
    let options = BasicPublishOptions {
        mandatory: true,
        ..BasicPublishOptions::default()
    };
    let sends = deliveries.iter().zip(replies).map(|(delivery, reply)| {
        let route = reply_route(&delivery.properties, results_queue);
        let props = reply_properties(&delivery.properties, &reply.content_type);
        publish.basic_publish("".into(), route.into(), options, &reply.body, props)
    });
    let confirms = try_join_all(sends)
        .await
        .map_err(|e| BrokerError::lost("publishing a reply", &e))?;
    let entries = deliveries
        .iter()
        .zip(replies)
        .zip(confirms)
        .map(|((d, r), c)| (d.delivery_tag, c, fate_of(r)))
        .collect();
    Ok(Outstanding { entries })
}

/// Wait for a batch's confirms (in delivery order), then reject the never-succeed requests (to the
/// dead-letter queue) and requeue the ones whose reply the broker refused. Returns the counts and the
/// highest tag to ack: the caller acks it with `multiple=true` once every lower tag is settled, which
/// holds when batches are settled in delivery order (rejects and requeues go out before that ack).
pub async fn confirm_batch(
    consume: &Channel,
    batch: Outstanding,
) -> Result<(Settled, Option<u64>), BrokerError> {
    let mut settled = Settled::default();
    let mut last_ack = None;
    for (tag, confirm, fate) in batch.entries {
        let confirmation = confirm
            .await
            .map_err(|e| BrokerError::lost("waiting for a reply's confirm", &e))?;
        let fate = match confirmation {
            Confirmation::Nack(_) => {
                tracing::warn!(
                    delivery_tag = tag,
                    "the broker refused a reply (nack); the request is requeued"
                );
                Fate::Requeue
            }
            Confirmation::Ack(Some(returned)) => {
                tracing::warn!(
                    reply_to = %returned.delivery.routing_key,
                    "reply was unroutable (no such reply queue); the requester is gone, so it is dropped"
                );
                fate
            }
            _ => fate,
        };
        match fate {
            Fate::Reject => {
                consume
                    .basic_reject(tag, BasicRejectOptions { requeue: false })
                    .await
                    .map_err(|e| BrokerError::lost("rejecting a request", &e))?;
                settled.rejected += 1;
            }
            Fate::Requeue => {
                consume
                    .basic_nack(
                        tag,
                        BasicNackOptions {
                            multiple: false,
                            requeue: true,
                        },
                    )
                    .await
                    .map_err(|e| BrokerError::lost("requeueing a request", &e))?;
                settled.requeued += 1;
            }
            Fate::Ack => {
                last_ack = Some(last_ack.map_or(tag, |t: u64| t.max(tag)));
                settled.acked += 1;
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

/// Publish the replies of a batch and settle its deliveries, waiting for every confirm (the
/// unpipelined path: one batch at a time on the channel).
pub async fn reply_and_settle(
    consume: &Channel,
    publish_ch: &Channel,
    results_queue: &str,
    deliveries: &[Delivery],
    replies: &[Reply],
) -> Result<Settled, BrokerError> {
    let batch = publish(publish_ch, results_queue, deliveries, replies).await?;
    let (settled, last_ack) = confirm_batch(consume, batch).await?;
    if let Some(tag) = last_ack {
        ack_through(consume, tag).await?;
    }
    Ok(settled)
}

fn fate_of(reply: &Reply) -> Fate {
    match reply.disposition {
        Some(Disposition::Reject) => Fate::Reject,
        Some(Disposition::Retry) => Fate::Requeue,
        None => Fate::Ack,
    }
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
