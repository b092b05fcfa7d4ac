//! The metric catalog: every metric the worker exports, with its kind, labels and meaning, in one table.
//! The recorder registers from it, the README's Monitoring table and the Grafana dashboard are checked
//! against it (tests/readme.rs, tests/dashboard.rs).

/// How a metric behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// One exported metric.
#[derive(Clone, Copy, Debug)]
pub struct Def {
    pub name: &'static str,
    pub kind: Kind,
    pub labels: &'static [&'static str],
    pub help: &'static str,
}

pub const REQUESTS_RECEIVED: &str = "predict_worker_requests_received_total";
pub const REQUESTS_SETTLED: &str = "predict_worker_requests_settled_total";
pub const ROWS_PREDICTED: &str = "predict_worker_rows_predicted_total";
pub const PREDICT_SECONDS: &str = "predict_worker_predict_seconds";
pub const MESSAGE_SECONDS: &str = "predict_worker_message_seconds";
pub const BATCH_SIZE: &str = "predict_worker_batch_size";
pub const REQUEST_AGE_SECONDS: &str = "predict_worker_request_age_seconds";
pub const IN_FLIGHT: &str = "predict_worker_in_flight";
pub const CONNECTED: &str = "predict_worker_connected";
pub const READY: &str = "predict_worker_ready";
pub const RECONNECTS: &str = "predict_worker_reconnects_total";
pub const REPLIES_REFUSED: &str = "predict_worker_replies_refused_total";
pub const BLOCKED_SECONDS: &str = "predict_worker_blocked_seconds_total";
pub const MODEL_INFO: &str = "predict_worker_model_info";
pub const BUILD_INFO: &str = "predict_worker_build_info";

/// The `outcome` label values of [`REQUESTS_SETTLED`]. Only `error` carries a `code` label.
pub const OUTCOMES: [&str; 4] = ["ok", "error", "requeued", "dead_lettered"];

/// Every metric, in the order the README lists them.
pub const METRICS: &[Def] = &[
    Def {
        name: REQUESTS_RECEIVED,
        kind: Kind::Counter,
        labels: &[],
        help: "Requests delivered to this worker (request queue and retry lane; a redelivery counts again).",
    },
    Def {
        name: REQUESTS_SETTLED,
        kind: Kind::Counter,
        labels: &["outcome", "code"],
        help: "Requests settled (acked or rejected) by how: ok = prediction replied; error = error reply \
               sent and the request dead-lettered, code = the reply's error code; requeued = sent round \
               the retry queue; dead_lettered = set aside without a reply (redelivery_limit, reply_refused).",
    },
    Def {
        name: ROWS_PREDICTED,
        kind: Kind::Counter,
        labels: &[],
        help: "Rows the model predicted (an instances request counts each row).",
    },
    Def {
        name: PREDICT_SECONDS,
        kind: Kind::Histogram,
        labels: &[],
        help: "Time in the model per micro-batch that predicted at least one row.",
    },
    Def {
        name: MESSAGE_SECONDS,
        kind: Kind::Histogram,
        labels: &[],
        help: "Time from the worker taking a request off the channel to its ack (or reject).",
    },
    Def {
        name: BATCH_SIZE,
        kind: Kind::Histogram,
        labels: &[],
        help: "Requests per micro-batch (retry-lane requests are batches of one).",
    },
    Def {
        name: REQUEST_AGE_SECONDS,
        kind: Kind::Histogram,
        labels: &[],
        help: "Age on arrival of requests whose producer set the AMQP timestamp property (whole-second resolution).",
    },
    Def {
        name: IN_FLIGHT,
        kind: Kind::Gauge,
        labels: &[],
        help: "Requests received and not yet settled.",
    },
    Def {
        name: CONNECTED,
        kind: Kind::Gauge,
        labels: &[],
        help: "1 while the worker holds a connection to RabbitMQ.",
    },
    Def {
        name: READY,
        kind: Kind::Gauge,
        labels: &[],
        help: "1 while the model is loaded, the consumer runs and the worker is not draining (/readyz answers 200).",
    },
    Def {
        name: RECONNECTS,
        kind: Kind::Counter,
        labels: &[],
        help: "Connections opened after the first (each one follows a lost connection).",
    },
    Def {
        name: REPLIES_REFUSED,
        kind: Kind::Counter,
        labels: &[],
        help: "Replies the broker refused (nack, e.g. a full reply queue with reject-publish).",
    },
    Def {
        name: BLOCKED_SECONDS,
        kind: Kind::Counter,
        labels: &[],
        help: "Whole seconds the broker held the connection blocked (connection.blocked: memory or disk alarm).",
    },
    Def {
        name: MODEL_INFO,
        kind: Kind::Gauge,
        labels: &["estimator", "sha256", "sklearn_version", "format"],
        help: "Always 1; the labels identify the model this worker serves.",
    },
    Def {
        name: BUILD_INFO,
        kind: Kind::Gauge,
        labels: &["version"],
        help: "Always 1; the label is the predict-worker version.",
    },
];

/// The catalog entry for `name` (histogram series may end in `_bucket`, `_sum` or `_count`).
pub fn find(series: &str) -> Option<&'static Def> {
    METRICS.iter().find(|d| {
        series == d.name
            || (d.kind == Kind::Histogram
                && ["_bucket", "_sum", "_count"]
                    .iter()
                    .any(|s| series.strip_suffix(s) == Some(d.name)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_prometheus_conventions() {
        let mut seen = std::collections::HashSet::new();
        for d in METRICS {
            assert!(seen.insert(d.name), "{} twice", d.name);
            assert!(d.name.starts_with("predict_worker_"), "{}", d.name);
            assert!(
                d.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                d.name
            );
            assert_eq!(
                d.kind == Kind::Counter,
                d.name.ends_with("_total"),
                "{}: counters and only counters end in _total",
                d.name
            );
            assert!(!d.help.is_empty());
        }
    }

    #[test]
    fn histogram_series_map_back() {
        assert_eq!(
            find("predict_worker_predict_seconds_bucket").map(|d| d.name),
            Some(PREDICT_SECONDS)
        );
        assert_eq!(
            find("predict_worker_in_flight").map(|d| d.name),
            Some(IN_FLIGHT)
        );
        assert!(find("predict_worker_in_flight_count").is_none());
        assert!(find("rabbitmq_queue_messages").is_none());
    }
}
