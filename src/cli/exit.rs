//! The CLI's error type and its exit codes: [`EXIT_CODES`] is the one list, which the README's
//! "Exit codes" table is checked against (tests/readme.rs).

use crate::broker::BrokerError;
use crate::config::ConfigError;
use crate::model::LoadError;

/// Every exit code the binary uses, with its meaning, in the README's order.
pub const EXIT_CODES: &[(u8, &str)] = &[
    (0, "success"),
    (1, "runtime failure"),
    (2, "usage error"),
    (3, "configuration error"),
    (4, "the model file cannot be loaded"),
    (5, "broker error that retrying cannot fix"),
    (6, "not healthy"),
    (
        crate::broker::shutdown::SECOND_SIGNAL_EXIT,
        "a second SIGTERM/SIGINT during the drain",
    ),
];

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_exits_with_a_listed_code() {
        let errors = [
            CliError::Failed(String::new()),
            CliError::io("x", std::io::Error::other("x")),
            CliError::Usage(String::new()),
            CliError::Config(crate::config::ConfigError::Invalid(String::new())),
            CliError::Model(LoadError::model("x")),
            CliError::Unhealthy(String::new()),
        ];
        for e in errors {
            let code = e.exit_code();
            assert!(
                EXIT_CODES.iter().any(|(c, _)| *c == code),
                "{e:?} exits {code}, which EXIT_CODES does not list"
            );
        }
    }
}
