//! TODO(helper): `predict-worker bench`.

use clap::Args;

use super::CliError;

#[derive(Debug, Args)]
pub struct BenchArgs {}

pub fn run(args: BenchArgs) -> Result<(), CliError> {
    let _ = args;
    Err(CliError::Failed("bench is not implemented yet".into()))
}
