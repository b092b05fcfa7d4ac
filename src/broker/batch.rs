//! A micro-batch: every delivery already buffered (never waiting for more unless `batch_wait_ms` asks),
//! and what to send for each, from one guarded model call for the fresh ones.

use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use lapin::message::Delivery;
use lapin::Consumer;
use tokio::time::{timeout_at, Instant};

use super::placement::Placement;
use super::route::Retry;
use super::settle::{Lane, Plan};
use super::{celery, fault, BrokerError};
use crate::model::Model;
use crate::protocol::{self, Message, Schema};
use crate::telemetry::Metrics;

/// Add to `first` every delivery already buffered, up to `max`, without waiting; then, only when
/// `wait` is non-zero, keep adding until `max` or until `wait` has passed. `true` when the consumer ended.
pub(super) async fn gather(
    consumer: &mut Consumer,
    first: Delivery,
    max: usize,
    wait: Duration,
) -> Result<(Vec<Delivery>, bool), BrokerError> {
    let mut batch = Vec::with_capacity(max.min(1024));
    batch.push(first);
    while batch.len() < max {
        match consumer.next().now_or_never() {
            None => break,
            Some(Some(Ok(d))) => batch.push(d),
            Some(Some(Err(e))) => return Err(BrokerError::lost("consuming", &e)),
            Some(None) => return Ok((batch, true)),
        }
    }
    if wait.is_zero() {
        return Ok((batch, false));
    }
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

/// Replies for `batch`, in order, from one guarded model call; Celery tasks (a `task` header) answer
/// to the task name `serves` and share the call with native requests. The time in the model and the
/// rows it predicted go to `metrics` (once per batch, when it predicted anything).
fn respond<'a>(
    model: &Model,
    schema: &Schema,
    metrics: &Metrics,
    serves: &'a str,
    batch: impl Iterator<Item = &'a Delivery> + Clone,
) -> Vec<protocol::Reply> {
    let messages: Vec<Message> = batch
        .clone()
        .map(|d| Message {
            body: &d.data,
            content_type: d.properties.content_type().as_ref().map(|c| c.as_str()),
        })
        .collect();
    // Only a batch holding a Celery task pays for the task list.
    let tasks: Vec<_> = if batch.clone().any(|d| celery::is_task(&d.properties)) {
        batch.map(|d| celery::task(&d.properties, serves)).collect()
    } else {
        Vec::new()
    };
    let (took, rows, calls) = (Cell::new(Duration::ZERO), Cell::new(0), Cell::new(0u32));
    let timed = |b: &crate::model::Batch| {
        let started = std::time::Instant::now();
        let out = model.predict(b);
        took.set(took.get() + started.elapsed());
        calls.set(calls.get() + 1);
        if out.is_ok() {
            rows.set(rows.get() + b.values.nrows());
        }
        out
    };
    let replies = protocol::respond_tasks_guarded(timed, schema, &messages, &tasks);
    if calls.get() > 0 {
        metrics.predicted(rows.get(), took.get());
    }
    replies
}

/// What to send for each delivery of a batch: fresh ones are predicted together; redelivered ones
/// (their worker died or lost the broker while holding them) go to the retry lane unpredicted.
fn plan(
    model: &Model,
    schema: &Schema,
    metrics: &Metrics,
    serves: &str,
    batch: &[Delivery],
) -> Vec<Plan> {
    let fresh = || batch.iter().filter(|d| !d.redelivered);
    fault::abort_if_marked(fresh());
    let mut replies = respond(model, schema, metrics, serves, fresh()).into_iter();
    batch
        .iter()
        .map(|d| {
            let reply = (!d.redelivered).then(|| replies.next()).flatten();
            reply.map_or(Plan::Again(Retry::Redelivered), Plan::Reply)
        })
        .collect()
}

/// [`plan`] for `batch`, run where `placement` puts it (inline, or on a blocking thread for a batch that
/// could hold up the runtime); the batch comes back with its plans.
pub(super) async fn plan_placed(
    placement: &mut Placement,
    model: &Arc<Model>,
    schema: &Arc<Schema>,
    lane: &Lane,
    batch: Vec<Delivery>,
) -> Result<(Vec<Delivery>, Vec<Plan>), BrokerError> {
    let bytes = batch.iter().map(|d| d.data.len()).sum();
    let (model, schema) = (Arc::clone(model), Arc::clone(schema));
    let (in_flight, routes) = (Arc::clone(&lane.in_flight), Arc::clone(&lane.routes));
    placement
        .run(bytes, move || {
            let plans = plan(
                &model,
                &schema,
                in_flight.metrics(),
                &routes.celery_task,
                &batch,
            );
            (batch, plans)
        })
        .await
}
