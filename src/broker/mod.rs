//! RabbitMQ with lapin: connection and reconnect, topology, consumer, confirmed replies.

/// Errors at the broker boundary.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("cannot connect to RabbitMQ at {url}: {message}")]
    Connect { url: String, message: String },
    #[error("{0}")]
    Other(String),
}
