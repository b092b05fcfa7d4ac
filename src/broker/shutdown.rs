//! Shutdown signals: SIGTERM or SIGINT flips a watch channel that the consumer selects on. A second
//! signal while draining exits at once (code 130), for an operator who really means it.

use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::watch;

/// A receiver that turns `true` on the first SIGTERM/SIGINT. The handlers are installed before this
/// returns, so a signal that arrives early is never lost. Must be called inside the tokio runtime.
pub fn on_signal() -> std::io::Result<watch::Receiver<bool>> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        wait(&mut term, &mut int).await;
        tracing::info!("shutdown signal received; draining in-flight work");
        let _ = tx.send(true);
        wait(&mut term, &mut int).await;
        tracing::warn!("second shutdown signal; exiting now without draining");
        std::process::exit(130);
    });
    Ok(rx)
}

async fn wait(term: &mut Signal, int: &mut Signal) {
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
