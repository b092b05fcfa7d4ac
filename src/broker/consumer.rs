//! The worker loop: connect, declare, consume; predict each micro-batch (`batch`), publish the replies
//! and pass the batch to the settler (pipelined: confirms are awaited while the next batches are
//! predicted); reconnect with backoff on broker loss; `drain` on shutdown, within a hard deadline.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, Consumer};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::timeout;
use tracing::Instrument;

use super::batch::{gather, plan_placed};
use super::connection::{self, Backoff, Identity};
use super::observe::{batch_span, received};
use super::placement::Placement;
use super::route::Routes;
use super::settle::{self, Lane, Moves, Plan};
use super::settler::Pipeline;
use super::throttle::Throttle;
use super::{blocked, drain, retry, topology, BrokerError};
use crate::config::Settings;
use crate::health::Readiness;
use crate::model::Model;
use crate::protocol::Schema;
use crate::telemetry::{InFlight, Metrics};

/// Everything one worker process runs with.
pub struct Worker {
    pub settings: Arc<Settings>,
    pub model: Arc<Model>,
    pub schema: Arc<Schema>,
    pub readiness: Option<Readiness>,
    /// Connection name and consumer tag, `prefix@host/pid`.
    pub name: String,
    /// The model's identity, sent as client properties.
    pub identity: Identity,
    /// Metric handles, and the readiness `/readyz` reports.
    pub metrics: Arc<Metrics>,
}

impl Worker {
    fn ready(&self) {
        self.metrics.set_ready(true);
        if let Some(r) = &self.readiness {
            if let Err(e) = r.set_ready() {
                tracing::warn!(error = %e, "cannot write the readiness file");
            }
        }
    }

    pub(super) fn not_ready(&self) {
        self.metrics.set_ready(false);
        if let Some(r) = &self.readiness {
            r.set_not_ready();
        }
    }
}

/// Time allowed after the shutdown deadline for closing channels and the connection; past it the
/// worker stops waiting for the broker and returns (the broker requeues what was not acked).
pub const CLOSE_GRACE: Duration = Duration::from_millis(1000);

/// Run until shutdown (Ok) or a fatal broker error. Transient failures reconnect with backoff. After a
/// shutdown signal this returns within `worker.shutdown_deadline_ms` + [`CLOSE_GRACE`], even when the
/// broker blocks publishes (a resource alarm), stops confirming, or is gone.
pub async fn run(worker: Worker, shutdown: watch::Receiver<bool>) -> Result<(), BrokerError> {
    let mut signalled = shutdown.clone();
    let limit = Duration::from_millis(worker.settings.worker.shutdown_deadline_ms) + CLOSE_GRACE;
    let hard_deadline = async {
        requested(&mut signalled).await;
        tokio::time::sleep(limit).await;
    };
    tokio::select! {
        result = sessions(&worker, shutdown) => result,
        () = hard_deadline => {
            worker.not_ready();
            tracing::warn!(
                deadline_ms = worker.settings.worker.shutdown_deadline_ms,
                "shutdown deadline passed with the broker not answering; exiting, unacked requests return to the queue"
            );
            Ok(())
        }
    }
}

async fn sessions(worker: &Worker, mut shutdown: watch::Receiver<bool>) -> Result<(), BrokerError> {
    let mut backoff = Backoff::from_settings(&worker.settings.amqp);
    let mut opened = 0u64;
    loop {
        if *shutdown.borrow() {
            return Ok(());
        }
        let result = session(worker, &mut shutdown, &mut backoff, &mut opened).await;
        worker.not_ready();
        match result {
            Ok(()) => return Ok(()),
            Err(e) if e.is_fatal() => return Err(e),
            Err(e) => {
                let delay = backoff.next_delay();
                tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "broker unavailable; reconnecting");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = requested(&mut shutdown) => return Ok(()),
                }
            }
        }
    }
}

