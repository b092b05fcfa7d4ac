//! `bench` against the real broker: the closed loop against a spawned worker and the echo consumer in
//! one run (with their ratio), the open loop (`--rate`) on the echo target (the figures are parsed
//! from the output and must be sane), and `--transient` (the delivery mode of the requests it sends).

mod support;

use std::process::{Command, Output};

/// Run `bench` with the shipped model against the test broker, whatever its exit.
fn run_bench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_predict-worker"))
        .current_dir(support::root())
        .arg("bench")
        .args([
            "--model",
            "outputs/best_model.pkl",
            "--amqp-url",
            support::URL,
        ])
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run bench")
}

fn bench(args: &[&str]) -> String {
    let out = run_bench(args);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "bench {args:?} failed (RabbitMQ must run on 127.0.0.1:5672):\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The figures of the row for `target`: msg/s, rows/s, p50, p90, p99, p99.9, max, errors.
fn row(out: &str, target: &str) -> Vec<f64> {
    let line = out
        .lines()
        .find(|l| l.split_whitespace().next() == Some(target))
        .unwrap_or_else(|| panic!("no {target} row in:\n{out}"));
    line.split_whitespace()
        .skip(1)
        .map(|x| x.parse().expect("number"))
        .collect()
}

fn sane(figures: &[f64], out: &str) {
    assert_eq!(figures.len(), 8, "{out}");
    assert!(figures[0] > 0.0, "msg/s: {out}");
    let (p50, p90, p99, p999, max) = (figures[2], figures[3], figures[4], figures[5], figures[6]);
    assert!(
        0.0 < p50 && p50 <= p90 && p90 <= p99 && p99 <= p999 && p999 <= max,
        "{out}"
    );
    assert_eq!(figures[7], 0.0, "no errors: {out}");
}

#[test]
fn closed_loop_against_worker_and_echo_reports_both_and_their_ratio() {
    let out = bench(&[
        "--spawn-worker",
        "--target",
        "both",
        "--requests",
        "300",
        "--in-flight",
        "4",
    ]);
    sane(&row(&out, "worker"), &out);
    sane(&row(&out, "echo"), &out);
    assert!(out.contains("worker / echo:"), "{out}");
}

#[test]
fn open_loop_keeps_its_schedule() {
    let out = bench(&["--target", "echo", "--requests", "300", "--rate", "600"]);
    assert!(out.contains("open loop: 300 requests"), "{out}");
    let echo = row(&out, "echo");
    sane(&echo, &out);
    // 300 requests at 600/s take about half a second: the achieved rate follows the schedule.
    assert!(
        echo[0] > 300.0 && echo[0] < 700.0,
        "achieved {} msg/s:\n{out}",
        echo[0]
    );
}

/// `--transient` publishes requests with delivery mode 1; without it they are persistent (2). Nobody
/// answers here: the bench gives up after its timeout, and the requests it left are read back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_flag_sets_the_requests_delivery_mode() {
    use lapin::options::{QueueDeclareOptions, QueueDeleteOptions};
    use lapin::types::FieldTable;

    let client = support::Client::connect().await;
    for (flags, mode) in [(&["--transient"][..], 1), (&[][..], 2)] {
        let queue = format!("test.bench.mode.{}", uuid::Uuid::new_v4().simple());
        client
            .ch
            .queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions::durable(),
                FieldTable::default(),
            )
            .await
            .expect("declare the request queue");
        let mut args = vec!["--queue", &queue, "--requests", "3", "--in-flight", "3"];
        args.extend(["--timeout", "1"]);
        args.extend(flags);
        assert!(
            !run_bench(&args).status.success(),
            "no consumer answers, so bench {args:?} must time out"
        );
        let left = client.drain_until(&queue, 3).await;
        let modes: Vec<_> = left.iter().map(|m| *m.properties.delivery_mode()).collect();
        assert_eq!(modes, vec![Some(mode); 3], "bench {args:?}");
        client
            .ch
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await
            .expect("delete the request queue");
    }
}
