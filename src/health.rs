//! Readiness: the worker keeps a readiness file current while its model is loaded and its
//! consumer runs; `predict-worker healthcheck` (the container HEALTHCHECK) reads it with [`check`].

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The readiness file of one worker process.
///
/// The worker calls [`Readiness::set_ready`] once its model is loaded and its consumer runs, and again
/// periodically (well within `worker.readiness_stale_ms`) while it stays ready. It calls
/// [`Readiness::set_not_ready`] as soon as it starts shutting down or loses the broker.
#[derive(Debug, Clone)]
pub struct Readiness {
    path: PathBuf,
}

impl Readiness {
    /// A readiness handle for `path`. Nothing is written until [`Readiness::set_ready`].
    pub fn new(path: PathBuf) -> Self {
        Readiness { path }
    }

    /// The file this handle writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write (or refresh) the readiness file atomically: write a temporary file next to it, then
    /// rename it over the old one, so a reader never sees a half-written file.
    /// The content is `pid=<pid> unix=<seconds>`; freshness is judged by the file's mtime.
    pub fn set_ready(&self) -> std::io::Result<()> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let content = format!("pid={} unix={}\n", std::process::id(), now);
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

    /// Remove the readiness file; a file that is already gone is fine.
    pub fn set_not_ready(&self) {
        if let Err(err) = std::fs::remove_file(&self.path) {
            if err.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %self.path.display(), error = %err, "cannot remove readiness file");
            }
        }
    }
}

/// Ok when the readiness file at `path` exists and was refreshed within `stale_after`.
/// The error says why not: missing, stale since N s, or unreadable.
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
    Ok(())
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
    fn directory_is_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let err = check(dir.path(), Duration::from_secs(5)).unwrap_err();
        assert!(err.contains("unreadable"), "{err}");
    }
}
