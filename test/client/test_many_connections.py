#!/usr/bin/python3
"""200 concurrent client connections to kafkapg.

Proves that one broker worker serves 200 connections open at the same time:
every connection sends ApiVersions v3 and Metadata v12 (an unknown topic,
allow_auto_topic_creation false) back to back before any answer is read, and every connection gets both answers, correct and in
order (same decoder and checks as test_raw_protocol.py).  Also proves that
kafkapg.broker_workers.connections counts them (rises by exactly 200 while
they are open, returns to its previous value after they close),
broker_workers.requests grows by exactly 400, and the worker did not
restart.
"""
import sys
import time

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
from test_raw_protocol import (Short, api_versions_ok, api_versions_request, connect,
                               decode_api_versions, decode_metadata, metadata_problems,
                               metadata_request, read_response)
import test_raw_protocol

import kptap
from kptap import ok, psql

N = 200
MISSING = "kp-many-conns-missing"       # never created: Metadata v12, no auto-creation



def stat(column):
    return int(psql(f"SELECT sum({column}) FROM kafkapg.broker_workers"))


def poll(column, want, timeout=10.0):
    """Polls a broker_workers sum until it equals want; returns the last value."""
    deadline = time.time() + timeout
    while True:
        v = stat(column)
        if v == want or time.time() > deadline:
            return v
        time.sleep(0.05)


def main():
    test_raw_protocol.CLUSTER_ID = psql("SELECT kafkapg.cluster_id()")
    workers_sql = "SELECT string_agg(pid || '@' || started_at, ',') FROM kafkapg.broker_workers"
    workers_before = psql(workers_sql)
    # no other client is connected: let earlier tests' connections drain
    conns_before = poll("connections", 0, timeout=5)
    requests_before = stat("requests")

    socks = []
    try:
        for _ in range(N):
            socks.append(connect())
        ok(len(socks) == N, f"{N} connections opened")

        # Every connection sends both requests before any answer is read.
        for i, s in enumerate(socks):
            s.sendall(api_versions_request(3, 2 * i) + metadata_request(12, 2 * i + 1, [MISSING]))

        bad = []
        for i, s in enumerate(socks):
            try:
                problems = api_versions_ok(decode_api_versions(read_response(s), 3), 2 * i, 3)
                payload = read_response(s)
                if payload is None:
                    problems.append("Metadata: connection closed")
                else:
                    problems += metadata_problems(decode_metadata(payload, 12), 12, 2 * i + 1,
                                                  [(3, MISSING, None)])
            except (Short, TypeError, OSError) as e:
                problems = [repr(e)]
            if problems:
                bad.append((i, problems))
        ok(not bad, f"all {N} connections got correct ApiVersions v3 and Metadata v12 answers",
           bad[:3])

        open_count = poll("connections", conns_before + N)
        ok(open_count == conns_before + N,
           f"broker_workers.connections rose by {N} while they are open",
           f"{conns_before} -> {open_count}")
    finally:
        for s in socks:
            s.close()

    closed_count = poll("connections", conns_before)
    ok(closed_count == conns_before,
       "broker_workers.connections returned to its previous value after close",
       f"before {conns_before}, now {closed_count}")
    requests_after = stat("requests")
    ok(requests_after - requests_before == 2 * N,
       f"broker_workers.requests grew by exactly {2 * N}",
       f"{requests_before} -> {requests_after}")
    workers_after = psql(workers_sql)
    ok(workers_after == workers_before, "broker worker pid and start time unchanged",
       f"{workers_before!r} -> {workers_after!r}")

    # and the broker still answers afterwards
    with connect() as s:
        s.sendall(api_versions_request(0, 99))
        payload = read_response(s)
    problems = ["no response"] if payload is None else \
        api_versions_ok(decode_api_versions(payload, 0), 99, 0)
    ok(not problems, "a new connection is served afterwards", problems)
    return kptap.exit_status()


if __name__ == "__main__":
    kptap.run(main)
