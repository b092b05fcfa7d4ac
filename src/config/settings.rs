//! Every configuration key, section by section, with its built-in default (`Settings::default()`
//! is what `config/default.toml` and the README's table list).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Everything the binary can be configured with.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub amqp: AmqpSettings,
    pub queues: QueueSettings,
    pub worker: WorkerSettings,
    pub model: ModelSettings,
    pub telemetry: TelemetrySettings,
    pub celery: CelerySettings,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AmqpSettings {
    /// Broker URL. The default is for local development only.
    pub url: String,
    /// User name to log in with; when set it replaces the user in `url`. Taken literally (no
    /// percent-decoding), so it can hold any character.
    pub user: String,
    /// Password to log in with; when set it replaces the password in `url`. Taken literally (no
    /// percent-decoding): the exact string the broker stores, whatever characters it holds.
    pub password: String,
    /// Prefix of the connection name shown in the RabbitMQ UI; hostname and pid are appended.
    pub connection_name: String,
    /// AMQP heartbeat in seconds (0 disables).
    pub heartbeat_secs: u16,
    /// First reconnect delay in milliseconds; doubles with jitter up to `reconnect_max_ms`.
    pub reconnect_initial_ms: u64,
    pub reconnect_max_ms: u64,
}

impl Default for AmqpSettings {
    fn default() -> Self {
        AmqpSettings {
            url: "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
            user: String::new(),
            password: String::new(),
            connection_name: "predict-worker".into(),
            heartbeat_secs: 30,
            reconnect_initial_ms: 200,
            reconnect_max_ms: 10_000,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct QueueSettings {
    /// Durable queue the worker consumes.
    pub requests: String,
    /// Queue for replies to requests that have no `reply_to`.
    pub results: String,
    /// Dead-letter exchange (fanout) that rejected requests go to.
    pub dead_letter_exchange: String,
    /// Queue bound to the dead-letter exchange.
    pub dead_letter_queue: String,
    /// `classic` or `quorum`.
    pub queue_type: String,
    /// Quorum queues only: redeliveries before a message is dead-lettered.
    pub delivery_limit: u32,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            requests: "predict.requests".into(),
            results: "predict.results".into(),
            dead_letter_exchange: "predict.dead".into(),
            dead_letter_queue: "predict.dead".into(),
            queue_type: "classic".into(),
            delivery_limit: 5,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Unacked deliveries the broker may push to one worker.
    pub prefetch: u16,
    /// Most requests predicted together in one micro-batch.
    pub batch_size: usize,
    /// Extra wait for a micro-batch to fill, in milliseconds, after taking what is already buffered;
    /// 0 (the default) never waits.
    pub batch_wait_ms: u64,
    /// Largest accepted message body, in bytes; larger requests are rejected.
    pub max_body_bytes: usize,
    /// Most rows in one `instances` request.
    pub max_instances: usize,
    /// Time allowed to drain in-flight work on SIGTERM/SIGINT, in milliseconds.
    pub shutdown_deadline_ms: u64,
    /// Times a request may come back unsettled (worker died, broker lost, reply refused) before it
    /// is dead-lettered instead of retried.
    pub redelivery_limit: u32,
    /// File the worker keeps current while ready; `healthcheck` reads it. Empty disables it.
    pub readiness_file: PathBuf,
    /// The readiness file counts as stale after this many milliseconds without a refresh.
    pub readiness_stale_ms: u64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            prefetch: 512,
            batch_size: 64,
            batch_wait_ms: 0,
            max_body_bytes: 1 << 20,
            max_instances: 10_000,
            shutdown_deadline_ms: 8_000,
            redelivery_limit: 3,
            readiness_file: PathBuf::from("/tmp/predict-worker.ready"),
            readiness_stale_ms: 15_000,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ModelSettings {
    /// The model file (pickle or joblib, optionally compressed).
    pub path: PathBuf,
    /// Largest model file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Largest decompressed pickle stream accepted, in bytes.
    pub max_decompressed_bytes: usize,
}

impl Default for ModelSettings {
    fn default() -> Self {
        ModelSettings {
            path: PathBuf::from("outputs/best_model.pkl"),
            max_file_bytes: 1 << 30,
            max_decompressed_bytes: 1 << 30,
        }
    }
}

/// Celery producers (protocol v2 tasks on the request queue, `rpc://` results): see docs/protocol.md.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CelerySettings {
    /// The task name answered; a Celery task with any other name gets a NotRegistered failure.
    pub task_name: String,
    /// Publish `rpc://` results persistent (delivery mode 2); Celery's own default is transient.
    pub result_persistent: bool,
    /// Declare the request queue durable with no arguments, exactly as a Celery client declares it,
    /// so the worker and Celery clients may declare it in either order.
    pub plain_request_queue: bool,
}

impl Default for CelerySettings {
    fn default() -> Self {
        CelerySettings {
            task_name: "predict".into(),
            result_persistent: false,
            plain_request_queue: false,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetrySettings {
    /// `text` or `json`.
    pub log_format: String,
    /// A tracing filter such as `info` or `predict_worker=debug`; `RUST_LOG` wins when set.
    pub log_level: String,
    /// `host:port` for `/metrics`, `/healthz` and `/readyz` (e.g. `0.0.0.0:9090`); empty turns the
    /// endpoint off (and metrics recording with it).
    pub metrics_addr: String,
}

impl TelemetrySettings {
    /// The endpoint's address, `None` when it is off. [`Settings::validate`] has checked it parses.
    pub fn metrics_socket(&self) -> Option<std::net::SocketAddr> {
        let addr = self.metrics_addr.trim();
        (!addr.is_empty()).then(|| addr.parse().ok()).flatten()
    }
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        TelemetrySettings {
            log_format: "text".into(),
            log_level: "info".into(),
            metrics_addr: String::new(),
        }
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
