//! Writing to stdout without panicking: `println!` panics when stdout is a closed pipe (`| head`).
//! Every subcommand writes through here or maps its write errors with [`CliError::io`]; `cli::main`
//! then ends a run whose reader went away quietly, with exit 0 (see [`CliError::is_broken_pipe`]).

use std::io::Write;

use super::CliError;

/// Write `text` to stdout and flush it.
pub fn write(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::io("writing to stdout", e))
}
