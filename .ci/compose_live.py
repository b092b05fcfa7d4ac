#!/usr/bin/env python3
"""Helpers for .ci/compose-live: request files, reply checks and the RabbitMQ management HTTP API.

Standard library only. The management API is reached on 127.0.0.1 at LIVE_MGMT_PORT with LIVE_USER and
LIVE_PASS (basic auth takes the password literally, whatever characters it holds).
"""
import base64
import json
import os
import random
import sys
import time
import urllib.request


def api(path):
    auth = base64.b64encode(f"{os.environ['LIVE_USER']}:{os.environ['LIVE_PASS']}".encode()).decode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{os.environ['LIVE_MGMT_PORT']}/api/{path}",
        headers={"Authorization": "Basic " + auth},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.load(resp)


def make_requests(n, sample, out):
    """n requests cycling over the sample rows, each numeric feature scaled by 0.8-1.2 (seeded)."""
    rows = [json.loads(line) for line in open(sample) if line.strip()]
    rnd = random.Random(7)
    with open(out, "w") as f:
        for i in range(int(n)):
            feats = {
                k: round(v * rnd.uniform(0.8, 1.2), 5) if isinstance(v, (int, float)) else v
                for k, v in rows[i % len(rows)]["features"].items()
            }
            f.write(json.dumps({"id": f"r-{i}", "features": feats}) + "\n")


def compare(got, expected):
    """Replies must equal the offline predictions, one per request, in order. Prints `lost=N wrong=N`."""
    want = [json.loads(line) for line in open(expected) if line.strip()]
    have = [json.loads(line) for line in open(got) if line.strip()]
    by_id = {}
    for reply in have:
        by_id.setdefault(reply.get("id"), reply)
    lost = sum(1 for w in want if w["id"] not in by_id)
    wrong = sum(1 for w in want if w["id"] in by_id and by_id[w["id"]] != w)
    extra = len(have) - len(by_id)
    print(f"requests={len(want)} replies={len(have)} lost={lost} wrong={wrong} duplicates={extra}")
    return 0 if lost == 0 and wrong == 0 and len(have) == len(want) else 1


def consumers(n, timeout, queue="predict.requests"):
    """Wait until `queue` has exactly n consumers and n predict-worker connections; print their names."""
    deadline = time.time() + float(timeout)
    last = None
    while time.time() < deadline:
        try:
            q = api(f"queues/%2f/{queue}")
            conns = [
                c.get("client_properties", {}).get("connection_name", "")
                for c in api("connections")
            ]
            names = sorted(c for c in conns if c.startswith("predict-worker@"))
            last = (q.get("consumers"), names)
            if q.get("consumers") == int(n) and len(names) == int(n):
                print(f"consumers={q['consumers']} connections={' '.join(names)}")
                return 0
        except Exception as e:  # broker restarting: keep polling until the deadline
            last = repr(e)
        time.sleep(1)
    print(f"want {n} consumers and connections, last seen: {last}", file=sys.stderr)
    return 1


def delivered():
    """{connection name: messages delivered} over the channels of predict-worker connections."""
    names = {
        c["name"]: c.get("client_properties", {}).get("connection_name", "")
        for c in api("connections")
    }
    out = {}
    for ch in api("channels"):
        name = names.get(ch["connection_details"]["name"], "")
        if name.startswith("predict-worker@"):
            out[name] = out.get(name, 0) + ch.get("message_stats", {}).get("deliver_get", 0)
    return out


def spread(before_file, total, timeout, min_share):
    """Wait for the management stats to count `total` more deliveries; each replica must have served at
    least min_share of them."""
    before = json.load(open(before_file))
    deadline = time.time() + float(timeout)
    while True:
        now = delivered()
        diff = {k: v - before.get(k, 0) for k, v in now.items()}
        if sum(diff.values()) >= int(total) or time.time() > deadline:
            break
        time.sleep(1)
    print("per replica: " + " ".join(f"{k.split('@')[1]}={v}" for k, v in sorted(diff.items())))
    if sum(diff.values()) < int(total):
        print(f"stats counted {sum(diff.values())} < {total} deliveries", file=sys.stderr)
        return 1
    low = [k for k, v in diff.items() if v < float(min_share) * int(total)]
    if low:
        print(f"replicas below {min_share} of the load: {low}", file=sys.stderr)
        return 1
    return 0


def main():
    cmd, *args = sys.argv[1:]
    if cmd == "make-requests":
        make_requests(*args)
        return 0
    if cmd == "compare":
        return compare(*args)
    if cmd == "consumers":
        return consumers(*args)
    if cmd == "delivered":
        json.dump(delivered(), sys.stdout)
        return 0
    if cmd == "spread":
        return spread(*args)
    if cmd == "free-ports":
        import socket

        socks = [socket.socket() for _ in range(int(args[0]))]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        print(" ".join(str(s.getsockname()[1]) for s in socks))
        return 0
    print(f"unknown command {cmd}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
