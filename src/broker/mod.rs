//! RabbitMQ with lapin: connection and reconnect, topology, consumer, confirmed replies.

pub mod batch;
pub mod blocked;
pub mod carried_headers;
pub mod celery;
pub mod connection;
pub mod consumer;
pub mod drain;
pub mod fault;
pub mod observe;
pub mod placement;
pub mod retry;
pub mod route;
pub mod settle;
pub mod settler;
pub mod shutdown;
pub mod throttle;
pub mod topology;

pub use consumer::{run, Worker};

/// AMQP delivery modes: a persistent message in a durable queue is written to disk by the broker; a
/// transient one (pika's and Celery results' default) is kept in memory.
pub const PERSISTENT: u8 = 2;
pub const TRANSIENT: u8 = 1;

/// Errors at the broker boundary. `is_fatal()` errors end the worker (exit code 5); the others
/// are transient and lead to a reconnect with backoff.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("cannot connect to RabbitMQ at {url}: {message}")]
    Connect { url: String, message: String },
    #[error("queue {queue:?} already exists with a different {argument:?} argument than this worker declares ({message}); delete the queue or make queues.* in the configuration match it (a queue a Celery client declared has no arguments: set celery.plain_request_queue = true, PREDICT_WORKER__CELERY__PLAIN_REQUEST_QUEUE=true)")]
    Precondition {
        queue: String,
        argument: String,
        message: String,
    },
    #[error("RabbitMQ at {url} refused the login of user {user:?} ({message}); check amqp.user and amqp.password (PREDICT_WORKER__AMQP__USER, PREDICT_WORKER__AMQP__PASSWORD), or the user and password in amqp.url (--amqp-url, PREDICT_WORKER__AMQP__URL)")]
    AccessRefused {
        url: String,
        user: String,
        message: String,
    },
    #[error("RabbitMQ at {url} does not let user {user:?} open vhost {vhost:?} ({message}); the vhost must exist and the user needs permissions on it (rabbitmqctl add_vhost / set_permissions), or fix the vhost at the end of amqp.url (\"/\" is written %2f)")]
    VhostNotAllowed {
        url: String,
        vhost: String,
        user: String,
        message: String,
    },
    #[error("declaring {what}: {message}")]
    Declare { what: String, message: String },
    #[error("connection to RabbitMQ lost: {0}")]
    Lost(String),
    #[error("{0}")]
    Other(String),
}

impl BrokerError {
    /// Errors that retrying cannot fix.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            BrokerError::Precondition { .. }
                | BrokerError::AccessRefused { .. }
                | BrokerError::VhostNotAllowed { .. }
                | BrokerError::Other(_)
        )
    }

    pub(crate) fn lost(context: &str, err: &lapin::Error) -> Self {
        BrokerError::Lost(format!("{context}: {err}"))
    }
}
