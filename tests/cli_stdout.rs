//! Every subcommand that writes stdout survives a reader that went away (`| head`): no panic, no error
//! message, exit 0. And `bench --input` with a file that does not exist is an error naming the file,
//! not a silent run on zero rows. `send` needs RabbitMQ on 127.0.0.1:5672 (fails, never skips, without).

mod cleanup;
mod support;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use support::{model_path, root, Names, WorkerProcess};

/// Run the binary with stdout a pipe whose read end is already closed, as after `| head` quit.
fn with_closed_stdout(args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let mut child = Command::new(env!("CARGO_BIN_EXE_predict-worker"))
        .current_dir(root())
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn predict-worker");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        // The child may stop reading once its stdout is gone: a write error here is fine.
        let _ = pipe.write_all(text.as_bytes());
    }
    child.wait_with_output().expect("output")
}

fn assert_quiet_success(what: &str, out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{what} panicked:\n{err}");
    assert_eq!(out.status.code(), Some(0), "{what}:\n{err}");
    assert!(
        !err.contains("error"),
        "{what} reported a closed pipe as an error:\n{err}"
    );
}

#[test]
fn a_closed_stdout_ends_inspect_predict_and_bench_quietly() {
    let model = model_path();
    let model = model.to_str().unwrap();
    assert_quiet_success(
        "inspect --json",
        &with_closed_stdout(&["inspect", "--json", "--model", model], None),
    );
    assert_quiet_success(
        "inspect",
        &with_closed_stdout(&["inspect", "--model", model], None),
    );
    let sample = std::fs::read_to_string(root().join("outputs/best_model.sample.jsonl")).unwrap();
    assert_quiet_success(
        "predict",
        &with_closed_stdout(&["predict", "--model", model], Some(&sample)),
    );
    assert_quiet_success(
        "bench --offline",
        &with_closed_stdout(
            &[
                "bench",
                "--offline",
                "--model",
                model,
                "--requests",
                "10",
                "--rows-per-request",
                "10",
            ],
            None,
        ),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_ends_send_quietly() {
    let names = Names::new("sendpipe");
    let _delete = cleanup::DeleteOnDrop(names.clone());
    let client = support::Client::connect().await;
    let mut worker = WorkerProcess::spawn(&names, &[]);
    worker.wait_ready(Duration::from_secs(20));
    let input = root().join("outputs/best_model.sample.jsonl");
    let out = with_closed_stdout(
        &[
            "send",
            "--amqp-url",
            support::URL,
            "--queue",
            &names.requests,
            "--input",
            input.to_str().unwrap(),
            "--timeout",
            "10",
        ],
        None,
    );
    assert_quiet_success("send", &out);
    worker.terminate(Duration::from_secs(9));
    client.cleanup(&names).await;
}

#[test]
fn bench_with_a_missing_input_file_names_it_and_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_predict-worker"))
        .current_dir(root())
        .args(["bench", "--offline", "--requests", "10", "--model"])
        .arg(model_path())
        .arg("--input")
        .arg(&missing)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&missing.display().to_string()), "{err}");
    assert!(out.stdout.is_empty(), "bench ran anyway");
}
