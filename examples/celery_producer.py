#!/usr/bin/env python3
"""A plain Celery client calling predict-worker: nothing predict-worker specific but the task name.

Sends the shipped model's samples (outputs/best_model.sample.jsonl) as ``send_task("predict", args=[ROW])``,
then all of them as one batch (``kwargs={"instances": [...]}``), with results over ``rpc://``, and prints
each result. Exits non-zero if a result is missing within --timeout or differs from
outputs/best_model.expected.jsonl (when that file is present).

The worker must serve the queue with celery.plain_request_queue = true, because a Celery client declares
the queue itself, with no arguments (see the README, "Celery clients"):

    PREDICT_WORKER__QUEUES__REQUESTS=celery PREDICT_WORKER__CELERY__PLAIN_REQUEST_QUEUE=true \\
        predict-worker worker --model outputs/best_model.pkl
    python3 examples/celery_producer.py                 # queue "celery", Celery's default
    python3 examples/celery_producer.py --queue my.queue --timeout 10
"""

import argparse
import json
import os
import sys
from pathlib import Path

from celery import Celery

ROOT = Path(__file__).resolve().parent.parent


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--amqp-url", default=os.environ.get("PREDICT_WORKER__AMQP__URL", "amqp://guest:guest@127.0.0.1:5672/%2f"))
    p.add_argument("--queue", default="celery", help="the worker's request queue (Celery's default: celery)")
    p.add_argument("--task", default="predict", help="the worker's celery.task_name")
    p.add_argument("--requests", type=Path, default=ROOT / "outputs" / "best_model.sample.jsonl")
    p.add_argument("--expected", type=Path, default=ROOT / "outputs" / "best_model.expected.jsonl")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each result")
    return p.parse_args()


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    args = parse_args()
    requests = load_jsonl(args.requests)
    expected = {r["id"]: r for r in load_jsonl(args.expected)} if args.expected.exists() else {}

    app = Celery(broker=args.amqp_url, backend="rpc://")
    app.conf.task_default_queue = args.queue

    failures = 0
    # One row per task, by feature name.
    for req in requests:
        result = app.send_task(args.task, args=[req["features"]]).get(timeout=args.timeout)
        print(json.dumps(result))
        want = expected.get(req.get("id"))
        if want is not None and result.get("prediction") != want.get("prediction"):
            failures += 1
            print(f"{req['id']}: prediction {result.get('prediction')!r}, expected {want['prediction']!r}", file=sys.stderr)
    # Every row in one task.
    rows = [r["features"] for r in requests]
    batch = app.send_task(args.task, kwargs={"instances": rows}).get(timeout=args.timeout)
    print(json.dumps(batch))
    want = [expected[r["id"]]["prediction"] for r in requests if r.get("id") in expected]
    if len(want) == len(rows) and batch.get("predictions") != want:
        failures += 1
        print(f"batch: predictions {batch.get('predictions')!r}, expected {want!r}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
