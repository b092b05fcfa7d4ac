//! The worker's fatal start-up errors, as a user sees them on stderr: a vhost that does not exist and
//! refused credentials exit 5 at once with one message naming the vhost or user (no lapin retry lines),
//! for `send` too; a log level or format that does not parse exits 3 naming the key; no colour codes
//! when stderr is not a terminal. The broker cases need RabbitMQ on 127.0.0.1:5672 and fail, never skip, without it.

mod support;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{model_path, Names};

/// Run `worker` with `url` and extra env, from an empty directory, with RUST_LOG unset; kill it after
/// `within` (then the test fails on the exit code).
fn worker(names: &Names, url: &str, env: &[(&str, &str)], within: Duration) -> (Output, Duration) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_predict-worker"));
    cmd.arg("worker")
        .arg("--model")
        .arg(model_path())
        .arg("--queue")
        .arg(&names.requests)
        .arg("--amqp-url")
        .arg(url)
        .current_dir(&names.dir)
        .env_remove("RUST_LOG")
        .env("PREDICT_WORKER__WORKER__READINESS_FILE", names.readiness())
        .env("PREDICT_WORKER__AMQP__RECONNECT_MAX_MS", "200")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn predict-worker");
    while start.elapsed() < within {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = start.elapsed();
    let _ = child.kill();
    let out = child.wait_with_output().expect("worker output");
    let _ = std::fs::remove_dir_all(&names.dir);
    (out, took)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Said once, by us: no lapin lines, no retries, no colour codes.
fn assert_one_clean_message(err: &str) {
    assert!(
        !err.contains("lapin"),
        "lapin's own log lines leaked:\n{err}"
    );
    assert!(
        !err.contains("Exponential backoff"),
        "lapin retried on its own:\n{err}"
    );
    assert!(
        !err.contains("reconnecting"),
        "a fatal error was retried:\n{err}"
    );
    assert!(
        !err.contains('\u{1b}'),
        "colour codes on a stderr that is not a terminal:\n{err}"
    );
    assert_eq!(err.matches("predict-worker: error:").count(), 1, "{err}");
}

#[test]
fn a_vhost_that_does_not_exist_exits_5_at_once_naming_it() {
    let names = Names::new("vhost");
    let vhost = format!(
        "no-such-vhost-{}",
        &names.requests[names.requests.len() - 12..]
    );
    let url = format!("amqp://guest:guest@127.0.0.1:5672/{vhost}");
    let (out, took) = worker(&names, &url, &[], Duration::from_secs(10));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(took < Duration::from_secs(5), "took {took:?}:\n{err}");
    assert!(err.contains(&format!("vhost {vhost:?}")), "{err}");
    assert!(err.contains("user \"guest\""), "{err}");
    assert_one_clean_message(&err);
}

#[test]
fn refused_credentials_exit_5_at_once_naming_the_user() {
    let names = Names::new("creds");
    let url = "amqp://nobody-here:wrong@127.0.0.1:5672/%2f";
    let (out, took) = worker(&names, url, &[], Duration::from_secs(10));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(took < Duration::from_secs(5), "took {took:?}:\n{err}");
    assert!(err.contains("user \"nobody-here\""), "{err}");
    assert!(!err.contains("wrong"), "the password leaked:\n{err}");
    assert_one_clean_message(&err);
}

#[test]
fn an_invalid_log_level_is_a_config_error_naming_the_key() {
    let names = Names::new("loglevel");
    for level in ["verbose", "info,predict_worker=loud"] {
        std::fs::create_dir_all(&names.dir).unwrap();
        let (out, _) = worker(
            &names,
            support::URL,
            &[("PREDICT_WORKER__TELEMETRY__LOG_LEVEL", level)],
            Duration::from_secs(10),
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{level}: {err}");
        assert!(err.contains("telemetry.log_level"), "{err}");
        assert!(
            err.contains("PREDICT_WORKER__TELEMETRY__LOG_LEVEL"),
            "{err}"
        );
        assert!(!err.contains("ignoring"), "{err}");
    }
}

#[test]
fn an_invalid_rust_log_is_a_config_error_naming_it() {
    let names = Names::new("rustlog");
    let (out, _) = worker(
        &names,
        support::URL,
        &[("RUST_LOG", "loud")],
        Duration::from_secs(10),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("RUST_LOG"), "{err}");
}

#[test]
fn an_unknown_log_format_is_a_config_error_naming_the_key() {
    let names = Names::new("logformat");
    let (out, _) = worker(
        &names,
        support::URL,
        &[("PREDICT_WORKER__TELEMETRY__LOG_FORMAT", "xml")],
        Duration::from_secs(10),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("telemetry.log_format"), "{err}");
    assert!(err.contains("\"xml\""), "{err}");
}

#[test]
fn send_to_a_vhost_that_does_not_exist_exits_5_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = support::root().join("outputs/best_model.sample.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_predict-worker"))
        .current_dir(dir.path())
        .args([
            "send",
            "--amqp-url",
            "amqp://guest:guest@127.0.0.1:5672/no-such-vhost-send",
        ])
        .args(["--queue", "predict.requests", "--timeout", "5", "--input"])
        .arg(input)
        .env_remove("RUST_LOG")
        .output()
        .expect("run send");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains("vhost \"no-such-vhost-send\""), "{err}");
    assert!(
        out.stdout.is_empty(),
        "nothing was sent, so nothing is printed"
    );
    assert_one_clean_message(&err);
}
