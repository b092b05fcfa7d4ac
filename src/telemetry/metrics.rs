//! The worker's metric handles, registered once from the catalog: the hot path only bumps atomics
//! (`metrics` handles, one counter pre-built per error code), with no lock, no label formatting and
//! no lookup by name. Without `telemetry.metrics_addr` every handle is a no-op.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use metrics::{Counter, Gauge, Histogram, Key, Label, Level, Metadata, Recorder, SharedString};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::catalog::{self, Kind, METRICS};
use crate::protocol::error::CODES;

/// Histogram buckets (upper bounds, base units).
const PREDICT_BUCKETS: &[f64] = &[
    0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025,
    0.05, 0.1, 0.25, 0.5, 1.0,
];
const MESSAGE_BUCKETS: &[f64] = &[
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
const AGE_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0];
const BATCH_BUCKETS: &[f64] = &[
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
];

/// The labels of `predict_worker_model_info`.
#[derive(Clone, Debug, Default)]
pub struct ModelLabels {
    pub estimator: String,
    pub sha256: String,
    pub sklearn_version: String,
    pub format: String,
}

/// Every handle the worker records into, plus the readiness state `/readyz` answers from.
#[derive(Debug)]
pub struct Metrics {
    received: Counter,
    ok: Counter,
    requeued: Counter,
    dead_lettered: Counter,
    /// One `outcome="error"` counter per entry of [`CODES`], in that order.
    errors: Vec<Counter>,
    rows: Counter,
    predict: Histogram,
    message: Histogram,
    batch: Histogram,
    age: Histogram,
    in_flight: Gauge,
    connected: Gauge,
    ready_gauge: Gauge,
    reconnects: Counter,
    replies_refused: Counter,
    blocked: Counter,
    blocked_ms: AtomicU64,
    ready: AtomicBool,
    draining: AtomicBool,
}

impl Metrics {
    /// Handles that record nothing (the endpoint is off); readiness is still tracked.
    pub fn noop() -> Self {
        Self::with(
            |_, _| Counter::noop(),
            |_| Gauge::noop(),
            |_| Histogram::noop(),
        )
    }

