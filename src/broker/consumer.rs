//! The worker loop: connect, declare, consume; gather deliveries into micro-batches, predict each batch,
//! publish the replies and pass the batch to the settler (pipelined: confirms are awaited while the next
//! batches are predicted); reconnect with backoff on broker loss; drain on shutdown.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicCancelOptions, BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions,
};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, Consumer};
use tokio::sync::watch;
use tokio::time::{timeout, timeout_at, Instant};

use super::connection::{self, Backoff};
use super::settler::Pipeline;
use super::{settle, topology, BrokerError};
use crate::config::Settings;
use crate::health::Readiness;
use crate::model::Model;
use crate::protocol::{self, Message, Schema};

/// Everything one worker process runs with.
pub struct Worker {
    pub settings: Arc<Settings>,
    pub model: Arc<Model>,
    pub schema: Arc<Schema>,
    pub readiness: Option<Readiness>,
    /// Connection name and consumer tag, `prefix@host/pid`.
    pub name: String,
}

impl Worker {
    fn ready(&self) {
        if let Some(r) = &self.readiness {
            if let Err(e) = r.set_ready() {
                tracing::warn!(error = %e, "cannot write the readiness file");
            }
        }
    }

    fn not_ready(&self) {
        if let Some(r) = &self.readiness {
            r.set_not_ready();
        }
    }
}

