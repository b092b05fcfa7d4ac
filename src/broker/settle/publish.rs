//! Publishing what a batch needs, without waiting for confirms: replies, dead-letter copies of bad
//! requests, and copies sent round the retry queue (which count as moves until settled).

use std::time::Instant;

use futures_util::future::try_join_all;
use lapin::message::Delivery;
use lapin::options::BasicPublishOptions;
use lapin::PublisherConfirm;

use super::reply::{reply_properties, reply_route};
use super::{Entry, Kind, Lane, Outstanding, Plan, Reroute};
use crate::broker::route::Outbound;
use crate::broker::{celery, BrokerError};

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
pub(super) async fn send(
    lane: &Lane,
    out: &Outbound,
    body: &[u8],
) -> Result<PublisherConfirm, BrokerError> {
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
