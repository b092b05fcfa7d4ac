//! TODO(helper): `predict-worker inspect`.

use clap::Args;

use super::CliError;

#[derive(Debug, Args)]
pub struct InspectArgs {}

pub fn run(args: InspectArgs) -> Result<(), CliError> {
    let _ = args;
    Err(CliError::Failed("inspect is not implemented yet".into()))
}
