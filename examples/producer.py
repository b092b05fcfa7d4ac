#!/usr/bin/env python3
"""A Python producer for predict-worker, the way a pika user would write one.

Publishes a few requests for the shipped model (named features, from outputs/best_model.sample.jsonl)
to the request queue with reply_to + correlation_id and publisher confirms, waits for the replies on an
exclusive reply queue, and prints them. Exits non-zero if any reply is missing within --timeout, or if a
prediction differs from outputs/best_model.expected.jsonl (when that file is present).

    python3 examples/producer.py                       # local broker, queue predict.requests
    python3 examples/producer.py --queue my.queue --count 3 --timeout 10
"""

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

import pika

ROOT = Path(__file__).resolve().parent.parent


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--amqp-url", default=os.environ.get("PREDICT_WORKER__AMQP__URL", "amqp://guest:guest@127.0.0.1:5672/%2f"))
    p.add_argument("--queue", default=os.environ.get("PREDICT_WORKER__QUEUES__REQUESTS", "predict.requests"))
    p.add_argument("--requests", type=Path, default=ROOT / "outputs" / "best_model.sample.jsonl",
                   help="JSONL requests to send (default: the shipped model's samples)")
    p.add_argument("--expected", type=Path, default=ROOT / "outputs" / "best_model.expected.jsonl",
                   help="JSONL expected replies, compared by id (skipped if the file is absent)")
    p.add_argument("--count", type=int, default=5, help="how many requests to send")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for all replies")
    return p.parse_args()


def load_jsonl(path, limit=None):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line))
            if limit is not None and len(out) >= limit:
                break
    return out


def main():
    args = parse_args()
    requests = load_jsonl(args.requests, args.count)
    if not requests:
        print(f"no requests in {args.requests}", file=sys.stderr)
        return 2

    conn = pika.BlockingConnection(pika.URLParameters(args.amqp_url))
    ch = conn.channel()
    ch.confirm_delivery()  # basic_publish now waits for the broker's ack
    # Fail clearly if no worker has declared the queue yet (passive declare does not create it).
    try:
        ch.queue_declare(queue=args.queue, passive=True)
    except pika.exceptions.ChannelClosedByBroker as e:
        print(f"queue {args.queue!r} does not exist ({e}); start a worker first", file=sys.stderr)
        return 1
    # A private reply queue: server-named, exclusive, deleted when we disconnect.
    reply_queue = ch.queue_declare(queue="", exclusive=True, auto_delete=True).method.queue

    replies = {}

    def on_reply(_ch, _method, props, body):
        replies[props.correlation_id] = json.loads(body)

    ch.basic_consume(queue=reply_queue, on_message_callback=on_reply, auto_ack=True)

    order = []
    for req in requests:
        corr = str(uuid.uuid4())
        order.append(corr)
        ch.basic_publish(
            exchange="",
            routing_key=args.queue,
            body=json.dumps(req).encode(),
            properties=pika.BasicProperties(
                content_type="application/json",
                delivery_mode=pika.DeliveryMode.Persistent,
                correlation_id=corr,
                reply_to=reply_queue,
            ),
            mandatory=True,  # an unroutable request raises instead of vanishing
        )

    deadline = time.monotonic() + args.timeout
    while len(replies) < len(order) and time.monotonic() < deadline:
        conn.process_data_events(time_limit=min(0.5, max(0.0, deadline - time.monotonic())))
    conn.close()

    expected = {}
    if args.expected.exists():
        expected = {r.get("id"): r for r in load_jsonl(args.expected)}

    failures = 0
    for corr, req in zip(order, requests):
        reply = replies.get(corr)
        if reply is None:
            failures += 1
            print(json.dumps({"id": req.get("id"), "error": {"code": "no_reply", "message": f"no reply within {args.timeout} s"}}))
            continue
        print(json.dumps(reply))
        want = expected.get(req.get("id"))
        if "error" in reply:
            failures += 1
            print(f"request {req.get('id')!r} got an error reply: {reply['error']}", file=sys.stderr)
        elif want is not None and reply.get("prediction") != want.get("prediction"):
            failures += 1
            print(f"request {req.get('id')!r}: prediction {reply.get('prediction')!r}, expected {want.get('prediction')!r}", file=sys.stderr)

    missing = len(order) - len(replies)
    if missing:
        print(f"{missing} of {len(order)} replies missing after {args.timeout} s on queue {args.queue!r}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
