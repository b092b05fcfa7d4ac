//! The command line: one subcommand per file, each returning a typed error that maps to a
//! documented exit code (see `exit`).

pub mod bench;
pub mod exit;
pub mod healthcheck;
pub mod inspect;
pub mod predict;
pub mod send;
pub mod stdout;
pub mod worker;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use exit::CliError;

/// Serve scikit-learn models from RabbitMQ without executing pickles.
#[derive(Debug, Parser)]
#[command(name = "predict-worker", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Consume prediction requests from RabbitMQ and publish replies.
    Worker(worker::WorkerArgs),
    /// Offline: JSONL requests on stdin, one JSONL reply per line on stdout. No broker.
    Predict(predict::PredictArgs),
    /// Publish requests (CSV, JSONL or a JSON array) and print the replies as JSONL.
    Send(send::SendArgs),
    /// Describe a model file: estimators, features, classes, version, format, sha256, load time.
    Inspect(inspect::InspectArgs),
    /// Exit 0 when the worker in this container is ready (model loaded, consumer running).
    Healthcheck(healthcheck::HealthcheckArgs),
    /// Load generator: measure offline predict speed or end-to-end throughput through RabbitMQ.
    Bench(bench::BenchArgs),
}

/// Flags shared by the commands that read configuration.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// A TOML config file layered over config/default.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Parse the process arguments and run. This is all `main` does.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of stdout is gone (`| head`): stop quietly, like other command-line tools.
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            let mut shown = err.to_string();
            eprintln!("predict-worker: error: {shown}");
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                // Most messages already quote their cause; print only what they do not say yet.
                let text = cause.to_string();
                if !shown.contains(&text) {
                    eprintln!("  caused by: {text}");
                    shown.push_str(&text);
                }
                source = cause.source();
            }
            ExitCode::from(err.exit_code())
        }
    }
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Worker(args) => worker::run(args),
        Command::Predict(args) => predict::run(args),
        Command::Send(args) => send::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Healthcheck(args) => healthcheck::run(args),
        Command::Bench(args) => bench::run(args),
    }
}
