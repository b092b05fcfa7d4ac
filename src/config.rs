//! Layered configuration: built-in defaults, `config/default.toml`, an optional `--config FILE`,
//! `PREDICT_WORKER__SECTION__KEY` environment variables, then CLI flags. Unknown keys are errors.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The environment variable prefix; nesting uses `__`, e.g. `PREDICT_WORKER__AMQP__URL`.
pub const ENV_PREFIX: &str = "PREDICT_WORKER";

/// The config file read when present, relative to the working directory.
pub const DEFAULT_FILE: &str = "config/default.toml";

/// Why configuration could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}; see config/default.toml and .env.example for every key")]
    Invalid(String),
    #[error("config file {path} does not exist; pass an existing file to --config")]
    MissingFile { path: PathBuf },
    #[error("configuration key {key}: {message}")]
    BadValue { key: String, message: String },
}

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

impl AmqpSettings {
    /// `url` with `user` and `password` (each when non-empty) percent-encoded into its userinfo, so
    /// any client that decodes the URL logs in with exactly those strings. Without either, `url`.
    pub fn effective_url(&self) -> String {
        if self.user.is_empty() && self.password.is_empty() {
            return self.url.clone();
        }
        let Some((scheme, rest)) = self.url.split_once("://") else {
            return self.url.clone();
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((userinfo, host)) => (Some(userinfo), host),
            None => (None, authority),
        };
        let (old_user, old_pass) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((user, pass)) => (user.to_string(), Some(pass.to_string())),
                None => (u.to_string(), None),
            },
            None => (String::new(), None),
        };
        let user = if self.user.is_empty() {
            old_user
        } else {
            percent_encode(&self.user)
        };
        let pass = if self.password.is_empty() {
            old_pass
        } else {
            Some(percent_encode(&self.password))
        };
        match pass {
            Some(pass) => format!("{scheme}://{user}:{pass}@{host}{tail}"),
            None => format!("{scheme}://{user}@{host}{tail}"),
        }
    }
}

/// Percent-encode every byte but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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

/// CLI flags that override everything else.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub amqp_url: Option<String>,
    pub queue: Option<String>,
    pub model: Option<PathBuf>,
}

impl Settings {
    /// Assemble settings from all layers. `file` is `--config`; environment comes from the process.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Settings, ConfigError> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(Path::new(DEFAULT_FILE), file, env, overrides)
    }

    /// Like [`Settings::load`] with the default-file path and environment given explicitly (for tests).
    pub fn load_from(
        default_file: &Path,
        file: Option<&Path>,
        env: Vec<(String, String)>,
        overrides: &Overrides,
    ) -> Result<Settings, ConfigError> {
        let defaults = config::Config::try_from(&Settings::default())
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let mut builder = config::Config::builder().add_source(defaults);
        if default_file.exists() {
            builder = builder.add_source(config::File::from(default_file).required(true));
        }
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::MissingFile {
                    path: file.to_path_buf(),
                });
            }
            builder = builder.add_source(config::File::from(file).required(true));
        }
        let env_map: std::collections::HashMap<String, String> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with(&format!("{ENV_PREFIX}__")))
            .collect();
        builder = builder.add_source(
            config::Environment::with_prefix(ENV_PREFIX)
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(env_map)),
        );
        let built = builder
            .build()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let mut settings: Settings = built
            .try_deserialize()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        if let Some(url) = &overrides.amqp_url {
            settings.amqp.url = url.clone();
        }
        // amqp.user/amqp.password win over the URL's userinfo, for every client of amqp.url.
        settings.amqp.url = settings.amqp.effective_url();
        if let Some(queue) = &overrides.queue {
            settings.queues.requests = queue.clone();
        }
        if let Some(model) = &overrides.model {
            settings.model.path = model.clone();
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Check values that parse but make no sense.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, message: &str| {
            Err(ConfigError::BadValue {
                key: key.into(),
                message: message.into(),
            })
        };
        if !(self.amqp.url.starts_with("amqp://") || self.amqp.url.starts_with("amqps://")) {
            return bad("amqp.url", "must start with amqp:// or amqps://");
        }
        if !matches!(self.queues.queue_type.as_str(), "classic" | "quorum") {
            return bad("queues.queue_type", "must be \"classic\" or \"quorum\"");
        }
        if self.queues.requests.is_empty() {
            return bad("queues.requests", "must not be empty");
        }
        // AMQP names are at most 255 bytes, and the retry queue is `<requests>.retry`.
        let names = [
            (
                "queues.requests",
                self.queues.requests.len() + ".retry".len(),
            ),
            ("queues.results", self.queues.results.len()),
            (
                "queues.dead_letter_exchange",
                self.queues.dead_letter_exchange.len(),
            ),
            (
                "queues.dead_letter_queue",
                self.queues.dead_letter_queue.len(),
            ),
        ];
        if let Some((key, _)) = names.iter().find(|(_, len)| *len > 255) {
            return bad(
                key,
                "is too long: AMQP names are at most 255 bytes (249 for queues.requests, whose \
                 retry queue adds \".retry\")",
            );
        }
        if self.celery.task_name.is_empty() {
            return bad(
                "celery.task_name",
                "must not be empty (PREDICT_WORKER__CELERY__TASK_NAME)",
            );
        }
        if self.celery.plain_request_queue && self.queues.queue_type == "quorum" {
            return bad(
                "celery.plain_request_queue",
                "declares the request queue with no arguments, so it cannot be a quorum queue; \
                 set queues.queue_type = \"classic\" or celery.plain_request_queue = false",
            );
        }
        if self.worker.prefetch == 0 {
            return bad("worker.prefetch", "must be at least 1");
        }
        if self.worker.batch_size == 0 {
            return bad("worker.batch_size", "must be at least 1");
        }
        if self.worker.max_body_bytes == 0 {
            return bad("worker.max_body_bytes", "must be at least 1");
        }
        if !matches!(self.telemetry.log_format.as_str(), "text" | "json") {
            return bad(
                "telemetry.log_format",
                &format!(
                    "{:?} is not a log format; set it to \"text\" or \"json\" \
                     (PREDICT_WORKER__TELEMETRY__LOG_FORMAT)",
                    self.telemetry.log_format
                ),
            );
        }
        if let Err(message) = crate::telemetry::check_filter(&self.telemetry.log_level) {
            return bad(
                "telemetry.log_level",
                &format!("{message} (PREDICT_WORKER__TELEMETRY__LOG_LEVEL)"),
            );
        }
        let addr = self.telemetry.metrics_addr.trim();
        if !addr.is_empty() && addr.parse::<std::net::SocketAddr>().is_err() {
            return bad(
                "telemetry.metrics_addr",
                &format!(
                    "{addr:?} is not an address to listen on; write ip:port such as \"0.0.0.0:9090\" \
                     or \"127.0.0.1:9090\", or \"\" to turn the endpoint off \
                     (PREDICT_WORKER__TELEMETRY__METRICS_ADDR)"
                ),
            );
        }
        if self.amqp.reconnect_initial_ms == 0
            || self.amqp.reconnect_max_ms < self.amqp.reconnect_initial_ms
        {
            return bad(
                "amqp.reconnect_initial_ms",
                "must be at least 1 and no more than amqp.reconnect_max_ms",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
