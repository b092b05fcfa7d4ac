//! TODO(helper): `predict-worker predict`.

use clap::Args;

use super::CliError;

#[derive(Debug, Args)]
pub struct PredictArgs {}

pub fn run(args: PredictArgs) -> Result<(), CliError> {
    let _ = args;
    Err(CliError::Failed("predict is not implemented yet".into()))
}
