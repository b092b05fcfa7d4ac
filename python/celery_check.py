#!/usr/bin/env python3
"""A plain Celery client checking predict-worker end to end (run by tests/celery.rs).

Sends every case of --cases (JSON: {"cases": [{"args": [...], "kwargs": {...}, "expected": RESULT}]}) with
``app.send_task("predict", args, kwargs).get()`` one at a time and requires each result to equal the
expected one exactly. With --checks it also requires: a bad request raises ValueError naming the problem,
an expired task is REVOKED, an unknown task name raises NotRegistered naming it, a pickled task body
fails, ``group(...)`` of 100 tasks collects every result, and ``ignore_result=True`` publishes nothing.

With --publish-first N it publishes the first N cases (declaring the queue, as Celery does) before
waiting for any result, then creates --signal FILE: the caller starts the worker only after that.

Prints one JSON summary line; exits 1 on the first mismatch, naming it.
"""

import argparse
import json
import sys
import time
from datetime import datetime, timedelta, timezone

from celery import Celery, group
from celery.exceptions import NotRegistered, TaskRevokedError


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672//")
    p.add_argument("--queue", required=True)
    p.add_argument("--task", default="predict")
    p.add_argument("--cases", required=True, help="JSON file of cases with expected results")
    p.add_argument("--checks", action="store_true", help="also check errors, expiry, groups, ignore_result")
    p.add_argument("--publish-first", type=int, default=0)
    p.add_argument("--signal", help="file created once --publish-first tasks are published")
    p.add_argument("--timeout", type=float, default=20.0)
    return p.parse_args()


def fail(message):
    print(f"celery_check: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def expect_raises(what, exc_type, call, must_contain):
    try:
        value = call()
    except exc_type as e:
        text = f"{e!r} {e}"
        for needle in must_contain:
            if needle not in text:
                fail(f"{what}: {exc_type.__name__} {text!r} does not mention {needle!r}")
        return text
    except Exception as e:  # noqa: BLE001 - the wrong exception is the failure being reported
        fail(f"{what}: raised {type(e).__name__}: {e}, expected {exc_type.__name__}")
    fail(f"{what}: returned {value!r}, expected {exc_type.__name__}")


def main():
    args = parse_args()
    with open(args.cases, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    app = Celery(broker=args.amqp_url, backend="rpc://")
    app.conf.task_default_queue = args.queue
    app.conf.broker_connection_retry_on_startup = False

    def send(case, **options):
        return app.send_task(args.task, args=case.get("args"), kwargs=case.get("kwargs"), **options)

    def check(i, case, got):
        if got != case["expected"]:
            fail(f"case {i}: {json.dumps(case)[:300]} -> {got!r}, expected {case['expected']!r}")

    summary = {"tasks": 0}
    start = 0
    if args.publish_first:
        early = [send(c) for c in cases[: args.publish_first]]
        if args.signal:
            open(args.signal, "w").close()
        for i, r in enumerate(early):
            check(i, cases[i], r.get(timeout=60))
        start = len(early)
        summary["published_first"] = len(early)
    latencies = []
    for i, case in enumerate(cases[start:], start):
        t0 = time.perf_counter()
        got = send(case).get(timeout=args.timeout)
        latencies.append(time.perf_counter() - t0)
        check(i, case, got)
    summary["tasks"] = len(cases)
    if latencies:
        latencies.sort()
        summary["p50_ms"] = round(1000 * latencies[len(latencies) // 2], 3)

    if args.checks:
        row = cases[0]["args"][0] if cases[0].get("args") else cases[0]["kwargs"]["features"]
        text = expect_raises("bad request", ValueError,
                             lambda: send({"args": [[1.0, 2.0, 3.0]]}).get(timeout=args.timeout),
                             ["wrong_feature_count", "got 3"])
        summary["bad_request"] = text
        expect_raises("unknown feature name", ValueError,
                      lambda: send({"kwargs": {"features": {"no_such_feature": 1.0}}}).get(timeout=args.timeout),
                      ["no_such_feature"])
        expired = send({"args": [row]}, expires=datetime.now(timezone.utc) - timedelta(seconds=30))
        expect_raises("expired task", TaskRevokedError, lambda: expired.get(timeout=args.timeout), ["expired"])
        if expired.state != "REVOKED":
            fail(f"expired task: state {expired.state}, expected REVOKED")
        summary["expired_state"] = expired.state
        unknown = app.send_task("no.such.task", args=[row])
        summary["unknown"] = expect_raises("unknown task", NotRegistered,
                                           lambda: unknown.get(timeout=args.timeout), ["no.such.task"])
        pickled = app.send_task(args.task, args=[row], serializer="pickle")
        expect_raises("pickled body", ValueError, lambda: pickled.get(timeout=args.timeout), ["pickled_task"])
        eta = send({"args": [row]}, countdown=60)
        expect_raises("countdown", ValueError, lambda: eta.get(timeout=args.timeout), ["eta_not_supported"])
        many = cases[:100]
        results = group(app.signature(args.task, args=c.get("args"), kwargs=c.get("kwargs")) for c in many)()
        got = results.get(timeout=60)
        if len(got) != len(many):
            fail(f"group: {len(got)} results for {len(many)} tasks")
        for i, (case, value) in enumerate(zip(many, got)):
            check(i, case, value)
        summary["group"] = len(got)
        # ignore_result: the task is run (and acked) but no result is published; a later task's result
        # still arrives, so the ignored one did not block anything.
        send({"args": [row]}, ignore_result=True)
        check(0, cases[0], send(cases[0]).get(timeout=args.timeout))
        summary["ignore_result"] = "ok"
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
