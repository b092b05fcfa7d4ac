//! TODO(helper): `predict-worker healthcheck`.

use clap::Args;

use super::CliError;

#[derive(Debug, Args)]
pub struct HealthcheckArgs {}

pub fn run(args: HealthcheckArgs) -> Result<(), CliError> {
    let _ = args;
    Err(CliError::Failed(
        "healthcheck is not implemented yet".into(),
    ))
}
