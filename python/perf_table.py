"""Regenerate the README's performance table: run each measurement several times and print the medians
as Markdown, with the worker's figures beside a no-op echo consumer's on the same broker (their ratio is
what stays comparable on a noisy machine).

Usage (RabbitMQ on 127.0.0.1:5672, a release build):
    cargo build --release --locked
    python3 python/perf_table.py [--runs 3] [--binary target/release/predict-worker]

Celery mode (python/celery_bench.py; needs python/requirements.txt): the same Celery client's
``send_task("predict", ...).get()`` against predict-worker and a real Celery worker (solo, prefork -c 2):
    python3 python/perf_table.py --celery [--runs 1] [--tasks 2000] [--in-flight 64] [--clients 2]

Every command it runs is printed in the table, so each figure can be reproduced by hand.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys

MODEL = "outputs/best_model.pkl"


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, RUST_LOG="warn"))
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stdout}\n{out.stderr}")
    return out.stdout


def rows_of(text):
    """The bench table's rows by target: msg/s, rows/s, p50, p90, p99, p99.9, max, errors."""
    rows = {}
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] in ("echo", "worker") and len(parts) == 9:
            rows[parts[0]] = [float(x) for x in parts[1:]]
    return rows


def median_rows(cmd, runs):
    samples = [rows_of(run(cmd)) for _ in range(runs)]
    out = {}
    for target in samples[0]:
        cols = zip(*(s[target] for s in samples))
        out[target] = [statistics.median(c) for c in cols]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--binary", default="target/release/predict-worker")
    ap.add_argument("--celery", action="store_true", help="Celery clients: predict-worker vs a Celery worker")
    ap.add_argument("--tasks", type=int, default=2000, help="--celery: tasks per throughput run")
    ap.add_argument("--in-flight", type=int, default=64, help="--celery: tasks in flight")
    ap.add_argument("--latency-tasks", type=int, default=300, help="--celery: tasks sent one at a time")
    ap.add_argument("--clients", type=int, default=2, help="--celery: Celery client processes")
    ap.add_argument("--drain-tasks", type=int, default=20000,
                    help="--celery: tasks pre-filled for predict-worker's drain (a Celery worker gets 1/20)")
    a = ap.parse_args()
    b = a.binary
    if a.celery:
        import celery_bench

        targets = ["predict-worker", "celery solo", "celery prefork -c 2"]
        figures = celery_bench.median_runs(a.runs, b, a.tasks, a.in_flight, a.latency_tasks, targets, a.drain_tasks, a.clients)
        command = " ".join(["python3 python/perf_table.py --celery", f"--runs {a.runs}", f"--tasks {a.tasks}",
                            f"--in-flight {a.in_flight}", f"--latency-tasks {a.latency_tasks}",
                            f"--drain-tasks {a.drain_tasks}", f"--clients {a.clients}"])
        print(f"median of {a.runs} runs; " + celery_bench.table(figures, command))
        return
    base = [b, "bench", "--spawn-worker", "--model", MODEL, "--target", "both"]
    cases = [
        ("closed loop, 1 row per request, 1,000 in flight", ["--requests", "20000", "--in-flight", "1000"]),
        ("closed loop, 100 rows per request, 64 in flight", ["--requests", "3000", "--in-flight", "64", "--rows-per-request", "100"]),
        ("latency, 1 request in flight", ["--requests", "3000", "--in-flight", "1"]),
        ("open loop at 2,000 msg/s", ["--requests", "20000", "--rate", "2000"]),
    ]
    print(f"median of {a.runs} runs; `{' '.join(base)} …`\n")
    print("| case | flags | worker msg/s | worker rows/s | worker p50 / p99 ms | echo msg/s | echo p50 / p99 ms | worker/echo msg/s | worker/echo p50 |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, flags in cases:
        r = median_rows(base + flags, a.runs)
        w, e = r["worker"], r["echo"]
        print(
            f"| {name} | `{' '.join(flags)}` | {w[0]:,.0f} | {w[1]:,.0f} | {w[2]:.2f} / {w[4]:.2f} | "
            f"{e[0]:,.0f} | {e[2]:.2f} / {e[4]:.2f} | {w[0] / e[0]:.2f}× | {w[2] / max(e[2], 1e-9):.2f}× |"
        )
    offline = run([b, "bench", "--offline", "--model", MODEL])
    load = re.search(r"model load\s+([\d.]+) ms", offline)
    single = re.search(r"single row\s+\d+\s+([\d.]+)", offline)
    batch = re.search(r"batch of \S+\s+\d+\s+([\d.]+)", offline)
    print(
        f"\nOffline (`{b} bench --offline --model {MODEL}`): load {load.group(1)} ms, one row "
        f"{single.group(1)} µs, {batch.group(1)} µs per row in batches of 1,000."
    )


if __name__ == "__main__":
    main()
