//! The CLI's error type and its documented exit codes:
//! 0 success, 1 runtime failure, 2 usage, 3 configuration, 4 model file, 5 broker, 6 not healthy.

use crate::broker::BrokerError;
use crate::config::ConfigError;
use crate::model::LoadError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Model(#[from] LoadError),
    #[error(transparent)]
    Broker(#[from] BrokerError),
    #[error("not healthy: {0}")]
    Unhealthy(String),
    #[error("{0}")]
    Usage(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Failed(_) | CliError::Io { .. } => 1,
            CliError::Usage(_) => 2,
            CliError::Config(_) => 3,
            CliError::Model(_) => 4,
            CliError::Broker(_) => 5,
            CliError::Unhealthy(_) => 6,
        }
    }

    /// An I/O error because the reader of our stdout went away (`predict-worker inspect | head`).
    /// That is not a failure of the command: `cli::main` exits 0 without a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        CliError::Io {
            context: context.into(),
            source,
        }
    }
}
