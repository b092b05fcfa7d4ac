"""Celery mode of python/perf_table.py: the same Celery client load against predict-worker and against a
real Celery worker (python/celery_reference_worker.py, --pool=solo and --pool=prefork -c 2), each on a
fresh private queue, side by side in one run.

For each target:
  * drain (the worker's capacity, whatever the client costs): a queue pre-filled with --drain-tasks Celery
    protocol v2 task messages (made by Celery's own ``app.amqp.as_task_v2``, ``reply_to`` a queue of ours)
    is served by a freshly started worker; tasks/s from its first result to its last;
then, started again and warmed up, from --clients Celery client processes started together:
  * throughput: --tasks ``send_task("predict", args=[ROW]).get()`` calls in all, --in-flight at a time per
    client (each result collected with ``AsyncResult.get()``, oldest first); tasks/s and p50/p99 of
    send-to-result;
  * latency: --latency-tasks calls one at a time; p50/p99 of ``send_task(...).get()``.
Rows are the shipped samples by feature name. Every target's results are checked equal to predict-worker's.
"""

import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import deque
from pathlib import Path

import pika
from celery import Celery

ROOT = Path(__file__).resolve().parent.parent
URL = "amqp://guest:guest@127.0.0.1:5672//"


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100 * len(s)))] * 1000


def consumers(queue):
    try:
        conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1"))
        try:
            return conn.channel().queue_declare(queue, passive=True).method.consumer_count
        finally:
            conn.close()
    except pika.exceptions.ChannelClosedByBroker:
        return 0


