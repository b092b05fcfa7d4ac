//! Shutdown signals: SIGTERM or SIGINT removes the readiness file and turns `/readyz` to 503 at once
//! (even while a long batch is being predicted) and flips a watch channel that the consumer selects on. A second signal while
//! draining exits at once (code 130), for an operator who really means it.

use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::watch;

use std::sync::Arc;

use crate::health::Readiness;
use crate::telemetry::Metrics;

/// The exit code of a second SIGTERM/SIGINT during the drain (listed in `cli::exit::EXIT_CODES`).
pub const SECOND_SIGNAL_EXIT: u8 = 130;

/// A receiver that turns `true` on the first SIGTERM/SIGINT. The handlers are installed before this
/// returns, so a signal that arrives early is never lost. The signal task itself stops `readiness`
/// (removes the file for good) and marks `metrics` draining before anything else. Must be called
/// inside the tokio runtime.
pub fn on_signal(
    readiness: Option<Readiness>,
    metrics: Arc<Metrics>,
) -> std::io::Result<watch::Receiver<bool>> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        wait(&mut term, &mut int).await;
        metrics.set_draining();
        if let Some(r) = &readiness {
            r.stop();
        }
        tracing::info!("shutdown signal received; not ready any more, draining in-flight work");
        let _ = tx.send(true);
        wait(&mut term, &mut int).await;
        tracing::warn!("second shutdown signal; exiting now without draining");
        std::process::exit(SECOND_SIGNAL_EXIT.into());
    });
    Ok(rx)
}

async fn wait(term: &mut Signal, int: &mut Signal) {
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
