//! The `predict-worker` binary: parse the command line, run the chosen subcommand, map errors to exit codes.

fn main() -> std::process::ExitCode {
    predict_worker::cli::main()
}
