//! `Settings::validate`: values that parse but make no sense are errors naming the key to fix.

use super::{ConfigError, Settings};

impl Settings {
    /// Check values that parse but make no sense.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, message: &str| {
            Err(ConfigError::BadValue {
                key: key.into(),
                message: message.into(),
            })
        };
        if !(self.amqp.url.starts_with("amqp://") || self.amqp.url.starts_with("amqps://")) {
            return bad("amqp.url", "must start with amqp:// or amqps://");
        }
        if !matches!(self.queues.queue_type.as_str(), "classic" | "quorum") {
            return bad("queues.queue_type", "must be \"classic\" or \"quorum\"");
        }
        if self.queues.requests.is_empty() {
            return bad("queues.requests", "must not be empty");
        }
        // AMQP names are at most 255 bytes, and the retry queue is `<requests>.retry`.
        let names = [
            (
                "queues.requests",
                self.queues.requests.len() + ".retry".len(),
            ),
            ("queues.results", self.queues.results.len()),
            (
                "queues.dead_letter_exchange",
                self.queues.dead_letter_exchange.len(),
            ),
            (
                "queues.dead_letter_queue",
                self.queues.dead_letter_queue.len(),
            ),
        ];
        if let Some((key, _)) = names.iter().find(|(_, len)| *len > 255) {
            return bad(
                key,
                "is too long: AMQP names are at most 255 bytes (249 for queues.requests, whose \
                 retry queue adds \".retry\")",
            );
        }
        if self.celery.task_name.is_empty() {
            return bad(
                "celery.task_name",
                "must not be empty (PREDICT_WORKER__CELERY__TASK_NAME)",
            );
        }
        if self.celery.plain_request_queue && self.queues.queue_type == "quorum" {
            return bad(
                "celery.plain_request_queue",
                "declares the request queue with no arguments, so it cannot be a quorum queue; \
                 set queues.queue_type = \"classic\" or celery.plain_request_queue = false",
            );
        }
        if self.worker.prefetch == 0 {
            return bad("worker.prefetch", "must be at least 1");
        }
        if self.worker.batch_size == 0 {
            return bad("worker.batch_size", "must be at least 1");
        }
        if self.worker.max_body_bytes == 0 {
            return bad("worker.max_body_bytes", "must be at least 1");
        }
        if !matches!(self.telemetry.log_format.as_str(), "text" | "json") {
            return bad(
                "telemetry.log_format",
                &format!(
                    "{:?} is not a log format; set it to \"text\" or \"json\" \
                     (PREDICT_WORKER__TELEMETRY__LOG_FORMAT)",
                    self.telemetry.log_format
                ),
            );
        }
        if let Err(message) = crate::telemetry::check_filter(&self.telemetry.log_level) {
            return bad(
                "telemetry.log_level",
                &format!("{message} (PREDICT_WORKER__TELEMETRY__LOG_LEVEL)"),
            );
        }
        let addr = self.telemetry.metrics_addr.trim();
        if !addr.is_empty() && addr.parse::<std::net::SocketAddr>().is_err() {
            return bad(
                "telemetry.metrics_addr",
                &format!(
                    "{addr:?} is not an address to listen on; write ip:port such as \"0.0.0.0:9090\" \
                     or \"127.0.0.1:9090\", or \"\" to turn the endpoint off \
                     (PREDICT_WORKER__TELEMETRY__METRICS_ADDR)"
                ),
            );
        }
        if self.amqp.reconnect_initial_ms == 0
            || self.amqp.reconnect_max_ms < self.amqp.reconnect_initial_ms
        {
            return bad(
                "amqp.reconnect_initial_ms",
                "must be at least 1 and no more than amqp.reconnect_max_ms",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
