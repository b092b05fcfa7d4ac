//! Connecting to RabbitMQ: a connection name that identifies the replica (`prefix@host/pid`), client
//! properties that identify its model (file, sha256 prefix, estimator: shown on the management UI's
//! connection page), the configured heartbeat, a connect timeout, and exponential backoff with jitter.

use std::time::Duration;

use lapin::protocol::{AMQPErrorKind, AMQPHardError, AMQPSoftError};
use lapin::uri::AMQPUri;
use lapin::{Connect, Connection, ConnectionProperties, ErrorKind};
use rand::Rng;

use super::BrokerError;
use crate::config::AmqpSettings;

/// How long one connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// `<prefix>@<hostname>/<pid>`: what the RabbitMQ UI shows for this replica's connection.
pub fn connection_name(prefix: &str) -> String {
    format!("{prefix}@{}/{}", hostname(), std::process::id())
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

/// What a connection tells the broker about the model behind it, as client properties.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// The model file's name (no directory).
    pub model: String,
    /// The first [`SHA256_PREFIX`] hex digits of the model file's sha256.
    pub model_sha256: String,
    /// The estimator's class, e.g. `Pipeline` or `RandomForestClassifier`.
    pub estimator: String,
}

/// Hex digits of the model's sha256 shown in the client properties.
pub const SHA256_PREFIX: usize = 12;

impl Identity {
    pub fn new(path: &std::path::Path, sha256: &str, estimator: &str) -> Self {
        Identity {
            model: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            model_sha256: sha256.chars().take(SHA256_PREFIX).collect(),
            estimator: estimator.to_string(),
        }
    }

    /// `(key, value)` client properties: `model`, `model_sha256`, `estimator`.
    pub fn properties(&self) -> [(&'static str, &str); 3] {
        [
            ("model", &self.model),
            ("model_sha256", &self.model_sha256),
            ("estimator", &self.estimator),
        ]
    }
}

/// The URL with its password replaced, for logs and errors.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_string(),
    }
}

/// Open one connection with the configured name and heartbeat, and the model's identity.
pub async fn connect(
    settings: &AmqpSettings,
    name: &str,
    identity: &Identity,
) -> Result<Connection, BrokerError> {
    let url = redact(&settings.url);
    let mut uri: AMQPUri = settings
        .url
        .parse()
        .map_err(|e: String| BrokerError::Connect {
            url: url.clone(),
            message: format!("invalid amqp.url: {e}"),
        })?;
    // amqp.user/amqp.password are the literal credentials (the URL's userinfo is percent-decoded).
    if !settings.user.is_empty() {
        uri.authority.userinfo.username = settings.user.clone();
    }
    if !settings.password.is_empty() {
        uri.authority.userinfo.password = settings.password.clone();
    }
    if uri.query.heartbeat.is_none() {
        uri.query.heartbeat = Some(settings.heartbeat_secs);
    }
    if uri.query.connection_timeout.is_none() {
        uri.query.connection_timeout = Some(CONNECT_TIMEOUT.as_millis() as u64);
    }
    let uri_for_errors = uri.clone();
    let properties = identity.properties().into_iter().fold(
        ConnectionProperties::default()
            .with_connection_name(name.into())
            .with_client_property("product".into(), "predict-worker".into())
            .with_client_property("version".into(), env!("CARGO_PKG_VERSION").into()),
        |p, (key, value)| p.with_client_property(key.into(), value.into()),
    );
    match tokio::time::timeout(CONNECT_TIMEOUT, uri.connect(properties)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(err)) => Err(connect_error(&url, &uri_for_errors, &err)),
        Err(_) => Err(BrokerError::Connect {
            url,
            message: format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
        }),
    }
}

