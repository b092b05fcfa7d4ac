//! Telemetry: logs (`logs`), the metric catalog (`catalog`), the metric handles the worker records
//! into (`metrics`) and the HTTP endpoint that serves them with `/healthz` and `/readyz` (`http`).

pub mod catalog;
pub mod http;
pub mod logs;
pub mod metrics;

pub use logs::{check_filter, directives, init, NO_BODIES, QUIET_LAPIN};
pub use metrics::{InFlight, Metrics, ModelLabels};
