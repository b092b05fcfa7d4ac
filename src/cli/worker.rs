//! TODO(helper): `predict-worker worker`.

use clap::Args;

use super::CliError;

#[derive(Debug, Args)]
pub struct WorkerArgs {}

pub fn run(args: WorkerArgs) -> Result<(), CliError> {
    let _ = args;
    Err(CliError::Failed("worker is not implemented yet".into()))
}
