//! connection.blocked: RabbitMQ blocks a connection's publishes during a memory or disk alarm. One
//! watcher per connection logs each block once (WARN) and its end (INFO), and counts the time blocked
//! into `predict_worker_blocked_seconds_total`.

use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt;
use lapin::{Connection, Event};
use tokio::task::JoinHandle;

use crate::telemetry::Metrics;

/// The watcher of one connection; stops (counting a block still under way) when dropped.
pub struct Watcher {
    task: JoinHandle<()>,
    since: Arc<std::sync::Mutex<Option<Instant>>>,
    metrics: Arc<Metrics>,
}

/// Watch `conn`'s blocked/unblocked events.
pub fn watch(conn: &Connection, metrics: Arc<Metrics>) -> Watcher {
    let mut events = Box::pin(conn.events_listener());
    let since = Arc::new(std::sync::Mutex::new(None));
    let (shared, counted) = (Arc::clone(&since), Arc::clone(&metrics));
    let task = tokio::spawn(async move {
        while let Some(event) = events.next().await {
            match event {
                Event::ConnectionBlocked(reason) => {
                    tracing::warn!(%reason, "RabbitMQ blocked this connection (resource alarm): replies wait until it clears");
                    let mut since = shared.lock().unwrap_or_else(|e| e.into_inner());
                    since.get_or_insert_with(Instant::now);
                }
                Event::ConnectionUnblocked => {
                    let started = shared.lock().unwrap_or_else(|e| e.into_inner()).take();
                    if let Some(started) = started {
                        let blocked = started.elapsed();
                        counted.blocked_for(blocked);
                        tracing::info!(
                            blocked_ms = blocked.as_millis() as u64,
                            "RabbitMQ unblocked this connection"
                        );
                    }
                }
                _ => {}
            }
        }
    });
    Watcher {
        task,
        since,
        metrics,
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.task.abort();
        let started = self.since.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(started) = started {
            self.metrics.blocked_for(started.elapsed());
        }
    }
}