def start(target, queue, binary, workdir):
    env = dict(os.environ, OMP_NUM_THREADS="1", RUST_LOG="warn")
    if target == "predict-worker":
        env.update(
            PREDICT_WORKER__CELERY__PLAIN_REQUEST_QUEUE="true",
            PREDICT_WORKER__QUEUES__RESULTS=f"{queue}.res",
            PREDICT_WORKER__QUEUES__DEAD_LETTER_EXCHANGE=f"{queue}.dead",
            PREDICT_WORKER__QUEUES__DEAD_LETTER_QUEUE=f"{queue}.dead",
            PREDICT_WORKER__WORKER__READINESS_FILE=str(Path(workdir) / "ready"),
        )
        cmd = [binary, "worker", "--model", "outputs/best_model.pkl", "--queue", queue]
        cwd = ROOT
    else:
        pool = ["--pool=solo"] if target == "celery solo" else ["--pool=prefork", "-c", "2"]
        env.update(CELERY_QUEUE=queue)
        cmd = [sys.executable, "-m", "celery", "-A", "celery_reference_worker", "worker", *pool, "-Q", queue,
               "-l", "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        cwd = ROOT / "python"
    log = open(Path(workdir) / f"{uuid.uuid4().hex[:6]}.log", "w")
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 60
    while consumers(queue) < 1:
        if p.poll() is not None or time.time() > deadline:
            sys.exit(f"{target} did not start (exit {p.poll()}), see {log.name}")
        time.sleep(0.1)
    return p


def stop(p):
    os.killpg(p.pid, signal.SIGTERM)
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()


def closed_loop(queue, rows, tasks, in_flight, start_at):
    """One client process: warm up, wait for the common start, then ``tasks`` calls with ``in_flight``
    outstanding. Returns (start, end, latencies, results)."""
    app = Celery(broker=URL, backend="rpc://")
    app.conf.task_default_queue = queue
    send = lambda i: app.send_task("predict", args=[rows[i % len(rows)]])  # noqa: E731
    results = {}
    for i in range(20):  # warm-up (and the first declarations)
        results[i % len(rows)] = send(i).get(timeout=60)
    time.sleep(max(0.0, start_at - time.time()))
    window, latencies = deque(), []
    t0 = time.time()
    for i in range(tasks):
        window.append((time.perf_counter(), i, send(i)))
        while window and (len(window) >= in_flight or i == tasks - 1):
            sent, j, r = window.popleft()
            results[j % len(rows)] = r.get(timeout=120)
            latencies.append(time.perf_counter() - sent)
    end = time.time()
    app.close()
    return t0, end, latencies, results


def measure(queue, rows, tasks, in_flight, latency_tasks, clients):
    start_at = time.time() + 3  # every client warmed up and connected by then
    if clients == 1:
        runs = [closed_loop(queue, rows, tasks, in_flight, start_at)]
    else:
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(clients) as pool:
            args = [(queue, rows, tasks // clients, in_flight, start_at + 3)] * clients
            runs = pool.starmap(closed_loop, args)
    begin, end = min(r[0] for r in runs), max(r[1] for r in runs)
    latencies = [x for r in runs for x in r[2]]
    results = runs[0][3]
    app = Celery(broker=URL, backend="rpc://")
    app.conf.task_default_queue = queue
    single = []
    for i in range(latency_tasks):
        t = time.perf_counter()
        app.send_task("predict", args=[rows[i % len(rows)]]).get(timeout=60)
        single.append(time.perf_counter() - t)
    app.close()
    return {
        "tasks_per_s": len(latencies) / (end - begin),
        "p50_ms": pct(latencies, 50),
        "p99_ms": pct(latencies, 99),
        "one_p50_ms": pct(single, 50),
        "one_p99_ms": pct(single, 99),
        "results": results,
    }


def drain(target, queue, binary, workdir, rows, n):
    app = Celery(broker=URL, backend="rpc://")
    replies = f"{queue}.replies"
    conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1"))
    ch = conn.channel()
    ch.queue_declare(queue, durable=True)  # as a Celery client declares it
    ch.queue_declare(replies, durable=True)
    for i in range(n):
        task_id = str(uuid.uuid4())
        m = app.amqp.as_task_v2(task_id, "predict", args=[rows[i % len(rows)]])
        props = pika.BasicProperties(content_type="application/json", content_encoding="utf-8",
                                     headers=m.headers, correlation_id=task_id, reply_to=replies, delivery_mode=2)
        ch.basic_publish("", queue, json.dumps(m.body).encode(), props)
    while ch.queue_declare(queue, passive=True).method.message_count < n:
        time.sleep(0.05)
    p = start(target, queue, binary, workdir)
    try:
        first = last = None
        deadline = time.time() + 600
        while True:
            done = ch.queue_declare(replies, passive=True).method.message_count
            now = time.perf_counter()
            if done and first is None:
                first = (now, done)
            if done >= n:
                last = (now, done)
                break
            if time.time() > deadline:
                sys.exit(f"{target}: {done} of {n} results after 600 s")
            time.sleep(0.005)
        method, _, body = ch.basic_get(replies, auto_ack=True)
        status = json.loads(body)["status"]
        if status != "SUCCESS":
            sys.exit(f"{target}: drain result {body[:300]!r}")
    finally:
        stop(p)
        ch.queue_delete(replies)
        conn.close()
        app.close()
    return (last[1] - first[1]) / max(last[0] - first[0], 1e-9)


def cleanup(queue):
    ch = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1")).channel()
    for q in (queue, f"{queue}.retry", f"{queue}.res", f"{queue}.dead"):
        ch.queue_delete(q)
    for e in (queue, f"{queue}.dead"):
        ch.exchange_delete(e)


def run(binary, tasks, in_flight, latency_tasks, targets, drain_tasks, clients):
    rows = [json.loads(line)["features"] for line in open(ROOT / "outputs" / "best_model.sample.jsonl")]
    out, reference = {}, None
    workdir = tempfile.mkdtemp(prefix="celery-bench-")
    for target in targets:
        queue = f"bench.celery.{uuid.uuid4().hex[:8]}"
        n = drain_tasks if target == "predict-worker" else max(200, drain_tasks // 20)
        try:
            drained = drain(target, queue, binary, workdir, rows, n)
        finally:
            cleanup(queue)
        p = start(target, queue, binary, workdir)
        try:
            figures = measure(queue, rows, tasks, in_flight, latency_tasks, clients)
        finally:
            stop(p)
            cleanup(queue)
        results = figures.pop("results")
        reference = reference or results
        if not same(results, reference):
            sys.exit(f"{target} answered differently: {results} vs {reference}")
        out[target] = {"drain_tasks_per_s": drained, **figures}
        print(f"{target}: " + json.dumps({k: round(v, 2) for k, v in figures.items()}), file=sys.stderr)
    return out


def same(a, b):
    """Results equal up to float rounding (scikit-learn vs predict-worker probabilities)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return abs(a - b) <= 1e-9
    return a == b


def table(figures, command):
    lines = [
        f"`{command}`",
        "",
        "| worker | drain tasks/s | send_task().get() tasks/s | p50 ms | p99 ms | one at a time: p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for target, f in figures.items():
        lines.append(
            f"| {target} | {f['drain_tasks_per_s']:,.0f} | {f['tasks_per_s']:,.0f} | {f['p50_ms']:.1f} | {f['p99_ms']:.1f} "
            f"| {f['one_p50_ms']:.2f} | {f['one_p99_ms']:.2f} |"
        )
    base = figures.get("celery prefork -c 2")
    ours = figures.get("predict-worker")
    if base and ours:
        lines += ["", f"predict-worker / Celery prefork -c 2: **{ours['drain_tasks_per_s'] / base['drain_tasks_per_s']:.1f}×** "
                  f"drain tasks/s, {ours['tasks_per_s'] / base['tasks_per_s']:.1f}× send_task().get() tasks/s."]
    return "\n".join(lines)


def median_runs(runs, *args):
    samples = [run(*args) for _ in range(runs)]
    return {
        t: {k: statistics.median(s[t][k] for s in samples) for k in samples[0][t]}
        for t in samples[0]
    }
