//! Idempotent declarations: the dead-letter exchange (fanout) and its durable queue, the durable results
//! queue, and the durable request queue and its retry queue (`<requests>.retry`), both dead-lettering into
//! the exchange (optionally quorum queues with a delivery limit). A 406 on declare is fatal and names the
//! queue and the argument.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::protocol::{AMQPErrorKind, AMQPSoftError};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, ErrorKind, ExchangeKind};

use super::route::retry_queue;
use super::BrokerError;
use crate::config::QueueSettings;

/// The request queue's arguments, exactly as this worker declares them.
pub fn request_queue_arguments(q: &QueueSettings) -> FieldTable {
    let mut args = FieldTable::default();
    args.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString(q.dead_letter_exchange.as_str().into()),
    );
    if q.queue_type == "quorum" {
        args.insert(
            "x-queue-type".into(),
            AMQPValue::LongString("quorum".into()),
        );
        args.insert(
            "x-delivery-limit".into(),
            AMQPValue::LongInt(i32::try_from(q.delivery_limit).unwrap_or(i32::MAX)),
        );
    }
    args
}

/// Declare everything the worker needs. Safe to repeat (after every reconnect). With `plain_requests`
/// the request queue is declared durable with no arguments, exactly as a Celery client declares it, so
/// either side may declare it first (its retry queue keeps the worker's arguments).
pub async fn declare(
    channel: &Channel,
    q: &QueueSettings,
    plain_requests: bool,
) -> Result<(), BrokerError> {
    let durable = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .exchange_declare(
            q.dead_letter_exchange.as_str().into(),
            ExchangeKind::Fanout,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(|e| classify(&format!("exchange {:?}", q.dead_letter_exchange), &e))?;
    channel
        .queue_declare(
            q.dead_letter_queue.as_str().into(),
            durable,
            FieldTable::default(),
        )
        .await
        .map_err(|e| classify(&q.dead_letter_queue, &e))?;
    channel
        .queue_bind(
            q.dead_letter_queue.as_str().into(),
            q.dead_letter_exchange.as_str().into(),
            "".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(|e| classify(&q.dead_letter_queue, &e))?;
    if !q.results.is_empty() {
        channel
            .queue_declare(q.results.as_str().into(), durable, FieldTable::default())
            .await
            .map_err(|e| classify(&q.results, &e))?;
    }
    for (i, queue) in [q.requests.clone(), retry_queue(&q.requests)]
        .iter()
        .enumerate()
    {
        let arguments = if plain_requests && i == 0 {
            FieldTable::default()
        } else {
            request_queue_arguments(q)
        };
        channel
            .queue_declare(queue.as_str().into(), durable, arguments)
            .await
            .map_err(|e| classify(queue, &e))?;
    }
    Ok(())
}

/// Turn a declare failure into a typed error: 406 is fatal and names the argument; I/O is transient.
fn classify(what: &str, err: &lapin::Error) -> BrokerError {
    if let ErrorKind::ProtocolError(amqp) = err.kind() {
        let message = amqp.get_message().to_string();
        if matches!(
            amqp.kind(),
            AMQPErrorKind::Soft(AMQPSoftError::PRECONDITIONFAILED)
        ) {
            return BrokerError::Precondition {
                queue: what.trim_matches('"').to_string(),
                argument: inequivalent_argument(&message).unwrap_or_else(|| "unknown".into()),
                message,
            };
        }
        return BrokerError::Declare {
            what: what.to_string(),
            message,
        };
    }
    BrokerError::lost(&format!("declaring {what}"), err)
}

/// RabbitMQ says `PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue ...`.
pub fn inequivalent_argument(message: &str) -> Option<String> {
    let rest = message.split("inequivalent arg '").nth(1)?;
    Some(rest.split('\'').next()?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_argument_is_read_from_rabbitmq_text() {
        let text = "PRECONDITION_FAILED - inequivalent arg 'x-dead-letter-exchange' for queue 'q' in vhost '/': received the value 'predict.dead' of type 'longstr' but current value is none";
        assert_eq!(
            inequivalent_argument(text).as_deref(),
            Some("x-dead-letter-exchange")
        );
        assert_eq!(inequivalent_argument("other"), None);
    }

    #[test]
    fn quorum_adds_type_and_limit() {
        let mut q = QueueSettings::default();
        assert_eq!(request_queue_arguments(&q).inner().len(), 1);
        q.queue_type = "quorum".into();
        let args = request_queue_arguments(&q);
        assert_eq!(args.inner().len(), 3);
    }
}
