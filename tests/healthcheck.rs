//! Black-box tests of `predict-worker healthcheck`: a fresh readiness file written by a live worker gives
//! exit 0; a missing, stale, foreign (any other content) or orphaned (dead pid) one gives exit 6 and says why.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use predict_worker::health::Readiness;

fn healthcheck(dir: &Path, ready: &Path, stale_ms: u64) -> Output {
    Command::new(env!("CARGO_BIN_EXE_predict-worker"))
        .arg("healthcheck")
        // Run in an empty directory so no config/default.toml from the checkout interferes.
        .current_dir(dir)
        .env_clear()
        .env("PREDICT_WORKER__WORKER__READINESS_FILE", ready)
        .env(
            "PREDICT_WORKER__WORKER__READINESS_STALE_MS",
            stale_ms.to_string(),
        )
        .output()
        .expect("run predict-worker")
}

#[test]
fn fresh_file_is_healthy() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("worker.ready");
    Readiness::new(ready.clone()).set_ready().unwrap();
    let out = healthcheck(dir.path(), &ready, 15_000);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn missing_file_is_unhealthy() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("worker.ready");
    let out = healthcheck(dir.path(), &ready, 15_000);
    assert_eq!(out.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing"), "stderr: {stderr}");
}

#[test]
fn removed_file_is_unhealthy() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("worker.ready");
    let r = Readiness::new(ready.clone());
    r.set_ready().unwrap();
    r.set_not_ready();
    assert_eq!(
        healthcheck(dir.path(), &ready, 15_000).status.code(),
        Some(6)
    );
}

#[test]
fn stale_file_is_unhealthy() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("worker.ready");
    Readiness::new(ready.clone()).set_ready().unwrap();
    let old = SystemTime::now() - Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(&ready)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let out = healthcheck(dir.path(), &ready, 15_000);
    assert_eq!(out.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stale since"), "stderr: {stderr}");
}

#[test]
fn bad_config_is_a_config_error_not_healthy() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_predict-worker"))
        .args(["healthcheck", "--config", "does-not-exist.toml"])
        .current_dir(dir.path())
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn a_file_with_any_other_content_is_unhealthy() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("worker.ready");
    for text in ["", "ok\n", "ready", "pid=1\n"] {
        std::fs::write(&ready, text).unwrap();
        let out = healthcheck(dir.path(), &ready, 15_000);
        assert_eq!(
            out.status.code(),
            Some(6),
            "content {text:?} counted as ready"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("pid=<pid> unix=<seconds>"),
            "stderr: {stderr}"
        );
    }
}

#[test]
fn a_file_left_by_a_dead_worker_is_unhealthy() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("worker.ready");
    // A process that has exited: its pid is free (until reused, which is unlikely within the test).
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    std::fs::write(&ready, format!("pid={pid} unix={now}\n")).unwrap();
    let out = healthcheck(dir.path(), &ready, 15_000);
    assert_eq!(out.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not running"), "stderr: {stderr}");
}
