//! Readiness: the worker keeps a readiness file current while its model is loaded and its
//! consumer runs; `predict-worker healthcheck` (the container HEALTHCHECK) reads it with [`check`].

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The readiness file of one worker process.
///
/// The worker calls [`Readiness::set_ready`] once its model is loaded and its consumer runs, and again
/// periodically (well within `worker.readiness_stale_ms`) while it stays ready. It calls
/// [`Readiness::set_not_ready`] when it loses the broker, and [`Readiness::stop`] the moment a
/// shutdown signal arrives: after `stop`, no clone of the handle writes the file again.
#[derive(Debug, Clone)]
pub struct Readiness {
    path: PathBuf,
    /// `true` once [`Readiness::stop`] ran. Held while writing, so a refresh racing with `stop`
    /// either finishes before the file is removed or does not write at all.
    stopped: Arc<Mutex<bool>>,
}

impl Readiness {
    /// A readiness handle for `path`. Nothing is written until [`Readiness::set_ready`].
    pub fn new(path: PathBuf) -> Self {
        Readiness {
            path,
            stopped: Arc::new(Mutex::new(false)),
        }
    }

    /// The file this handle writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write (or refresh) the readiness file atomically: write a temporary file next to it, then
    /// rename it over the old one, so a reader never sees a half-written file.
    /// The content is `pid=<pid> unix=<seconds>`, which [`check`] verifies. Does nothing after
    /// [`Readiness::stop`].
    pub fn set_ready(&self) -> std::io::Result<()> {
        let stopped = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        if *stopped {
            return Ok(());
        }
        let content = format!("pid={} unix={}\n", std::process::id(), unix_now());
        let file_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "predict-worker.ready".into());
        let tmp = self
            .path
            .with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, content)?;
        std::fs::rename(&tmp, &self.path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }

    /// Not ready for good: remove the file and never write it again (shutdown signal, exit).
    pub fn stop(&self) {
        let mut stopped = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        *stopped = true;
        self.set_not_ready();
    }

    /// Remove the readiness file; a file that is already gone is fine.
    pub fn set_not_ready(&self) {
        if let Err(err) = std::fs::remove_file(&self.path) {
            if err.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %self.path.display(), error = %err, "cannot remove readiness file");
            }
        }
    }
}

