//! The telemetry endpoint (axum, on `telemetry.metrics_addr`): `/metrics` in the Prometheus text
//! format, `/healthz` (the process answers) and `/readyz` (200 while the model is loaded, the consumer
//! runs and no shutdown signal came; 503 otherwise).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;

use super::metrics::Metrics;
use crate::config::ConfigError;

/// The Prometheus text exposition format's content type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Clone)]
struct Endpoint {
    metrics: Arc<Metrics>,
    render: PrometheusHandle,
}

/// Listen on `addr` (`telemetry.metrics_addr`). A port in use or an address this host does not have
/// is a configuration error that names the setting.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ConfigError> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| ConfigError::BadValue {
            key: "telemetry.metrics_addr".into(),
            message: format!(
                "cannot listen on {addr}: {e}; choose a free port, or set it to \"\" to turn the \
                 endpoint off (PREDICT_WORKER__TELEMETRY__METRICS_ADDR)"
            ),
        })
}

/// The routes, for [`serve`] and for tests.
pub fn router(metrics: Arc<Metrics>, render: PrometheusHandle) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .with_state(Endpoint { metrics, render })
}

/// Serve until the runtime stops. Runs on its own task, so a scrape never waits for the consumer and
/// `/readyz` keeps answering (503) while the worker drains.
pub fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    render: PrometheusHandle,
) -> tokio::task::JoinHandle<()> {
    let upkeep = render.clone();
    tokio::spawn(async move {
        // Without scrapes, histogram samples would pile up; upkeep folds them in.
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            upkeep.run_upkeep();
        }
    });
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router(metrics, render)).await {
            tracing::warn!(error = %e, "the telemetry endpoint stopped");
        }
    })
}

async fn scrape(State(e): State<Endpoint>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], e.render.render())
}

async fn ready(State(e): State<Endpoint>) -> (StatusCode, &'static str) {
    if e.metrics.is_ready() {
        (StatusCode::OK, "ready\n")
    } else if e.metrics.is_draining() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: draining after a shutdown signal\n",
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: no consumer running (starting, or reconnecting to RabbitMQ)\n",
        )
    }
}