/// Resolves once shutdown was requested (never, if the signal task is gone).
pub(super) async fn requested(rx: &mut watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

async fn session(
    w: &Worker,
    shutdown: &mut watch::Receiver<bool>,
    backoff: &mut Backoff,
    opened: &mut u64,
) -> Result<(), BrokerError> {
    let conn = tokio::select! {
        c = connection::connect(&w.settings.amqp, &w.name, &w.identity) => c?,
        _ = requested(shutdown) => return Ok(()),
    };
    w.metrics.set_connected(true, *opened > 0);
    *opened += 1;
    let watcher = blocked::watch(&conn, Arc::clone(&w.metrics));
    tracing::info!(connection = %w.name, "connected to RabbitMQ");
    let result = consume(w, &conn, shutdown, backoff).await;
    let _ = timeout(Duration::from_millis(500), conn.close(200, "OK".into())).await;
    drop(watcher);
    w.metrics.set_connected(false, false);
    result
}

async fn consume(
    w: &Worker,
    conn: &Connection,
    shutdown: &mut watch::Receiver<bool>,
    backoff: &mut Backoff,
) -> Result<(), BrokerError> {
    let s = &w.settings;
    let routes = Arc::new(Routes::new(s).with_frame_max(conn.configuration().frame_max()));
    let consume_ch = open_channel(conn).await?;
    topology::declare(&consume_ch, &s.queues, s.celery.plain_request_queue).await?;
    let publish_ch = open_channel(conn).await?;
    publish_ch
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(lost("enabling publisher confirms"))?;
    let moves = Arc::new(Moves::default());
    let in_flight = Arc::new(InFlight::new(Arc::clone(&w.metrics)));
    let lane = Lane {
        queue: s.queues.requests.clone(),
        consume: consume_ch,
        publish: publish_ch.clone(),
        routes: Arc::clone(&routes),
        moves: Arc::clone(&moves),
        in_flight: Arc::clone(&in_flight),
    };
    let mut consumer = start_consumer(&lane, s.worker.prefetch, &w.name).await?;
    // The retry lane: its own channel with prefetch 1, so a request that kills the worker there holds
    // no other request hostage; replies share the confirming publish channel.
    let retry_lane = Lane {
        queue: routes.retry.clone(),
        consume: open_channel(conn).await?,
        publish: publish_ch,
        routes: Arc::clone(&routes),
        moves,
        in_flight,
    };
    let retry_tag = format!("{}/retry", w.name);
    let retry_consumer = start_consumer(&retry_lane, 1, &retry_tag).await?;
    let mut retry_task = RetryTask(tokio::spawn(retry::run(
        retry_lane,
        retry_consumer,
        retry_tag,
        Arc::clone(&w.model),
        Arc::clone(&w.schema),
        shutdown.clone(),
    )));
    tracing::info!(queue = %s.queues.requests, retry_queue = %routes.retry, prefetch = s.worker.prefetch, "consuming");
    w.ready();
    backoff.reset();
    let refresh = Duration::from_millis((s.worker.readiness_stale_ms / 3).max(100));
    let mut tick = tokio::time::interval(refresh);
    let wait = Duration::from_millis(s.worker.batch_wait_ms);
    // Unacked requests are bounded by prefetch, so batches in the pipeline are too; the channel depth
    // only has to be large enough that submitting never waits in normal operation.
    let depth = usize::from(s.worker.prefetch) / s.worker.batch_size.max(1) + 2;
    let mut pipeline = Pipeline::start(lane.clone(), depth);
    let mut throttle = Throttle::default();
    let mut placement = Placement::default();
    loop {
        let next = tokio::select! {
            biased;
            _ = requested(shutdown) => {
                return drain::drain(w, &lane, &mut consumer, pipeline, retry_task).await;
            }
            e = pipeline.failed() => return Err(e),
            e = retry_task.failed() => return Err(e),
            _ = tick.tick() => { w.ready(); continue; }
            next = consumer.next() => next,
        };
        let first = match next {
            Some(Ok(d)) => d,
            Some(Err(e)) => return Err(BrokerError::lost("consuming", &e)),
            None => return Err(cancelled(&lane.queue)),
        };
        let (batch, ended) = gather(&mut consumer, first, s.worker.batch_size, wait).await?;
        process(
            w,
            &lane,
            &mut pipeline,
            &mut throttle,
            &mut placement,
            batch,
        )
        .await?;
        if ended {
            // Settle what was answered before giving the rest back to the broker.
            let _ = timeout(Duration::from_secs(5), pipeline.finish()).await;
            return Err(cancelled(&lane.queue));
        }
    }
}

async fn open_channel(conn: &Connection) -> Result<Channel, BrokerError> {
    conn.create_channel()
        .await
        .map_err(lost("opening a channel"))
}

/// Set the lane's prefetch and start consuming its queue under `tag`.
async fn start_consumer(lane: &Lane, prefetch: u16, tag: &str) -> Result<Consumer, BrokerError> {
    lane.consume
        .basic_qos(prefetch, BasicQosOptions::default())
        .await
        .map_err(lost("setting prefetch"))?;
    lane.consume
        .basic_consume(
            lane.queue.as_str().into(),
            tag.into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(lost("starting a consumer"))
}

/// The retry lane's task; aborted when the session ends early, so it never acks on a dead session.
pub(super) struct RetryTask(pub(super) JoinHandle<Result<(), BrokerError>>);

impl RetryTask {
    /// Resolves only when the task has ended, with why: an error, or an early stop.
    async fn failed(&mut self) -> BrokerError {
        match (&mut self.0).await {
            Ok(Err(e)) => e,
            Ok(Ok(())) => std::future::pending().await,
            Err(e) => BrokerError::Other(format!("the retry lane failed: {e}")),
        }
    }
}

impl Drop for RetryTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn lost(what: &'static str) -> impl Fn(lapin::Error) -> BrokerError {
    move |e| BrokerError::lost(what, &e)
}

pub(super) fn cancelled(queue: &str) -> BrokerError {
    BrokerError::Lost(format!(
        "the broker cancelled the consumer of {queue:?} (was the queue deleted?)"
    ))
}

/// Predict one micro-batch (quick ones inline, see [`Placement`]), publish what each
/// delivery needs and hand the batch to the settler, which acks it once its confirms arrive.
pub(super) async fn process(
    w: &Worker,
    lane: &Lane,
    pipeline: &mut Pipeline,
    throttle: &mut Throttle,
    placement: &mut Placement,
    batch: Vec<Delivery>,
) -> Result<(), BrokerError> {
    let taken = std::time::Instant::now();
    received(&lane.in_flight, &batch);
    let span = batch_span(&lane.queue, &batch);
    async move {
        let (batch, plans) = plan_placed(placement, &w.model, &w.schema, lane, batch).await?;
        for (d, p) in batch.iter().zip(&plans) {
            match p {
                Plan::Reply(r) => {
                    if let (Some(code), None) = (r.error, r.disposition) {
                        tracing::debug!(
                            delivery_tag = d.delivery_tag,
                            code,
                            "Celery task not run (REVOKED result sent)"
                        );
                    } else if let Some(code) = r.error {
                        tracing::debug!(
                            delivery_tag = d.delivery_tag,
                            code,
                            "request rejected with an error reply"
                        );
                    }
                }
                Plan::Again(_) => {
                    tracing::debug!(
                        delivery_tag = d.delivery_tag,
                        "redelivered request sent to the retry lane"
                    );
                    throttle.info("redelivered requests sent to the retry lane (their worker died or lost the broker)");
                }
            }
        }
        let published = settle::publish(lane, batch, plans, taken).await?;
        pipeline.submit(published).await
    }
    .instrument(span)
    .await
}
