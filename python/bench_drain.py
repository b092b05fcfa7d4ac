"""Drain benchmark: pre-fill a request queue, start one worker, time until every reply is in the results queue.

Usage (RabbitMQ on 127.0.0.1:5672, guest/guest):
    python3 python/bench_drain.py target/release/predict-worker outputs/best_model.pkl 20000 1
    python3 python/bench_drain.py target/release/predict-worker outputs/best_model.pkl 3000 100

Arguments: the worker binary, the model, the number of requests, rows per request. Extra KEY=VALUE arguments are
passed to the worker's environment (e.g. PREDICT_WORKER__WORKER__BATCH_SIZE=128). Requests are built from the
model's `<model>.sample.jsonl`. The measured time includes the worker's start-up (model load, connect, declare).
It also reports the CPU seconds RabbitMQ (beam.smp) and the worker used during the drain. Queues it makes are
private (random suffix) and deleted at the end.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import pika


def cpu_and_faults(pid: int) -> tuple[float, int]:
    """CPU seconds (user + system) and minor page faults so far, from one read of /proc/PID/stat."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[7])


def peak_rss_mib(pid: int) -> float:
    line = next(l for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def main() -> None:
    exe, model, n, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    extra = dict(a.split("=", 1) for a in sys.argv[5:])
    sid = uuid.uuid4().hex[:8]
    req, res, dead = f"drain.{sid}.req", f"drain.{sid}.res", f"drain.{sid}.dead"
    ready = os.path.join(tempfile.mkdtemp(), "ready")
    env = dict(
        os.environ,
        PREDICT_WORKER__QUEUES__RESULTS=res,
        PREDICT_WORKER__QUEUES__DEAD_LETTER_EXCHANGE=dead,
        PREDICT_WORKER__QUEUES__DEAD_LETTER_QUEUE=dead,
        PREDICT_WORKER__WORKER__READINESS_FILE=ready,
        RUST_LOG="warn",
        **extra,
    )

    def start() -> subprocess.Popen:
        p = subprocess.Popen([exe, "worker", "--model", model, "--queue", req], env=env)
        deadline = time.time() + 30
        while not os.path.exists(ready):
            if p.poll() is not None or time.time() > deadline:
                sys.exit(f"the worker did not become ready (exit {p.poll()})")
            time.sleep(0.002)
        return p

    # A first start declares the topology; stop it before filling the queue.
    p = start()
    p.send_signal(signal.SIGTERM)
    p.wait()
    if os.path.exists(ready):
        os.remove(ready)

    samples = [json.loads(line) for line in open(model.replace(".pkl", ".sample.jsonl"))]
    samples = [s.get("features", s) if isinstance(s, dict) else s for s in samples]
    ch = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1")).channel()
    for i in range(n):
        if rows == 1:
            body = {"id": i, "features": samples[i % len(samples)]}
        else:
            body = {"id": i, "instances": [samples[(i * rows + k) % len(samples)] for k in range(rows)]}
        ch.basic_publish("", req, json.dumps(body).encode(), pika.BasicProperties(correlation_id=str(i)))
    while ch.queue_declare(req, passive=True).method.message_count < n:
        time.sleep(0.05)

    beam = int(subprocess.run(["pgrep", "-f", "beam.smp"], capture_output=True, text=True).stdout.split()[0])
    b0, _ = cpu_and_faults(beam)
    t0 = time.time()
    p = start()
    while ch.queue_declare(res, passive=True).method.message_count < n:
        time.sleep(0.005)
    dt = time.time() - t0
    (b1, _), (wc, faults) = cpu_and_faults(beam), cpu_and_faults(p.pid)
    peak = peak_rss_mib(p.pid)
    p.send_signal(signal.SIGTERM)
    p.wait()
    left = ch.queue_declare(req, passive=True).method.message_count
    for q in (req, f"{req}.retry", res, dead):
        ch.queue_delete(q)
    ch.exchange_delete(dead)
    print(
        f"drain {n} x {rows} rows: {n / dt:.0f} msg/s ({dt:.2f} s incl. start-up) left={left} "
        f"rabbitmq_cpu={b1 - b0:.2f}s worker_cpu={wc:.2f}s ({wc / (n * rows) * 1e6:.2f} us/row) "
        f"worker_page_faults={faults} worker_peak_rss={peak:.0f}MiB"
    )


if __name__ == "__main__":
    main()