/// Classify a failed connection attempt. Refused credentials (403 ACCESS_REFUSED) and a vhost that
/// does not exist or the user may not open (530 NOT_ALLOWED) are fatal, and the error names the user
/// or vhost; anything else (refused TCP, timeouts, a broker going down) is transient.
pub(crate) fn connect_error(url: &str, uri: &AMQPUri, err: &lapin::Error) -> BrokerError {
    let text = err.to_string();
    let (refused, not_allowed) = match err.kind() {
        ErrorKind::ProtocolError(e) => (
            matches!(e.kind(), AMQPErrorKind::Soft(AMQPSoftError::ACCESSREFUSED)),
            matches!(e.kind(), AMQPErrorKind::Hard(AMQPHardError::NOTALLOWED)),
        ),
        _ => (false, false),
    };
    let user = uri.authority.userinfo.username.clone();
    if refused || text.contains("ACCESS_REFUSED") {
        BrokerError::AccessRefused {
            url: url.to_string(),
            user,
            message: text,
        }
    } else if not_allowed || text.contains("NOT_ALLOWED") {
        BrokerError::VhostNotAllowed {
            url: url.to_string(),
            vhost: uri.vhost.clone(),
            user,
            message: text,
        }
    } else {
        BrokerError::Connect {
            url: url.to_string(),
            message: text,
        }
    }
}

/// [`connect_error`] for a URL string (the producer side, which connects by URL).
pub(crate) fn connect_error_for(url: &str, err: &lapin::Error) -> BrokerError {
    match url.parse::<AMQPUri>() {
        Ok(uri) => connect_error(&redact(url), &uri, err),
        Err(_) => BrokerError::Connect {
            url: redact(url),
            message: err.to_string(),
        },
    }
}

/// Exponential backoff with jitter: each delay is drawn from [d/2, d], and d doubles up to `max`.
#[derive(Clone, Debug)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    pub fn new(initial_ms: u64, max_ms: u64) -> Self {
        let initial = Duration::from_millis(initial_ms.max(1));
        Backoff {
            initial,
            max: Duration::from_millis(max_ms.max(initial_ms.max(1))),
            current: initial,
        }
    }

    pub fn from_settings(s: &AmqpSettings) -> Self {
        Backoff::new(s.reconnect_initial_ms, s.reconnect_max_ms)
    }

    /// The next delay to sleep.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.current;
        self.current = (self.current * 2).min(self.max);
        let low = ceiling / 2;
        let span = (ceiling - low).as_micros() as u64;
        low + Duration::from_micros(rand::rng().random_range(0..=span))
    }

    /// Back to the first delay, after a connection that worked.
    pub fn reset(&mut self) {
        self.current = self.initial;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let mut b = Backoff::new(100, 1000);
        let delays: Vec<Duration> = (0..8).map(|_| b.next_delay()).collect();
        assert!(delays[0] >= Duration::from_millis(50) && delays[0] <= Duration::from_millis(100));
        assert!(delays[3] >= Duration::from_millis(400) && delays[3] <= Duration::from_millis(800));
        for d in &delays[5..] {
            assert!(*d >= Duration::from_millis(500) && *d <= Duration::from_millis(1000));
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }

    #[test]
    fn redaction_hides_the_password() {
        assert_eq!(
            redact("amqp://user:secret@rabbit:5672/%2f"),
            "amqp://user:***@rabbit:5672/%2f"
        );
        assert_eq!(redact("amqp://rabbit"), "amqp://rabbit");
    }

    #[test]
    fn identity_names_the_file_a_sha_prefix_and_the_estimator() {
        let id = Identity::new(
            std::path::Path::new("/app/outputs/best_model.pkl"),
            "0123456789abcdef0123",
            "Pipeline",
        );
        assert_eq!(
            id.properties(),
            [
                ("model", "best_model.pkl"),
                ("model_sha256", "0123456789ab"),
                ("estimator", "Pipeline")
            ]
        );
    }

    #[test]
    fn connection_name_has_host_and_pid() {
        let name = connection_name("predict-worker");
        assert!(name.starts_with("predict-worker@"));
        assert!(name.ends_with(&format!("/{}", std::process::id())));
    }
}
