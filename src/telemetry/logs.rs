//! Logging setup with tracing-subscriber: text or JSON on stderr, colour only when stderr is a terminal,
//! filtered by `RUST_LOG` or `telemetry.log_level`. A filter that does not parse is a configuration
//! error, never a silently ignored one. lapin's own log lines are off unless the filter names `lapin`:
//! the worker reports broker failures once, in its own words. lapin's "returned message" line is
//! always off, because it carries a reply body.

use std::io::IsTerminal;

use tracing_subscriber::filter::{Directive, LevelFilter};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::config::ConfigError;

/// Added to `telemetry.log_level` unless it names `lapin` itself.
pub const QUIET_LAPIN: &str = "lapin=off";

/// Always added, even to `RUST_LOG`: lapin logs an undeliverable (returned) message with its body at WARN.
pub const NO_BODIES: &str = "lapin::returned_messages=off";

/// Check a filter such as `info` or `info,predict_worker=debug`. Each comma-separated part is a level
/// (`trace`, `debug`, `info`, `warn`, `error`, `off`) or `target=level`. A bare word that is not a
/// level is refused: tracing would read it as a target name and the worker would log nothing.
pub fn check_filter(filter: &str) -> Result<(), String> {
    if filter.trim().is_empty() {
        return Err("is empty; use a level such as \"info\"".into());
    }
    for part in filter.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bare = !part.contains(['=', '[']);
        if bare && part.parse::<LevelFilter>().is_err() {
            return Err(format!(
                "{part:?} is not a level; use one of trace, debug, info, warn, error, off, \
                 or target=level such as \"info,predict_worker=debug\""
            ));
        }
        part.parse::<Directive>().map_err(|e| {
            format!(
                "{part:?} is not a valid filter directive ({e}); use a level such as \"info\", \
                 or target=level such as \"info,predict_worker=debug\""
            )
        })?;
    }
    Ok(())
}

/// The directives in effect: `RUST_LOG` as given when set, else `level` with lapin quieted; both
/// with [`NO_BODIES`]. `RUST_LOG` that does not parse is a configuration error naming it.
pub fn directives(level: &str, rust_log: Option<&str>) -> Result<String, ConfigError> {
    let base = match rust_log.filter(|v| !v.trim().is_empty()) {
        Some(env) => {
            check_filter(env).map_err(|message| ConfigError::BadValue {
                key: "RUST_LOG (environment)".into(),
                message: format!("{message}; or unset it to use telemetry.log_level"),
            })?;
            env.to_string()
        }
        None if level.contains("lapin") => level.to_string(),
        None => format!("{level},{QUIET_LAPIN}"),
    };
    Ok(format!("{base},{NO_BODIES}"))
}

/// Install the global subscriber once. Logs go to stderr so stdout stays for data; colour only
/// when stderr is a terminal.
pub fn init(format: &str, level: &str) -> Result<(), ConfigError> {
    let rust_log = std::env::var("RUST_LOG").ok();
    let filter = EnvFilter::builder()
        .parse(directives(level, rust_log.as_deref())?)
        .map_err(|e| ConfigError::BadValue {
            key: "telemetry.log_level".into(),
            message: e.to_string(),
        })?;
    let ansi = std::io::stderr().is_terminal();
    // try_init also forwards `log` records (from dependencies that use `log`) into tracing.
    let _ = subscriber(format, filter, std::io::stderr, ansi).try_init();
    Ok(())
}

/// The subscriber for `format`. `json` writes one object per line with a fixed set of keys:
/// `timestamp`, `level`, `target`, `message`, the event's own fields beside them (flattened), and
/// `span` (the current span's name and fields, e.g. a micro-batch's `correlation_ids`) when there
/// is one. `text` is tracing's human format.
pub fn subscriber<W>(
    format: &str,
    filter: EnvFilter,
    writer: W,
    ansi: bool,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    if format == "json" {
        Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
        )
    } else {
        Box::new(builder.with_ansi(ansi).finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_target_directives_pass() {
        for ok in [
            "info",
            "warn",
            "off",
            "info,predict_worker=debug",
            "lapin=warn",
        ] {
            check_filter(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }

    #[test]
    fn typos_and_bad_levels_are_refused() {
        for bad in [
            "",
            "verbose",
            "infoo",
            "info,predict_worker=loud",
            "=",
            "info,,trace=x",
        ] {
            assert!(check_filter(bad).is_err(), "{bad:?} accepted");
        }
    }

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn lines_of(format: &str, ansi: bool) -> Vec<String> {
        let buffer = Buffer::default();
        let sink = buffer.clone();
        let filter = EnvFilter::builder().parse("debug").unwrap();
        let sub = subscriber(format, filter, move || sink.clone(), ansi);
        tracing::subscriber::with_default(sub, || {
            tracing::info!(queue = "q", "outside a batch");
            let span = tracing::debug_span!("batch", size = 2, correlation_ids = "a,b");
            span.in_scope(|| tracing::warn!(code = "invalid_json", "in a batch"));
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn json_is_one_object_per_line_with_a_stable_key_set() {
        let lines = lines_of("json", false);
        assert_eq!(lines.len(), 2, "{lines:?}");
        let objects: Vec<serde_json::Value> = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect();
        let keys = |v: &serde_json::Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(
            keys(&objects[0]),
            ["level", "message", "queue", "target", "timestamp"]
        );
        assert_eq!(
            keys(&objects[1]),
            ["code", "level", "message", "span", "target", "timestamp"]
        );
        assert_eq!(objects[1]["span"]["correlation_ids"], "a,b");
        assert_eq!(objects[1]["span"]["name"], "batch");
        assert_eq!(objects[1]["level"], "WARN");
    }

    #[test]
    fn text_has_no_colour_codes_unless_asked() {
        let plain = lines_of("text", false).join("\n");
        assert!(!plain.contains('\u{1b}'), "{plain}");
        assert!(plain.contains("correlation_ids"), "{plain}");
        let coloured = lines_of("text", true).join("\n");
        assert!(coloured.contains('\u{1b}'), "{coloured}");
    }

    #[test]
    fn lapin_is_quiet_and_bodies_never_logged() {
        assert_eq!(
            directives("info", None).unwrap(),
            "info,lapin=off,lapin::returned_messages=off"
        );
        assert_eq!(
            directives("info,lapin=warn", None).unwrap(),
            "info,lapin=warn,lapin::returned_messages=off"
        );
        assert_eq!(
            directives("info", Some("lapin=trace")).unwrap(),
            "lapin=trace,lapin::returned_messages=off"
        );
        let err = directives("info", Some("loud")).unwrap_err().to_string();
        assert!(err.contains("RUST_LOG"), "{err}");
    }
}