/// Stops a [`Readiness`] when dropped: on every way out of the worker (clean exit, error, panic
/// unwinding), the readiness file is gone.
#[derive(Debug)]
pub struct StopOnDrop(pub Option<Readiness>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(r) = &self.0 {
            r.stop();
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Ok when the readiness file at `path` exists, was refreshed within `stale_after`, holds
/// `pid=<pid> unix=<seconds>` with a timestamp within `stale_after`, and (where `/proc` is
/// mounted) that pid is a running process. The error says why not: missing, stale since N s,
/// unreadable, not a readiness file, or its worker is gone.
pub fn check(path: &Path, stale_after: Duration) -> Result<(), String> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "readiness file {} is missing: the worker is starting, shutting down, \
                 disconnected from the broker, or not running",
                path.display()
            ))
        }
        Err(err) => {
            return Err(format!(
                "readiness file {} is unreadable: {err}",
                path.display()
            ))
        }
    };
    if !meta.is_file() {
        return Err(format!(
            "readiness file {} is unreadable: not a regular file",
            path.display()
        ));
    }
    let modified = meta.modified().map_err(|err| {
        format!(
            "readiness file {} is unreadable: no modification time: {err}",
            path.display()
        )
    })?;
    // A clock that went backwards makes the file look fresh; that is the safe side for a restart policy.
    let age = SystemTime::now()
        .duration_since(modified)
        .unwrap_or(Duration::ZERO);
    if age > stale_after {
        return Err(format!(
            "readiness file {} is stale since {} s (limit {} ms): the worker stopped refreshing it",
            path.display(),
            age.as_secs(),
            stale_after.as_millis()
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("readiness file {} is unreadable: {err}", path.display()))?;
    let (pid, written) = parse(&text).ok_or_else(|| {
        format!(
            "readiness file {} does not hold `pid=<pid> unix=<seconds>` (it holds {:?}); \
             only the worker should write it: check worker.readiness_file",
            path.display(),
            text.chars().take(80).collect::<String>()
        )
    })?;
    let written_age = unix_now().saturating_sub(written);
    if written_age > stale_after.as_secs() + 1 {
        return Err(format!(
            "readiness file {} is stale since {written_age} s by its own timestamp (limit {} ms): \
             the worker stopped refreshing it",
            path.display(),
            stale_after.as_millis()
        ));
    }
    if Path::new("/proc/self").exists() && !Path::new(&format!("/proc/{pid}")).exists() {
        return Err(format!(
            "readiness file {} names worker pid {pid}, which is not running: the worker exited \
             without removing it",
            path.display()
        ));
    }
    Ok(())
}

/// `pid=<pid> unix=<seconds>` (one line) as its two numbers.
fn parse(text: &str) -> Option<(u32, u64)> {
    let mut fields = text.strip_suffix('\n')?.split(' ');
    let pid = fields.next()?.strip_prefix("pid=")?.parse().ok()?;
    let unix = fields.next()?.strip_prefix("unix=")?.parse().ok()?;
    fields.next().is_none().then_some((pid, unix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_then_not_ready() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ready");
        let r = Readiness::new(path.clone());
        assert!(check(&path, Duration::from_secs(5))
            .unwrap_err()
            .contains("missing"));
        r.set_ready().unwrap();
        check(&path, Duration::from_secs(5)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(&format!("pid={} ", std::process::id())));
        r.set_ready().unwrap();
        // Only the final file is left, no temporaries.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        r.set_not_ready();
        r.set_not_ready();
        assert!(check(&path, Duration::from_secs(5)).is_err());
    }

    #[test]
    fn stop_removes_the_file_and_no_refresh_brings_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ready");
        let r = Readiness::new(path.clone());
        let refresher = r.clone();
        r.set_ready().unwrap();
        r.stop();
        assert!(!path.exists());
        refresher.set_ready().unwrap();
        assert!(!path.exists(), "a clone refreshed the file after stop");
    }

    #[test]
    fn stop_on_drop_removes_the_file_on_any_way_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ready");
        let r = Readiness::new(path.clone());
        let failing = || -> Result<(), String> {
            let _guard = StopOnDrop(Some(r.clone()));
            r.set_ready().unwrap();
            assert!(path.exists());
            Err("a fatal error".into())
        };
        assert!(failing().is_err());
        assert!(!path.exists(), "an early return left the file");
        r.set_ready().unwrap();
        assert!(!path.exists(), "stopped for good");
    }

    #[test]
    fn content_must_be_a_live_pid_and_a_fresh_timestamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ready");
        let stale = Duration::from_secs(15);
        let write = |text: &str| std::fs::write(&path, text).unwrap();
        write("ok\n");
        let err = check(&path, stale).unwrap_err();
        assert!(
            err.contains("does not hold `pid=<pid> unix=<seconds>`"),
            "{err}"
        );
        write("");
        assert!(check(&path, stale).is_err());
        write(&format!(
            "pid={} unix={}\n",
            std::process::id(),
            unix_now() - 60
        ));
        let err = check(&path, stale).unwrap_err();
        assert!(err.contains("by its own timestamp"), "{err}");
        // pid_max is at most 2^22 on Linux, so this pid never runs.
        write(&format!("pid=4194399 unix={}\n", unix_now()));
        let err = check(&path, stale).unwrap_err();
        assert!(err.contains("which is not running"), "{err}");
        write(&format!(
            "pid={} unix={} extra\n",
            std::process::id(),
            unix_now()
        ));
        assert!(check(&path, stale).is_err());
        write(&format!("pid={} unix={}\n", std::process::id(), unix_now()));
        check(&path, stale).unwrap();
    }

    #[test]
    fn directory_is_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let err = check(dir.path(), Duration::from_secs(5)).unwrap_err();
        assert!(err.contains("unreadable"), "{err}");
    }
}
