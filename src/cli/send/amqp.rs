//! The producer's AMQP side, shared by `send` and `bench`: connect, check the request queue, open an
//! exclusive auto-delete reply queue, publish persistent requests with confirms, and read replies.

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, Consumer};
use lapin::{Confirmation, PublisherConfirm};

use crate::broker::{BrokerError, PERSISTENT, TRANSIENT};

/// Content type of JSON request bodies.
pub use crate::protocol::JSON;
/// Content type of pickled request bodies (kombu/Celery's name, the first of the protocol's two).
pub const PICKLE: &str = crate::protocol::PICKLE_TYPES[0];

/// One reply as received.
#[derive(Debug)]
pub struct Reply {
    pub correlation_id: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// The correlation id of request `index` in run `run_id`; [`Reply::index_in`] reads it back.
pub fn correlation_id(run_id: &str, index: usize) -> String {
    format!("{run_id}.{index}")
}

impl Reply {
    /// Which request of run `run_id` this reply answers, when its correlation id is one of ours.
    pub fn index_in(&self, run_id: &str) -> Option<usize> {
        self.correlation_id
            .as_deref()?
            .strip_prefix(run_id)?
            .strip_prefix('.')?
            .parse()
            .ok()
    }
}

/// A connected producer: a confirm-mode channel and a private reply queue.
pub struct Producer {
    conn: Connection,
    channel: Channel,
    queue: String,
    reply_queue: String,
    replies: Consumer,
}

fn other(what: impl std::fmt::Display, err: lapin::Error) -> BrokerError {
    BrokerError::Other(format!("{what}: {err}"))
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

impl Producer {
    /// Connect to `url`, make sure `queue` exists, and start consuming a fresh reply queue.
    pub async fn connect(
        url: &str,
        connection_name: &str,
        queue: &str,
    ) -> Result<Self, BrokerError> {
        let props = ConnectionProperties::default().with_connection_name(connection_name.into());
        let conn = Connection::connect(url, props)
            .await
            .map_err(|e| crate::broker::connection::connect_error_for(url, &e))?;
        // A passive declare fails (and closes its channel) when the queue is absent, so use a
        // throwaway channel. Publishing to a missing queue would otherwise drop every request.
        let probe = conn
            .create_channel()
            .await
            .map_err(|e| other("cannot open a channel", e))?;
        probe
            .queue_declare(
                queue.into(),
                QueueDeclareOptions::default().passive(),
                FieldTable::default(),
            )
            .await
            .map_err(|e| {
                BrokerError::Other(format!(
                    "request queue {queue:?} is not available on the broker ({e}); start a worker \
                     (it declares the queue) or pass the right --queue"
                ))
            })?;
        let _ = probe.close(200, "probe done".into()).await;

        let channel = conn
            .create_channel()
            .await
            .map_err(|e| other("cannot open a channel", e))?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(|e| other("cannot enable publisher confirms", e))?;
        // Server-named, exclusive, auto-delete: the reply queue belongs to this connection only.
        let reply = channel
            .queue_declare(
                "".into(),
                QueueDeclareOptions::exclusive().auto_delete(),
                FieldTable::default(),
            )
            .await
            .map_err(|e| other("cannot declare the reply queue", e))?;
        let reply_queue = reply.name().as_str().to_string();
        let replies = channel
            .basic_consume(
                reply_queue.as_str().into(),
                "".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    exclusive: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(|e| other(format!("cannot consume reply queue {reply_queue}"), e))?;
        Ok(Producer {
            conn,
            channel,
            queue: queue.to_string(),
            reply_queue,
            replies,
        })
    }

    /// A publisher that can be moved to another task.
    pub fn publisher(&self) -> Publisher {
        Publisher {
            channel: self.channel.clone(),
            queue: self.queue.clone(),
            reply_queue: self.reply_queue.clone(),
            delivery_mode: PERSISTENT,
        }
    }

    /// The next reply, or `None` when the reply consumer ended.
    pub async fn next_reply(&mut self) -> Option<Result<Reply, BrokerError>> {
        let delivery = self.replies.next().await?;
        Some(
            delivery
                .map(|d| Reply {
                    correlation_id: d
                        .properties
                        .correlation_id()
                        .as_ref()
                        .map(|s| s.to_string()),
                    content_type: d.properties.content_type().as_ref().map(|s| s.to_string()),
                    body: d.data,
                })
                .map_err(|e| other("reply consumer failed", e)),
        )
    }

    /// Close the channel and the connection (the reply queue goes with them).
    pub async fn close(self) {
        let _ = self.channel.close(200, "done".into()).await;
        let _ = self.conn.close(200, "done".into()).await;
    }
}

/// Publishes requests to the request queue with `reply_to` set to the producer's reply queue.
#[derive(Clone)]
pub struct Publisher {
    channel: Channel,
    queue: String,
    reply_queue: String,
    delivery_mode: u8,
}

impl Publisher {
    /// Publish requests transient (delivery mode 1, pika's default) instead of persistent; the worker
    /// answers each in its request's mode.
    pub fn transient(mut self) -> Self {
        self.delivery_mode = TRANSIENT;
        self
    }

    /// Publish one request (persistent unless [`transient`](Self::transient)); await the returned
    /// confirm with [`confirmed`].
    pub async fn publish(
        &self,
        body: &[u8],
        content_type: &str,
        correlation_id: &str,
    ) -> Result<PublisherConfirm, BrokerError> {
        let props = BasicProperties::default()
            .with_content_type(content_type.into())
            .with_delivery_mode(self.delivery_mode)
            .with_correlation_id(correlation_id.into())
            .with_message_id(correlation_id.into())
            .with_reply_to(self.reply_queue.as_str().into());
        self.channel
            .basic_publish(
                "".into(),
                self.queue.as_str().into(),
                BasicPublishOptions {
                    mandatory: true,
                    ..BasicPublishOptions::default()
                },
                body,
                props,
            )
            .await
            .map_err(|e| other(format!("cannot publish to queue {}", self.queue), e))
    }

    /// The request queue's name.
    pub fn queue(&self) -> &str {
        &self.queue
    }
}

/// Delete queues and exchanges on a fresh connection (`bench --spawn-worker` cleans up its topology).
pub async fn delete_topology(
    url: &str,
    queues: &[&str],
    exchanges: &[&str],
) -> Result<(), BrokerError> {
    let conn = Connection::connect(url, ConnectionProperties::default())
        .await
        .map_err(|e| BrokerError::Connect {
            url: redact(url),
            message: e.to_string(),
        })?;
    let ch = conn
        .create_channel()
        .await
        .map_err(|e| other("cannot open a channel", e))?;
    for q in queues {
        ch.queue_delete((*q).into(), lapin::options::QueueDeleteOptions::default())
            .await
            .map_err(|e| other(format!("cannot delete queue {q}"), e))?;
    }
    for x in exchanges {
        ch.exchange_delete(
            (*x).into(),
            lapin::options::ExchangeDeleteOptions::default(),
        )
        .await
        .map_err(|e| other(format!("cannot delete exchange {x}"), e))?;
    }
    let _ = conn.close(200, "done".into()).await;
    Ok(())
}

/// Wait for a publish to be confirmed; a nack or a returned (unroutable) message is an error.
pub async fn confirmed(confirm: PublisherConfirm, queue: &str) -> Result<(), BrokerError> {
    match confirm.await {
        Ok(Confirmation::Ack(None)) | Ok(Confirmation::NotRequested) => Ok(()),
        Ok(Confirmation::Ack(Some(_))) => Err(BrokerError::Other(format!(
            "request returned unroutable: queue {queue:?} no longer exists"
        ))),
        Ok(Confirmation::Nack(_)) => Err(BrokerError::Other(format!(
            "the broker refused (nacked) a request for queue {queue:?}; check its length limits and disk alarms"
        ))),
        Err(e) => Err(other(format!("publish to queue {queue} was not confirmed"), e)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_password() {
        assert_eq!(
            super::redact("amqp://u:secret@host:5672/%2f"),
            "amqp://u:***@host:5672/%2f"
        );
        assert_eq!(super::redact("amqp://host"), "amqp://host");
    }

    #[test]
    fn correlation_ids_round_trip_and_foreign_ones_match_nothing() {
        let reply = |c: &str| super::Reply {
            correlation_id: Some(c.to_string()),
            content_type: None,
            body: Vec::new(),
        };
        let id = super::correlation_id("run1", 42);
        assert_eq!(reply(&id).index_in("run1"), Some(42));
        assert_eq!(reply(&id).index_in("run2"), None);
        assert_eq!(reply("run1x.3").index_in("run1"), None);
        assert_eq!(reply("run1.").index_in("run1"), None);
    }
}
