//! Unit tests of `config::load`: each layer beats the one before it (defaults < config/default.toml <
//! --config FILE < PREDICT_WORKER__* environment < flags), and unknown keys or bad values are errors
//! that name the key.

use std::path::{Path, PathBuf};

use crate::config::{ConfigError, Overrides, Settings, WorkerSettings};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn without_files_env_or_flags_the_built_in_defaults_apply() {
    let dir = tempfile::tempdir().unwrap();
    let s = Settings::load_from(
        &dir.path().join("none.toml"),
        None,
        vec![],
        &Overrides::default(),
    )
    .unwrap();
    assert_eq!(s, Settings::default());
}

#[test]
fn each_layer_beats_the_one_before() {
    let dir = tempfile::tempdir().unwrap();
    // Four keys, each set by one more layer than the last: the last layer that sets a key wins.
    let default_file = write(
        dir.path(),
        "default.toml",
        "[worker]\nbatch_size = 10\nprefetch = 10\nmax_instances = 10\n\
         [queues]\nrequests = \"from.default.file\"\n",
    );
    let file = write(
        dir.path(),
        "file.toml",
        "[worker]\nprefetch = 20\nmax_instances = 20\n[queues]\nrequests = \"from.file\"\n",
    );
    let vars = env(&[
        ("PREDICT_WORKER__WORKER__MAX_INSTANCES", "30"),
        ("PREDICT_WORKER__QUEUES__REQUESTS", "from.env"),
        ("PREDICT_WORKER__MODEL__PATH", "from/env.pkl"),
        (
            "PREDICT_WORKER__AMQP__URL",
            "amqp://env:env@envhost:5672/%2f",
        ),
        ("UNRELATED_VARIABLE", "ignored"),
    ]);
    let flags = Overrides {
        amqp_url: Some("amqp://flag:flag@flaghost:5672/%2f".into()),
        queue: Some("from.flag".into()),
        model: Some(PathBuf::from("from/flag.pkl")),
    };
    let s = Settings::load_from(&default_file, Some(&file), vars.clone(), &flags).unwrap();
    assert_eq!(
        s.worker.batch_wait_ms,
        WorkerSettings::default().batch_wait_ms,
        "built-in default"
    );
    assert_eq!(
        s.worker.batch_size, 10,
        "config/default.toml beats defaults"
    );
    assert_eq!(
        s.worker.prefetch, 20,
        "--config FILE beats config/default.toml"
    );
    assert_eq!(
        s.worker.max_instances, 30,
        "environment beats --config FILE"
    );
    assert_eq!(s.queues.requests, "from.flag", "--queue beats environment");
    assert_eq!(
        s.model.path,
        PathBuf::from("from/flag.pkl"),
        "--model beats environment"
    );
    assert_eq!(
        s.amqp.url, "amqp://flag:flag@flaghost:5672/%2f",
        "--amqp-url beats environment"
    );
    // Without the flags, the environment's values stand.
    let s = Settings::load_from(&default_file, Some(&file), vars, &Overrides::default()).unwrap();
    assert_eq!(s.queues.requests, "from.env");
    assert_eq!(s.model.path, PathBuf::from("from/env.pkl"));
    assert_eq!(s.amqp.url, "amqp://env:env@envhost:5672/%2f");
}

fn error(default_file: &Path, file: Option<&Path>, vars: Vec<(String, String)>) -> String {
    match Settings::load_from(default_file, file, vars, &Overrides::default()) {
        Ok(s) => panic!("loaded: {s:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn unknown_keys_are_errors_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let none = dir.path().join("none.toml");
    let typo = write(dir.path(), "typo.toml", "[worker]\nprefetchh = 1\n");
    let err = error(&none, Some(&typo), vec![]);
    assert!(err.contains("prefetchh"), "{err}");
    let section = write(dir.path(), "section.toml", "[wroker]\nprefetch = 1\n");
    let err = error(&none, Some(&section), vec![]);
    assert!(err.contains("wroker"), "{err}");
    // The same typo in config/default.toml and in the environment.
    let err = error(&typo, None, vec![]);
    assert!(err.contains("prefetchh"), "{err}");
    let err = error(
        &none,
        None,
        env(&[("PREDICT_WORKER__WORKER__PREFETCHH", "1")]),
    );
    assert!(err.contains("prefetchh"), "{err}");
}

#[test]
fn bad_values_and_missing_files_are_errors_naming_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let none = dir.path().join("none.toml");
    let err = error(
        &none,
        None,
        env(&[("PREDICT_WORKER__WORKER__PREFETCH", "lots")]),
    );
    assert!(err.contains("prefetch"), "{err}");
    let err = error(
        &none,
        None,
        env(&[("PREDICT_WORKER__WORKER__PREFETCH", "0")]),
    );
    assert!(err.contains("worker.prefetch"), "{err}");
    let err = error(
        &none,
        None,
        env(&[("PREDICT_WORKER__TELEMETRY__LOG_LEVEL", "verbose")]),
    );
    assert!(
        err.contains("telemetry.log_level") && err.contains("verbose"),
        "{err}"
    );
    let err = error(
        &none,
        None,
        env(&[("PREDICT_WORKER__TELEMETRY__LOG_FORMAT", "xml")]),
    );
    assert!(
        err.contains("telemetry.log_format") && err.contains("\"xml\""),
        "{err}"
    );
    let err = error(
        &none,
        None,
        env(&[("PREDICT_WORKER__TELEMETRY__METRICS_ADDR", "9090")]),
    );
    assert!(
        err.contains("telemetry.metrics_addr") && err.contains("0.0.0.0:9090"),
        "{err}"
    );
    let ok = Settings::load_from(
        &none,
        None,
        env(&[("PREDICT_WORKER__TELEMETRY__METRICS_ADDR", "127.0.0.1:9090")]),
        &Overrides::default(),
    )
    .unwrap();
    assert_eq!(
        ok.telemetry.metrics_socket(),
        Some("127.0.0.1:9090".parse().unwrap())
    );
    assert_eq!(Settings::default().telemetry.metrics_socket(), None);
    let missing = dir.path().join("missing.toml");
    let e = Settings::load_from(&none, Some(&missing), vec![], &Overrides::default()).unwrap_err();
    assert!(matches!(e, ConfigError::MissingFile { .. }), "{e}");
    assert!(e.to_string().contains("missing.toml"), "{e}");
}

#[test]
fn queue_names_past_the_amqp_limit_are_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let none = dir.path().join("none.toml");
    // 250 bytes is a valid name, but its retry queue `<name>.retry` would not be.
    let long = "q".repeat(250);
    let err = error(
        &none,
        None,
        env(&[("PREDICT_WORKER__QUEUES__REQUESTS", long.as_str())]),
    );
    assert!(
        err.contains("queues.requests") && err.contains("255"),
        "{err}"
    );
    let ok = "q".repeat(249);
    Settings::load_from(
        &none,
        None,
        env(&[("PREDICT_WORKER__QUEUES__REQUESTS", ok.as_str())]),
        &Overrides::default(),
    )
    .expect("a 249-byte request queue name is accepted");
}
