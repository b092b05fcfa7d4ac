//! Layered configuration: built-in defaults, `config/default.toml`, an optional `--config FILE`,
//! `PREDICT_WORKER__SECTION__KEY` environment variables, then CLI flags. Unknown keys are errors.
//! Layout: `settings` (the keys and defaults), `amqp_url` (credentials into the URL), `load`, `validate`.

mod amqp_url;
mod load;
mod settings;
mod validate;

use std::path::PathBuf;

pub use load::Overrides;
pub use settings::{
    AmqpSettings, CelerySettings, ModelSettings, QueueSettings, Settings, TelemetrySettings,
    WorkerSettings,
};

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
