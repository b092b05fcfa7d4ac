//! TODO(helper): `predict-worker send`.

use clap::Args;

use super::CliError;

#[derive(Debug, Args)]
pub struct SendArgs {}

pub fn run(args: SendArgs) -> Result<(), CliError> {
    let _ = args;
    Err(CliError::Failed("send is not implemented yet".into()))
}