/// Run until shutdown (Ok) or a fatal broker error. Transient failures reconnect with backoff.
pub async fn run(worker: Worker, mut shutdown: watch::Receiver<bool>) -> Result<(), BrokerError> {
    let mut backoff = Backoff::from_settings(&worker.settings.amqp);
    loop {
        if *shutdown.borrow() {
            return Ok(());
        }
        let result = session(&worker, &mut shutdown, &mut backoff).await;
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
async fn requested(rx: &mut watch::Receiver<bool>) {
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
) -> Result<(), BrokerError> {
    let conn = tokio::select! {
        c = connection::connect(&w.settings.amqp, &w.name) => c?,
        _ = requested(shutdown) => return Ok(()),
    };
    tracing::info!(connection = %w.name, "connected to RabbitMQ");
    let result = consume(w, &conn, shutdown, backoff).await;
    let _ = timeout(Duration::from_millis(500), conn.close(200, "OK".into())).await;
    result
}

async fn consume(
    w: &Worker,
    conn: &Connection,
    shutdown: &mut watch::Receiver<bool>,
    backoff: &mut Backoff,
) -> Result<(), BrokerError> {
    let s = &w.settings;
    let consume_ch = conn
        .create_channel()
        .await
        .map_err(lost("opening a channel"))?;
    topology::declare(&consume_ch, &s.queues).await?;
    let publish_ch = conn
        .create_channel()
        .await
        .map_err(lost("opening a channel"))?;
    publish_ch
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(lost("enabling publisher confirms"))?;
    consume_ch
        .basic_qos(s.worker.prefetch, BasicQosOptions::default())
        .await
        .map_err(lost("setting prefetch"))?;
    let mut consumer = consume_ch
        .basic_consume(
            s.queues.requests.as_str().into(),
            w.name.as_str().into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(lost("starting the consumer"))?;
    tracing::info!(queue = %s.queues.requests, prefetch = s.worker.prefetch, "consuming");
    w.ready();
    backoff.reset();
    let refresh = Duration::from_millis((s.worker.readiness_stale_ms / 3).max(100));
    let mut tick = tokio::time::interval(refresh);
    let wait = Duration::from_millis(s.worker.batch_wait_ms);
    let channels = (&consume_ch, &publish_ch);
    // Unacked requests are bounded by prefetch, so batches in the pipeline are too; the channel depth
    // only has to be large enough that submitting never waits in normal operation.
    let depth = usize::from(s.worker.prefetch) / s.worker.batch_size.max(1) + 2;
    let mut pipeline = Pipeline::start(consume_ch.clone(), depth);
    loop {
        let next = tokio::select! {
            biased;
            _ = requested(shutdown) => return drain(w, &mut consumer, channels, pipeline).await,
            e = pipeline.failed() => return Err(e),
            _ = tick.tick() => { w.ready(); continue; }
            next = consumer.next() => next,
        };
        let first = match next {
            Some(Ok(d)) => d,
            Some(Err(e)) => return Err(BrokerError::lost("consuming", &e)),
            None => return Err(cancelled()),
        };
        let (batch, ended) = gather(&mut consumer, first, s.worker.batch_size, wait).await?;
        process(w, channels.1, &mut pipeline, batch).await?;
        if ended {
            // Settle what was answered before giving the rest back to the broker.
            let _ = timeout(Duration::from_secs(5), pipeline.finish()).await;
            return Err(cancelled());
        }
    }
}

fn lost(what: &'static str) -> impl Fn(lapin::Error) -> BrokerError {
    move |e| BrokerError::lost(what, &e)
}

fn cancelled() -> BrokerError {
    BrokerError::Lost("the broker cancelled the consumer (was the request queue deleted?)".into())
}

/// Add deliveries to `first` until `max` or until `wait` has passed. `true` when the consumer ended.
async fn gather(
    consumer: &mut Consumer,
    first: Delivery,
    max: usize,
    wait: Duration,
) -> Result<(Vec<Delivery>, bool), BrokerError> {
    let mut batch = Vec::with_capacity(max.min(1024));
    batch.push(first);
    let deadline = Instant::now() + wait;
    while batch.len() < max {
        match timeout_at(deadline, consumer.next()).await {
            Err(_) => break,
            Ok(Some(Ok(d))) => batch.push(d),
            Ok(Some(Err(e))) => return Err(BrokerError::lost("consuming", &e)),
            Ok(None) => return Ok((batch, true)),
        }
    }
    Ok((batch, false))
}

/// Request bytes below which a batch is predicted on the async thread: spawning a blocking task costs
/// more than parsing and predicting a few kilobytes of rows.
const INLINE_BYTES: usize = 32 * 1024;

fn respond(model: &Model, schema: &Schema, batch: &[Delivery]) -> Vec<protocol::Reply> {
    let messages: Vec<Message> = batch
        .iter()
        .map(|d| Message {
            body: &d.data,
            content_type: d.properties.content_type().as_ref().map(|c| c.as_str()),
        })
        .collect();
    protocol::respond_guarded(|b| model.predict(b), schema, &messages)
}

/// Predict one micro-batch (small ones inline, larger ones on a blocking thread), publish the replies
/// and hand the batch to the settler, which acks it once its confirms arrive.
async fn process(
    w: &Worker,
    publish_ch: &Channel,
    pipeline: &mut Pipeline,
    batch: Vec<Delivery>,
) -> Result<(), BrokerError> {
    let bytes: usize = batch.iter().map(|d| d.data.len()).sum();
    let (batch, replies) = if bytes <= INLINE_BYTES {
        let replies = respond(&w.model, &w.schema, &batch);
        (batch, replies)
    } else {
        let model = Arc::clone(&w.model);
        let schema = Arc::clone(&w.schema);
        tokio::task::spawn_blocking(move || {
            let replies = respond(&model, &schema, &batch);
            (batch, replies)
        })
        .await
        .map_err(|e| BrokerError::Other(format!("the prediction task failed: {e}")))?
    };
    for (d, r) in batch.iter().zip(&replies) {
        if let Some(code) = r.error {
            tracing::info!(
                delivery_tag = d.delivery_tag,
                code,
                "request rejected with an error reply"
            );
        }
    }
    let published =
        settle::publish(publish_ch, &w.settings.queues.results, &batch, &replies).await?;
    pipeline.submit(published).await
}

/// Shutdown: stop consuming, answer what was already delivered, then close, all within the deadline.
async fn drain(
    w: &Worker,
    consumer: &mut Consumer,
    channels: (&Channel, &Channel),
    mut pipeline: Pipeline,
) -> Result<(), BrokerError> {
    w.not_ready();
    let s = &w.settings.worker;
    let deadline = Instant::now() + Duration::from_millis(s.shutdown_deadline_ms);
    let work = async {
        channels
            .0
            .basic_cancel(w.name.as_str().into(), BasicCancelOptions::default())
            .await
            .map_err(|e| BrokerError::lost("cancelling the consumer", &e))?;
        let wait = Duration::from_millis(s.batch_wait_ms);
        let mut answered = 0;
        while let Some(next) = consumer.next().await {
            let first = next.map_err(|e| BrokerError::lost("draining", &e))?;
            let (batch, ended) = gather(consumer, first, s.batch_size, wait).await?;
            answered += batch.len();
            process(w, channels.1, &mut pipeline, batch).await?;
            if ended {
                break;
            }
        }
        let settled = pipeline.finish().await?;
        tracing::debug!(?settled, "pipeline settled");
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
    let _ = timeout(
        Duration::from_millis(500),
        channels.1.close(200, "OK".into()),
    )
    .await;
    let _ = timeout(
        Duration::from_millis(500),
        channels.0.close(200, "OK".into()),
    )
    .await;
    Ok(())
}
