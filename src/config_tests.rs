//! Unit tests of `config`: each layer beats the one before it (defaults < config/default.toml <
//! --config FILE < PREDICT_WORKER__* environment < flags), and unknown keys or bad values are errors
//! that name the key.

use std::path::{Path, PathBuf};

use super::{AmqpSettings, ConfigError, Overrides, Settings, WorkerSettings};

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

// amqp.user / amqp.password

fn amqp(url: &str, user: &str, password: &str) -> AmqpSettings {
    AmqpSettings {
        url: url.into(),
        user: user.into(),
        password: password.into(),
        ..AmqpSettings::default()
    }
}

/// What a decoding client (lapin) logs in with.
fn login(url: &str) -> (String, String) {
    let uri: lapin::uri::AMQPUri = url.parse().expect("valid URL");
    (
        uri.authority.userinfo.username,
        uri.authority.userinfo.password,
    )
}

#[test]
fn url_alone_is_kept() {
    let s = amqp("amqp://a:b%40c@rabbit:5672/%2f", "", "");
    assert_eq!(s.effective_url(), "amqp://a:b%40c@rabbit:5672/%2f");
    assert_eq!(login(&s.effective_url()), ("a".into(), "b@c".into()));
}

#[test]
fn user_and_password_replace_the_userinfo_literally() {
    let pass = "p@ss:w/rd%41?#[]& x";
    for url in [
        "amqp://rabbit:5672/%2f",
        "amqp://guest:guest@rabbit:5672/%2f",
        "amqp://old@rabbit",
        "amqps://u:p@rabbit:5671/vh?heartbeat=5",
    ] {
        let s = amqp(url, "us:er@1", pass);
        let eff = s.effective_url();
        assert_eq!(
            login(&eff),
            ("us:er@1".into(), pass.into()),
            "{url} -> {eff}"
        );
        let parsed: lapin::uri::AMQPUri = eff.parse().unwrap();
        let orig: lapin::uri::AMQPUri = url.parse().unwrap();
        assert_eq!(parsed.authority.host, orig.authority.host);
        assert_eq!(parsed.authority.port, orig.authority.port);
        assert_eq!(parsed.vhost, orig.vhost);
        assert_eq!(parsed.query.heartbeat, orig.query.heartbeat);
    }
}

#[test]
fn password_alone_keeps_the_urls_user() {
    let s = amqp("amqp://predict:old@rabbit:5672/%2f", "", "n:e@w");
    assert_eq!(
        login(&s.effective_url()),
        ("predict".into(), "n:e@w".into())
    );
    let s = amqp("amqp://predict:old@rabbit:5672/%2f", "other", "");
    assert_eq!(login(&s.effective_url()), ("other".into(), "old".into()));
}

#[test]
fn environment_user_and_password_apply_to_amqp_url() {
    let env = vec![
        (
            "PREDICT_WORKER__AMQP__URL".to_string(),
            "amqp://rabbitmq:5672/%2f".to_string(),
        ),
        ("PREDICT_WORKER__AMQP__USER".into(), "predict".into()),
        (
            "PREDICT_WORKER__AMQP__PASSWORD".into(),
            "s3cr@t:/%25".into(),
        ),
    ];
    let s = Settings::load_from(
        Path::new("/nonexistent/default.toml"),
        None,
        env,
        &Overrides::default(),
    )
    .expect("loads");
    assert_eq!(s.amqp.password, "s3cr@t:/%25");
    assert_eq!(login(&s.amqp.url), ("predict".into(), "s3cr@t:/%25".into()));
    assert_eq!(
        s.amqp.url,
        "amqp://predict:s3cr%40t%3A%2F%2525@rabbitmq:5672/%2f"
    );
}

#[test]
fn flag_url_still_takes_user_and_password_from_settings() {
    let env = vec![(
        "PREDICT_WORKER__AMQP__PASSWORD".to_string(),
        "x@y".to_string(),
    )];
    let overrides = Overrides {
        amqp_url: Some("amqp://u:p@h:1/%2f".into()),
        ..Overrides::default()
    };
    let s = Settings::load_from(
        Path::new("/nonexistent/default.toml"),
        None,
        env,
        &overrides,
    )
    .expect("loads");
    assert_eq!(login(&s.amqp.url), ("u".into(), "x@y".into()));
}

#[test]
fn celery_settings_are_checked() {
    let mut s = Settings::default();
    assert_eq!(s.celery.task_name, "predict");
    assert!(!s.celery.plain_request_queue);
    s.celery.plain_request_queue = true;
    assert!(s.validate().is_ok());
    s.queues.queue_type = "quorum".into();
    let e = s.validate().unwrap_err().to_string();
    assert!(e.contains("celery.plain_request_queue"), "{e}");
    let mut s = Settings::default();
    s.celery.task_name.clear();
    let e = s.validate().unwrap_err().to_string();
    assert!(e.contains("PREDICT_WORKER__CELERY__TASK_NAME"), "{e}");
}

/// Every `section.key` of [`Settings`] with its built-in default as text (strings unquoted).
fn default_keys() -> std::collections::BTreeMap<String, String> {
    let value = serde_json::to_value(Settings::default()).unwrap();
    let mut keys = std::collections::BTreeMap::new();
    for (section, table) in value.as_object().unwrap() {
        for (key, v) in table.as_object().unwrap() {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            keys.insert(format!("{section}.{key}"), text);
        }
    }
    keys
}

#[test]
fn the_shipped_default_toml_is_every_key_at_its_built_in_default() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = root.join(super::DEFAULT_FILE);
    let loaded = Settings::load_from(&file, None, vec![], &Overrides::default()).unwrap();
    assert_eq!(
        loaded,
        Settings::default(),
        "config/default.toml is not the defaults"
    );
    let mut section = String::new();
    let mut named = std::collections::BTreeSet::new();
    for line in std::fs::read_to_string(&file).unwrap().lines() {
        let line = line.trim();
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
        } else if let Some((key, _)) = line.split_once('=').filter(|_| !line.starts_with('#')) {
            named.insert(format!("{section}.{}", key.trim()));
        }
    }
    let keys: std::collections::BTreeSet<String> = default_keys().into_keys().collect();
    assert_eq!(
        named, keys,
        "config/default.toml does not list every key once"
    );
}

#[test]
fn the_readme_configuration_table_is_every_key_with_its_default() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("| key | default | meaning |")
        .expect("the table");
    let mut rows = std::collections::BTreeMap::new();
    for line in readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
    {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let key = cells[1].trim_matches('`').to_string();
        let default = cells[2].trim_matches('`');
        let default = if default == "\"\"" { "" } else { default };
        assert!(
            rows.insert(key.clone(), default.to_string()).is_none(),
            "{key} listed twice"
        );
    }
    assert_eq!(
        rows,
        default_keys(),
        "README configuration table vs Settings::default()"
    );
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
