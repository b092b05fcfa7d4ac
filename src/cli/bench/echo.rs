//! `bench --target echo`: a no-op consumer that sends every request's body straight back to its
//! `reply_to` (prefetch 1000, acks with `multiple=true`), so the same client measures the broker's own
//! round trip and the worker's cost shows as a ratio.

use futures_util::{FutureExt, StreamExt};
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use tokio::task::JoinHandle;

use crate::broker::BrokerError;

/// A running echo consumer; stopped (and its connection closed) on drop.
pub struct Echo {
    task: JoinHandle<Result<(), BrokerError>>,
}

impl Drop for Echo {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lost(what: &str) -> impl Fn(lapin::Error) -> BrokerError + '_ {
    move |e| BrokerError::Other(format!("echo consumer: {what}: {e}"))
}

/// Declare `queue` (durable, as the worker would) and start echoing it.
pub async fn start(url: &str, queue: &str) -> Result<Echo, BrokerError> {
    let conn = Connection::connect(url, ConnectionProperties::default())
        .await
        .map_err(lost("connecting"))?;
    let ch = conn
        .create_channel()
        .await
        .map_err(lost("opening a channel"))?;
    let durable = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    ch.queue_declare(queue.into(), durable, FieldTable::default())
        .await
        .map_err(lost("declaring the queue"))?;
    ch.basic_qos(1000, BasicQosOptions::default())
        .await
        .map_err(lost("setting prefetch"))?;
    let mut consumer = ch
        .basic_consume(
            queue.into(),
            "bench-echo".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(lost("consuming"))?;
    let task = tokio::spawn(async move {
        let _conn = conn;
        let ack = |tag| ch.basic_ack(tag, BasicAckOptions { multiple: true });
        let (mut unacked, mut last_tag) = (0u32, None);
        loop {
            // Ack every 100, or as soon as nothing more is buffered.
            let next = match consumer.next().now_or_never() {
                Some(next) => next,
                None => {
                    if let Some(tag) = last_tag.take() {
                        ack(tag).await.map_err(lost("acking"))?;
                        unacked = 0;
                    }
                    consumer.next().await
                }
            };
            let Some(next) = next else {
                return Ok(());
            };
            let d = next.map_err(lost("receiving"))?;
            if let Some(reply_to) = d.properties.reply_to() {
                let mut props = BasicProperties::default();
                if let Some(id) = d.properties.correlation_id() {
                    props = props.with_correlation_id(id.clone());
                }
                ch.basic_publish(
                    "".into(),
                    reply_to.clone(),
                    BasicPublishOptions::default(),
                    &d.data,
                    props,
                )
                .await
                .map_err(lost("replying"))?;
            }
            unacked += 1;
            last_tag = Some(d.delivery_tag);
            if unacked >= 100 {
                ack(d.delivery_tag).await.map_err(lost("acking"))?;
                (unacked, last_tag) = (0, None);
            }
        }
    });
    Ok(Echo { task })
}
