#!/usr/bin/python3
"""100 concurrent client connections producing and consuming (raw protocol,
one thread and one socket per client).

Proves that with 100 connections open at once (kafkapg.broker_workers
counts them):
  * every client produces 5 batches of 2 records to partition i % 8 of an
    8-partition topic, all at the same time, and each gets 5 distinct base
    offsets; reading back at those offsets on its own socket gives exactly
    its own records; the partitions' high watermarks add up to 1000 and
    kafkapg.read() holds every record once;
  * 50 clients park a long-poll Fetch (max_wait_ms 10000) on their own
    partition of a 50-partition topic while the other 50 each produce one
    record to one of those partitions: every parked fetch is answered with
    its record within 2 s of the produce (not after 10 s);
  * the broker worker did not restart.
"""
import threading
import time

import kpwire as w
import kptap
from kptap import ok, psql

N = 100
T = "kp-many-clients"
RING = "kp-many-clients-ring"


def stat(column):
    return int(psql(f"SELECT sum({column}) FROM kafkapg.broker_workers"))


class Client(threading.Thread):
    def __init__(self, i, start_gate, mid_gate):
        super().__init__()
        self.i = i
        self.start_gate = start_gate
        self.mid_gate = mid_gate
        self.problems = []
        self.ring = None

    def values(self, j):
        return [f"c{self.i}-b{j}-r{k}".encode() for k in range(2)]

    def run(self):
        try:
            with w.Conn(timeout=30) as c:
                self.start_gate.wait()
                self.produce_and_read(c)
                self.mid_gate.wait()
                self.ring_phase(c)
        except Exception as e:          # noqa: BLE001 -- reported as a problem
            self.problems.append(repr(e))
            for g in (self.start_gate, self.mid_gate):
                g.abort()

    def produce_and_read(self, c):
        part = self.i % 8
        bases = []
        for j in range(5):
            r = c.produce(9, [(T, [(part, w.batch([(None, v, []) for v in self.values(j)]))])])
            p = r["topics"][T][part]
            if p["error"]:
                self.problems.append(f"produce error {p['error']}")
                return
            bases.append(p["base_offset"])
        if len(set(bases)) != 5:
            self.problems.append(f"base offsets {bases}")
        for j, base in enumerate(bases):
            f = c.fetch(12, [(T, [(part, base, 1 << 20)])])
            recs = w.records_of(f["topics"][T][part]["records"])[:2]
            got = [(r["offset"], r["value"]) for r in recs]
            want = list(zip((base, base + 1), self.values(j)))
            if got != want:
                self.problems.append(f"read at {base}: {got} != {want}")

    def ring_phase(self, c):
        if self.i < N // 2:             # consumer: park a fetch, then read the answer
            c.send(w.fetch_request(12, 999, [(RING, [(self.i, 0, 1 << 20)])],
                                   max_wait_ms=10000, min_bytes=1))
            self.ring_gate.wait()
            resp = c.recv(w.FETCH, 12)
            self.ring = (time.time(), [r["value"] for r in
                                       w.records_of(resp["topics"][RING][self.i]["records"])])
        else:                           # producer: one record to partition i - N/2
            self.ring_gate.wait()
            time.sleep(0.5)             # let every fetch park first
            self.ring = (time.time(), None)
            part = self.i - N // 2
            r = c.produce(9, [(RING, [(part, w.batch([(None, f"ring-{part}".encode(), [])]))])])
            if r["topics"][RING][part]["error"]:
                self.problems.append(f"ring produce error {r['topics'][RING][part]}")


def main():
    psql(f"SELECT kafkapg.create_topic('{T}', 8)")
    psql(f"SELECT kafkapg.create_topic('{RING}', {N // 2})")
    workers_sql = "SELECT string_agg(pid || '@' || started_at, ',') FROM kafkapg.broker_workers"
    workers_before = psql(workers_sql)
    conns_before = stat("connections")

    start_gate, mid_gate, ring_gate = (threading.Barrier(N + 1), threading.Barrier(N),
                                       threading.Barrier(N))
    clients = [Client(i, start_gate, mid_gate) for i in range(N)]
    for c in clients:
        c.ring_gate = ring_gate
        c.start()
    try:
        start_gate.wait(timeout=30)         # all N sockets are open now
        opened = stat("connections") - conns_before
    except threading.BrokenBarrierError:
        opened = None
    ok(opened is not None and opened >= N,
       f"{N} client connections open at once (broker_workers.connections +{opened})", opened)
    for c in clients:
        c.join(timeout=60)
    problems = [(c.i, c.problems[:2]) for c in clients if c.problems or c.is_alive()]
    ok(not problems, f"{N} concurrent clients each produced 5 batches and read its own records "
       "back at its base offsets", problems[:3])

    hw = psql(f"SELECT sum(high_watermark) FROM kafkapg.partitions WHERE topic = '{T}'")
    ok(hw == str(N * 10), f"high watermarks add up to {N * 10}", hw)
    rows = psql(f"SELECT count(*) || '|' || count(DISTINCT value) FROM"
                f" generate_series(0, 7) p, kafkapg.read('{T}', p, 0, 10000)")
    ok(rows == f"{N * 10}|{N * 10}", f"kafkapg.read() holds all {N * 10} records once", rows)

    produced = {c.i - N // 2: c.ring[0] for c in clients if c.i >= N // 2 and c.ring}
    late, wrong = [], []
    for c in clients[:N // 2]:
        if not c.ring or c.ring[1] != [f"ring-{c.i}".encode()]:
            wrong.append((c.i, c.ring))
        elif c.i in produced and c.ring[0] - produced[c.i] > 2.0:
            late.append((c.i, round(c.ring[0] - produced[c.i], 2)))
    ok(not wrong and not late and len(produced) == N // 2,
       f"{N // 2} parked fetches (max_wait_ms 10000) each answered with the record another "
       "client produced, within 2 s of it", (wrong[:3], late[:3]))
    ok(psql(workers_sql) == workers_before, "the broker worker did not restart",
       (workers_before, psql(workers_sql)))
    return kptap.exit_status()


if __name__ == "__main__":
    kptap.run(main)
