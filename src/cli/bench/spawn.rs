//! `bench --spawn-worker`: run `predict-worker worker` as a child on the bench queue, wait until its
//! readiness file is fresh, and stop it with SIGTERM afterwards (it must exit 0).

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::cli::CliError;
use crate::config::Settings;

pub struct Spawned {
    child: Child,
    _dir: tempfile_dir::Dir,
}

mod tempfile_dir {
    /// A scratch directory removed on drop.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub fn spawn_worker(settings: &Settings, queue: &str) -> Result<Spawned, CliError> {
    let dir = std::env::temp_dir().join(format!("predict-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).map_err(|e| CliError::io("cannot create a scratch dir", e))?;
    let dir = tempfile_dir::Dir(dir);
    let ready = dir.0.join("ready");
    let exe =
        std::env::current_exe().map_err(|e| CliError::io("cannot find this executable", e))?;
    let mut child = Command::new(exe)
        .arg("worker")
        .arg("--model")
        .arg(&settings.model.path)
        .args(["--amqp-url", &settings.amqp.url, "--queue", queue])
        .env("PREDICT_WORKER__WORKER__READINESS_FILE", &ready)
        .env("PREDICT_WORKER__QUEUES__RESULTS", &settings.queues.results)
        .env(
            "PREDICT_WORKER__QUEUES__DEAD_LETTER_EXCHANGE",
            &settings.queues.dead_letter_exchange,
        )
        .env(
            "PREDICT_WORKER__QUEUES__DEAD_LETTER_QUEUE",
            &settings.queues.dead_letter_queue,
        )
        .spawn()
        .map_err(|e| CliError::io("cannot start the worker", e))?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while crate::health::check(&ready, Duration::from_secs(60)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(CliError::Failed(format!(
                "the spawned worker exited early: {status}"
            )));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(CliError::Failed(
                "the spawned worker was not ready within 60 s".into(),
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(Spawned { child, _dir: dir })
}

pub fn stop_worker(mut spawned: Spawned) -> Result<(), CliError> {
    let pid = spawned.child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let status = spawned
        .child
        .wait()
        .map_err(|e| CliError::io("waiting for the worker", e))?;
    if !status.success() {
        return Err(CliError::Failed(format!(
            "the spawned worker exited with {status} after SIGTERM"
        )));
    }
    Ok(())
}