    /// A Prometheus recorder with every catalog metric registered and described, the info gauges set,
    /// and the handle that renders them. The recorder is not installed globally: only these handles
    /// write to it.
    pub fn prometheus(model: &ModelLabels) -> (Self, PrometheusHandle) {
        let recorder = [
            (catalog::PREDICT_SECONDS, PREDICT_BUCKETS),
            (catalog::MESSAGE_SECONDS, MESSAGE_BUCKETS),
            (catalog::REQUEST_AGE_SECONDS, AGE_BUCKETS),
            (catalog::BATCH_SIZE, BATCH_BUCKETS),
        ]
        .into_iter()
        .fold(PrometheusBuilder::new(), |b, (name, buckets)| {
            b.set_buckets_for_metric(Matcher::Full(name.into()), buckets)
                .expect("bucket lists are non-empty (checked at compile time)")
        })
        .build_recorder();
        for d in METRICS {
            let help = SharedString::const_str(d.help);
            match d.kind {
                Kind::Counter => recorder.describe_counter(d.name.into(), None, help),
                Kind::Gauge => recorder.describe_gauge(d.name.into(), None, help),
                Kind::Histogram => recorder.describe_histogram(d.name.into(), None, help),
            }
        }
        let meta = Metadata::new(module_path!(), Level::INFO, None);
        let key = |name: &'static str, labels: &[(&'static str, String)]| {
            let labels: Vec<Label> = labels
                .iter()
                .map(|(k, v)| Label::new(*k, v.clone()))
                .collect();
            Key::from_parts(name, labels)
        };
        let metrics = Self::with(
            |name, labels| recorder.register_counter(&key(name, labels), &meta),
            |name| recorder.register_gauge(&key(name, &[]), &meta),
            |name| recorder.register_histogram(&key(name, &[]), &meta),
        );
        let info = [
            ("estimator", model.estimator.clone()),
            ("sha256", model.sha256.clone()),
            ("sklearn_version", model.sklearn_version.clone()),
            ("format", model.format.clone()),
        ];
        recorder
            .register_gauge(&key(catalog::MODEL_INFO, &info), &meta)
            .set(1.0);
        let version = [("version", env!("CARGO_PKG_VERSION").to_string())];
        recorder
            .register_gauge(&key(catalog::BUILD_INFO, &version), &meta)
            .set(1.0);
        (metrics, recorder.handle())
    }

    fn with(
        counter: impl Fn(&'static str, &[(&'static str, String)]) -> Counter,
        gauge: impl Fn(&'static str) -> Gauge,
        histogram: impl Fn(&'static str) -> Histogram,
    ) -> Self {
        let settled = |outcome: &str| {
            counter(
                catalog::REQUESTS_SETTLED,
                &[("outcome", outcome.to_string())],
            )
        };
        let errors = CODES
            .iter()
            .map(|code| {
                counter(
                    catalog::REQUESTS_SETTLED,
                    &[("outcome", "error".into()), ("code", code.to_string())],
                )
            })
            .collect();
        let ready_gauge = gauge(catalog::READY);
        ready_gauge.set(0.0);
        Metrics {
            received: counter(catalog::REQUESTS_RECEIVED, &[]),
            ok: settled("ok"),
            requeued: settled("requeued"),
            dead_lettered: settled("dead_lettered"),
            errors,
            rows: counter(catalog::ROWS_PREDICTED, &[]),
            predict: histogram(catalog::PREDICT_SECONDS),
            message: histogram(catalog::MESSAGE_SECONDS),
            batch: histogram(catalog::BATCH_SIZE),
            age: histogram(catalog::REQUEST_AGE_SECONDS),
            in_flight: gauge(catalog::IN_FLIGHT),
            connected: gauge(catalog::CONNECTED),
            ready_gauge,
            reconnects: counter(catalog::RECONNECTS, &[]),
            replies_refused: counter(catalog::REPLIES_REFUSED, &[]),
            blocked: counter(catalog::BLOCKED_SECONDS, &[]),
            blocked_ms: AtomicU64::new(0),
            ready: AtomicBool::new(false),
            draining: AtomicBool::new(false),
        }
    }

    /// A micro-batch of `n` requests taken off a channel.
    pub fn batch_received(&self, n: usize) {
        self.received.increment(n as u64);
        self.batch.record(n as f64);
    }

    /// A request that carried the AMQP timestamp property, `age` old on arrival.
    pub fn request_age(&self, age: Duration) {
        self.age.record(age.as_secs_f64());
    }

    /// One micro-batch's model time, and the rows it predicted.
    pub fn predicted(&self, rows: usize, took: Duration) {
        self.rows.increment(rows as u64);
        self.predict.record(took.as_secs_f64());
    }

    pub fn settled_ok(&self) {
        self.ok.increment(1);
    }

    /// An error reply with `code` (one of [`CODES`]; anything else counts as `internal_error`).
    pub fn settled_error(&self, code: &str) {
        let at = |code: &str| CODES.iter().position(|c| *c == code);
        let i = at(code).or_else(|| at("internal_error"));
        if let Some(counter) = i.and_then(|i| self.errors.get(i)) {
            counter.increment(1);
        }
    }

    pub fn settled_requeued(&self) {
        self.requeued.increment(1);
    }

    pub fn settled_dead_lettered(&self) {
        self.dead_lettered.increment(1);
    }

    /// `n` requests acked (or rejected) `took` after they were taken off the channel.
    pub fn messages_done(&self, took: Duration, n: usize) {
        if n > 0 {
            self.message.record_many(took.as_secs_f64(), n);
        }
    }

    pub fn in_flight_add(&self, n: u64) {
        self.in_flight.increment(n as f64);
    }

    pub fn in_flight_sub(&self, n: u64) {
        self.in_flight.decrement(n as f64);
    }

    /// A connection opened (`reconnect` when it is not the first) or lost.
    pub fn set_connected(&self, up: bool, reconnect: bool) {
        self.connected.set(if up { 1.0 } else { 0.0 });
        if up && reconnect {
            self.reconnects.increment(1);
        }
    }

    pub fn reply_refused(&self) {
        self.replies_refused.increment(1);
    }

    /// The broker held the connection blocked for `d`; the counter shows whole seconds.
    pub fn blocked_for(&self, d: Duration) {
        let ms = d.as_millis().min(u128::from(u64::MAX / 2)) as u64;
        let total = self.blocked_ms.fetch_add(ms, Ordering::Relaxed) + ms;
        self.blocked.absolute(total / 1000);
    }

    /// Ready when the consumer runs (and no shutdown signal came); `/readyz` and the gauge follow.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::SeqCst);
        self.ready_gauge
            .set(if self.is_ready() { 1.0 } else { 0.0 });
    }

    /// A shutdown signal arrived: not ready from now on, whatever the consumer does.
    pub fn set_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
        self.ready_gauge.set(0.0);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst) && !self.is_draining()
    }
}

/// Requests of one broker session received and not yet settled. When the session ends (its lanes and
/// settler are dropped), whatever is still unsettled goes back to the broker, so it leaves the gauge.
#[derive(Debug)]
pub struct InFlight {
    metrics: Arc<Metrics>,
    unsettled: AtomicU64,
}

impl InFlight {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        InFlight {
            metrics,
            unsettled: AtomicU64::new(0),
        }
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn add(&self, n: usize) {
        self.unsettled.fetch_add(n as u64, Ordering::Relaxed);
        self.metrics.in_flight_add(n as u64);
    }

    /// `n` requests taken off the channel at `received` are settled (acked or rejected) now.
    pub fn done(&self, received: std::time::Instant, n: usize) {
        self.metrics.messages_done(received.elapsed(), n);
        self.unsettled.fetch_sub(n as u64, Ordering::Relaxed);
        self.metrics.in_flight_sub(n as u64);
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let left = *self.unsettled.get_mut();
        if left > 0 {
            self.metrics.in_flight_sub(left);
        }
    }
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
