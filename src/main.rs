//! The `predict-worker` binary: parse the command line, run the chosen subcommand, map errors to exit codes.

/// mimalloc keeps freed pages for reuse; with glibc's allocator every micro-batch's buffers were fresh
/// pages (page faults were about a quarter of the worker's CPU on 100-row requests).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    predict_worker::cli::main()
}
