//! What the worker observes about each micro-batch it takes off a channel: the received counter, batch
//! size, request age (AMQP `timestamp`), the in-flight gauge, and a DEBUG span with its correlation ids.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lapin::message::Delivery;

use crate::telemetry::InFlight;

/// Count a micro-batch taken off a channel: received, batch size, the age of timestamped requests,
/// and the session's in-flight gauge.
pub fn received(in_flight: &InFlight, batch: &[Delivery]) {
    let metrics = in_flight.metrics();
    metrics.batch_received(batch.len());
    in_flight.add(batch.len());
    let mut now = None;
    for d in batch {
        if let Some(sent) = *d.properties.timestamp() {
            let now = *now.get_or_insert_with(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
            });
            metrics.request_age(now.saturating_sub(Duration::from_secs(sent)));
        }
    }
}

/// The correlation ids (else message ids) of a batch, comma-separated, written only when a log
/// line or span actually shows them.
pub struct CorrelationIds<'a>(pub &'a [Delivery]);

impl std::fmt::Display for CorrelationIds<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for d in self.0 {
            let p = &d.properties;
            if let Some(id) = p.correlation_id().as_ref().or(p.message_id().as_ref()) {
                if !first {
                    f.write_str(",")?;
                }
                f.write_str(id.as_str())?;
                first = false;
            }
        }
        Ok(())
    }
}

/// A DEBUG span for one micro-batch, carrying its size and correlation ids.
pub fn batch_span(lane: &str, batch: &[Delivery]) -> tracing::Span {
    let span = tracing::debug_span!(
        "batch",
        queue = lane,
        size = batch.len(),
        correlation_ids = tracing::field::Empty
    );
    if !span.is_disabled() {
        span.record(
            "correlation_ids",
            tracing::field::display(CorrelationIds(batch)),
        );
    }
    span
}
