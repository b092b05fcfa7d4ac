//! Logging setup with tracing-subscriber: text or JSON on stderr, colour only when stderr is a terminal,
//! filtered by `RUST_LOG` or `telemetry.log_level`. A filter that does not parse is a configuration
//! error, never a silently ignored one. lapin's own log lines are off unless the filter names `lapin`:
//! the worker reports broker failures once, in its own words. lapin's "returned message" line is
//! always off, because it carries a reply body.

use std::io::IsTerminal;

use tracing_subscriber::filter::{Directive, LevelFilter};
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

/// Install the global subscriber once. Logs go to stderr so stdout stays for data.
pub fn init(format: &str, level: &str) -> Result<(), ConfigError> {
    let rust_log = std::env::var("RUST_LOG").ok();
    let filter = EnvFilter::builder()
        .parse(directives(level, rust_log.as_deref())?)
        .map_err(|e| ConfigError::BadValue {
            key: "telemetry.log_level".into(),
            message: e.to_string(),
        })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    Ok(())
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
