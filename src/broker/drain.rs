//! The drain on shutdown: cancel the consumer, answer and settle what was already delivered, let the
//! retry lane finish, then close the channels, all within `worker.shutdown_deadline_ms`.

use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::BasicCancelOptions;
use lapin::Consumer;
use tokio::time::{timeout, timeout_at, Instant};

use super::batch::gather;
use super::consumer::{process, RetryTask, Worker};
use super::placement::Placement;
use super::settle::Lane;
use super::settler::Pipeline;
use super::throttle::Throttle;
use super::BrokerError;

/// Shutdown: stop consuming, answer what was already delivered, then close, all within the deadline.
pub(super) async fn drain(
    w: &Worker,
    lane: &Lane,
    consumer: &mut Consumer,
    mut pipeline: Pipeline,
    retry_task: RetryTask,
) -> Result<(), BrokerError> {
    w.not_ready();
    let s = &w.settings.worker;
    let deadline = Instant::now() + Duration::from_millis(s.shutdown_deadline_ms);
    let mut throttle = Throttle::default();
    let mut placement = Placement::default();
    let work = async {
        lane.consume
            .basic_cancel(w.name.as_str().into(), BasicCancelOptions::default())
            .await
            .map_err(|e| BrokerError::lost("cancelling the consumer", &e))?;
        let wait = Duration::from_millis(s.batch_wait_ms);
        let mut answered = 0;
        while let Some(next) = consumer.next().await {
            let first = next.map_err(|e| BrokerError::lost("draining", &e))?;
            let (batch, ended) = gather(consumer, first, s.batch_size, wait).await?;
            answered += batch.len();
            process(w, lane, &mut pipeline, &mut throttle, &mut placement, batch).await?;
            if ended {
                break;
            }
        }
        let settled = pipeline.finish().await?;
        tracing::debug!(?settled, "pipeline settled");
        let mut retry_task = retry_task;
        (&mut retry_task.0)
            .await
            .map_err(|e| BrokerError::Other(format!("the retry lane failed: {e}")))??;
        Ok::<usize, BrokerError>(answered)
    };
    match timeout_at(deadline, work).await {
        Ok(Ok(n)) => tracing::info!(drained = n, "in-flight requests answered; closing"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "broker lost while draining; unacked requests return to the queue")
        }
        Err(_) => tracing::warn!(
            deadline_ms = s.shutdown_deadline_ms,
            "shutdown deadline reached; unacked requests return to the queue"
        ),
    }
    for ch in [&lane.publish, &lane.consume] {
        let _ = timeout(Duration::from_millis(300), ch.close(200, "OK".into())).await;
    }
    Ok(())
}
