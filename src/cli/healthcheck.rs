//! `predict-worker healthcheck`: exit 0 when the worker in this container is ready (its readiness
//! file is fresh), exit 6 otherwise. No shell, curl or network needed, so it fits distroless images.

use std::time::Duration;

use clap::Args;

use super::{CliError, ConfigArgs};
use crate::config::{Overrides, Settings};

#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
}

pub fn run(args: HealthcheckArgs) -> Result<(), CliError> {
    let settings = Settings::load(args.config.config.as_deref(), &Overrides::default())?;
    let path = &settings.worker.readiness_file;
    if path.as_os_str().is_empty() {
        return Err(CliError::Unhealthy(
            "worker.readiness_file is empty, so readiness is not tracked; set it \
             (PREDICT_WORKER__WORKER__READINESS_FILE) to use the healthcheck"
                .into(),
        ));
    }
    let stale = Duration::from_millis(settings.worker.readiness_stale_ms);
    crate::health::check(path, stale).map_err(CliError::Unhealthy)?;
    super::stdout::write(&format!("ready: {}\n", path.display()))
}
