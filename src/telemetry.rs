//! Logging setup with tracing-subscriber: text or JSON, filtered by `RUST_LOG` or the configured level.

use tracing_subscriber::EnvFilter;

/// Install the global subscriber once. Logs go to stderr so stdout stays for data.
pub fn init(format: &str, level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
