//! Unit tests of the metric handles: what a render shows after each recording call.

use std::time::{Duration, Instant};

use super::*;

fn labels() -> ModelLabels {
    ModelLabels {
        estimator: "Pipeline".into(),
        sha256: "ab".repeat(32),
        sklearn_version: "1.9.1".into(),
        format: "pickle".into(),
    }
}

/// The value of the one sample line that starts with `series` (name plus labels).
fn value(text: &str, series: &str) -> f64 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .collect();
    assert_eq!(lines.len(), 1, "{series} in:\n{text}");
    lines[0][series.len() + 1..].trim().parse().expect("number")
}

#[test]
fn every_catalog_metric_is_exported_before_anything_happens() {
    let (_m, handle) = Metrics::prometheus(&labels());
    let text = handle.render();
    for d in METRICS {
        assert!(
            text.contains(&format!("# TYPE {} {}", d.name, d.kind.as_str())),
            "{} missing:\n{text}",
            d.name
        );
    }
    for code in CODES {
        let series =
            format!("predict_worker_requests_settled_total{{outcome=\"error\",code=\"{code}\"}}");
        assert_eq!(value(&text, &series), 0.0);
    }
    assert_eq!(value(&text, "predict_worker_ready"), 0.0);
    assert!(text.contains("estimator=\"Pipeline\""), "{text}");
    assert!(text.contains(&format!("version=\"{}\"", env!("CARGO_PKG_VERSION"))));
}

#[test]
fn recordings_show_up_under_their_labels() {
    let (m, handle) = Metrics::prometheus(&labels());
    let m = Arc::new(m);
    m.batch_received(3);
    m.predicted(5, Duration::from_millis(2));
    m.settled_ok();
    m.settled_ok();
    m.settled_error("invalid_json");
    m.settled_error("not_a_code");
    m.settled_error("not_registered");
    m.settled_requeued();
    m.settled_dead_lettered();
    m.reply_refused();
    m.set_connected(true, false);
    m.set_connected(true, true);
    m.blocked_for(Duration::from_millis(1500));
    m.blocked_for(Duration::from_millis(600));
    let text = handle.render();
    let settled = |labels: &str| {
        value(
            &text,
            &format!("predict_worker_requests_settled_total{{{labels}}}"),
        )
    };
    assert_eq!(value(&text, "predict_worker_requests_received_total"), 3.0);
    assert_eq!(settled("outcome=\"ok\""), 2.0);
    assert_eq!(settled("outcome=\"error\",code=\"invalid_json\""), 1.0);
    assert_eq!(settled("outcome=\"error\",code=\"internal_error\""), 1.0);
    assert_eq!(settled("outcome=\"error\",code=\"not_registered\""), 1.0);
    assert_eq!(settled("outcome=\"requeued\""), 1.0);
    assert_eq!(settled("outcome=\"dead_lettered\""), 1.0);
    assert_eq!(value(&text, "predict_worker_rows_predicted_total"), 5.0);
    assert_eq!(value(&text, "predict_worker_predict_seconds_count"), 1.0);
    assert_eq!(value(&text, "predict_worker_batch_size_sum"), 3.0);
    assert_eq!(value(&text, "predict_worker_reconnects_total"), 1.0);
    assert_eq!(value(&text, "predict_worker_connected"), 1.0);
    assert_eq!(value(&text, "predict_worker_replies_refused_total"), 1.0);
    assert_eq!(value(&text, "predict_worker_blocked_seconds_total"), 2.0);
}

#[test]
fn in_flight_returns_to_zero_when_settled_or_when_the_session_ends() {
    let (m, handle) = Metrics::prometheus(&labels());
    let m = Arc::new(m);
    let session = InFlight::new(Arc::clone(&m));
    session.add(5);
    session.done(Instant::now(), 2);
    assert_eq!(value(&handle.render(), "predict_worker_in_flight"), 3.0);
    drop(session);
    let text = handle.render();
    assert_eq!(value(&text, "predict_worker_in_flight"), 0.0);
    assert_eq!(value(&text, "predict_worker_message_seconds_count"), 2.0);
}

#[test]
fn draining_wins_over_ready() {
    let (m, handle) = Metrics::prometheus(&labels());
    m.set_ready(true);
    assert!(m.is_ready());
    assert_eq!(value(&handle.render(), "predict_worker_ready"), 1.0);
    m.set_draining();
    m.set_ready(true);
    assert!(!m.is_ready());
    assert_eq!(value(&handle.render(), "predict_worker_ready"), 0.0);
    let off = Metrics::noop();
    off.set_ready(true);
    assert!(
        off.is_ready(),
        "readiness is tracked with the endpoint off too"
    );
}
