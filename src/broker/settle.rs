//! Replies and acknowledgements for one micro-batch: publish every reply (confirms on), wait for the
//! confirms, then reject the never-succeed requests (to the dead-letter queue) and ack the rest with one
//! `multiple=true` ack. Nothing is acked before its reply is confirmed; on a broker failure nothing is acked.

use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicPublishOptions, BasicRejectOptions};
use lapin::{BasicProperties, Channel, Confirmation};

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

/// Publish the replies of a batch and settle its deliveries (same order, same length).
pub async fn reply_and_settle(
    consume: &Channel,
    publish: &Channel,
    results_queue: &str,
    deliveries: &[Delivery],
    replies: &[Reply],
) -> Result<Settled, BrokerError> {
    let mut confirms = Vec::with_capacity(replies.len());
    for (delivery, reply) in deliveries.iter().zip(replies) {
        let route = reply_route(&delivery.properties, results_queue);
        let props = reply_properties(&delivery.properties, &reply.content_type);
        let options = BasicPublishOptions {
            mandatory: true,
            ..BasicPublishOptions::default()
        };
        let confirm = publish
            .basic_publish("".into(), route.into(), options, &reply.body, props)
            .await
            .map_err(|e| BrokerError::lost("publishing a reply", &e))?;
        confirms.push(confirm);
    }
    let mut fates = Vec::with_capacity(confirms.len());
    for ((confirm, reply), delivery) in confirms.into_iter().zip(replies).zip(deliveries) {
        let confirmation = confirm
            .await
            .map_err(|e| BrokerError::lost("waiting for a reply's confirm", &e))?;
        let fate = match confirmation {
            Confirmation::Nack(_) => {
                tracing::warn!(
                    delivery_tag = delivery.delivery_tag,
                    "the broker refused a reply (nack); the request is requeued"
                );
                Fate::Requeue
            }
            Confirmation::Ack(Some(_)) => {
                tracing::warn!(
                    reply_to = reply_route(&delivery.properties, results_queue),
                    "reply was unroutable (no such reply queue); the requester is gone, so it is dropped"
                );
                fate_of(reply)
            }
            _ => fate_of(reply),
        };
        fates.push(fate);
    }
    let mut settled = Settled::default();
    let mut last_ack = None;
    for (delivery, fate) in deliveries.iter().zip(&fates) {
        let tag = delivery.delivery_tag;
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
    // Every lower tag is settled by now (batches run one at a time per channel, and rejects went
    // first), so one multiple ack covers exactly this batch's successes.
    if let Some(tag) = last_ack {
        consume
            .basic_ack(tag, BasicAckOptions { multiple: true })
            .await
            .map_err(|e| BrokerError::lost("acking requests", &e))?;
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
