#!/usr/bin/python3
"""Fetch (key 1) v4-v13 and ListOffsets (key 2) v0-v7, raw protocol.

Setup: topic kp-raw-fetch (2 partitions); partition 0 gets three batches
of 3, 2 and 4 records (offsets 0-8) with known timestamps, the second batch
of 2 x 6000 bytes; partition 1 stays empty.

Proves that:
  * Fetch v4..v12 by name and v13 by the topic id from Metadata v12 return
    the same bytes for partition 0 (the three batches, valid CRCs, the
    records produced), high watermark 9, last stable offset 9,
    log_start_offset 0 (v5+), no aborted transactions, session id 0 (v7+),
    and an empty answer for the empty partition 1;
  * v13 with an unknown topic id gets UNKNOWN_TOPIC_ID (100), v12 with an
    unknown name 3, partition 5 of a 2-partition topic 3;
  * a fetch from the middle of a batch returns that whole batch (clients
    skip the records before their offset);
  * an offset past the high watermark or negative gets OFFSET_OUT_OF_RANGE
    (1) with the high watermark; at exactly the high watermark it is not an
    error and returns no records;
  * KIP-74: max_bytes or partition_max_bytes smaller than the first batch
    still return that whole first batch, and only it;  max_bytes bounds the
    whole response across partitions;
  * a fetch session id other than 0 gets FETCH_SESSION_ID_NOT_FOUND (70);
  * long poll: a Fetch with max_wait_ms 5000 parked at the end of the log is
    answered within 1 s of a produce made 1 s later, with that record; with
    nothing produced it returns empty after max_wait_ms (not before);
  * ListOffsets v0..v7: earliest (-2) 0, latest (-1) 9 (v0 in
    old_style_offsets), a timestamp between records gives the first offset
    at or after it with that record's timestamp (v1+), a timestamp after
    every record gives offset -1 (leader epoch -1); v7 max timestamp (-3)
    gives the offset and timestamp of the record with the largest timestamp
    (which is not the batch's last record: TODO, kafkapg answers the last
    offset); leader epoch 0 (v4+); unknown partition and topic 3; and
    duplicate partitions in one request get INVALID_REQUEST (42), as in
    Kafka (TODO: kafkapg answers each).
"""
import threading
import time

import kpwire as w
import kptap
from kptap import ok, psql

T = "kp-raw-fetch"
TS = 1_700_000_000_000
# (records, base timestamp, per-record timestamp deltas)
BATCHES = [
    ([(b"a0", b"first", [("h", b"1")]), (None, b"a1", []), (b"a2", None, [])], TS, [0, 10, 20]),
    ([(b"b0", b"x" * 6000, []), (b"b1", b"y" * 6000, [])], TS + 100, [0, 5]),
    # the largest timestamp (TS + 900) is on offset 6, not the last record
    ([(b"c0", b"c0", []), (b"c1", b"c1", []), (b"c2", b"c2", []), (b"c3", b"c3", [])],
     TS + 200, [0, 700, 100, 200]),
]
HW = 9


def produce_setup(c):
    raw = []
    for recs, base, deltas in BATCHES:
        b = w.batch([r + (d,) for r, d in zip(recs, deltas)], base_ts=base)
        raw.append(b)
        r = c.produce(9, [(T, [(0, b)])])
        assert r["topics"][T][0]["error"] == 0, r
    return raw


def expected_records():
    out = []
    off = 0
    for recs, base, deltas in BATCHES:
        for (k, v, h), d in zip(recs, deltas):
            out.append({"offset": off, "timestamp": base + d, "key": k, "value": v, "headers": h})
            off += 1
    return out


def with_offsets(raw, base_offsets):
    """The batches as stored: the broker writes each base offset and its
    partition leader epoch (0); the CRC covers neither."""
    return b"".join(w.i64(o) + b[8:12] + w.i32(0) + b[16:] for b, o in zip(raw, base_offsets))


def test_versions(c, raw, tid):
    stored = with_offsets(raw, [0, 3, 5])
    want = expected_records()
    for v in range(4, 14):
        key = tid if v >= 13 else T
        f = c.fetch(v, [(key, [(0, 0, 1 << 20), (1, 0, 1 << 20)])])
        p0, p1 = f["topics"][key][0], f["topics"][key][1]
        probs = []
        if p0["error"] != 0 or p0["high_watermark"] != HW or p0["last_stable_offset"] != HW:
            probs.append(f"p0 {p0['error']} hw {p0['high_watermark']} lso "
                         f"{p0['last_stable_offset']}")
        if v >= 5 and p0["log_start_offset"] != 0:
            probs.append(f"log_start_offset {p0['log_start_offset']}")
        if p0["aborted"] not in ([], None):
            probs.append(f"aborted {p0['aborted']}")
        if p0["records"] != stored:
            probs.append(f"records differ: {len(p0['records'] or b'')} bytes, want {len(stored)}")
        if w.records_of(p0["records"]) != want:
            probs.append("decoded records differ")
        if not all(b["crc_ok"] for b in w.parse_batches(p0["records"])):
            probs.append("bad CRC")
        if v >= 7 and (f["error"], f["session_id"]) != (0, 0):
            probs.append(f"error {f['error']} session {f['session_id']}")
        if p1["error"] != 0 or p1["high_watermark"] != 0 or p1["records"] not in (b"", None):
            probs.append(f"p1 {p1}")
        how = "by topic id" if v >= 13 else "by name"
        ok(not probs, f"Fetch v{v} {how}: 3 batches as stored, hw 9, empty partition 1", probs)


def test_errors(c):
    f = c.fetch(13, [(bytes(range(16)), [(0, 0, 1 << 20)])])
    ok(f["topics"].get(bytes(range(16)), {}).get(0, {}).get("error") == 100,
       "Fetch v13 unknown topic id: UNKNOWN_TOPIC_ID (100)", f)
    f = c.fetch(12, [("kp-raw-fetch-missing", [(0, 0, 1 << 20)])])
    ok(f["topics"]["kp-raw-fetch-missing"][0]["error"] == 3,
       "Fetch v12 unknown topic: UNKNOWN_TOPIC_OR_PARTITION (3)", f)
    f = c.fetch(12, [(T, [(5, 0, 1 << 20)])])
    ok(f["topics"][T][5]["error"] == 3, "Fetch partition 5 of 2: 3", f)
    for off in (HW + 1, 1000, -1):
        f = c.fetch(11, [(T, [(0, off, 1 << 20)])])
        p = f["topics"][T][0]
        ok(p["error"] == 1 and p["high_watermark"] == HW and not p["records"],
           f"Fetch at offset {off}: OFFSET_OUT_OF_RANGE (1), high watermark {HW}", p)
    f = c.fetch(11, [(T, [(0, HW, 1 << 20)])])
    p = f["topics"][T][0]
    ok(p["error"] == 0 and not p["records"],
       "Fetch at exactly the high watermark: no error, no records", p)
    f = c.fetch(12, [(T, [(0, 0, 1 << 20)])], session_id=12345, session_epoch=1)
    ok(f["error"] == 70, "Fetch with session id 12345: FETCH_SESSION_ID_NOT_FOUND (70)", f)


def batch_offsets(p):
    return [b["base_offset"] for b in w.parse_batches(p["records"])]


def test_limits(c):
    f = c.fetch(11, [(T, [(0, 4, 1 << 20)])])
    ok(batch_offsets(f["topics"][T][0]) == [3, 5],
       "Fetch from offset 4 (inside the second batch) starts with that whole batch",
       batch_offsets(f["topics"][T][0]))
    f = c.fetch(11, [(T, [(0, 3, 1 << 20)])], max_bytes=100)
    p = f["topics"][T][0]
    ok(batch_offsets(p) == [3] and len(p["records"]) > 12000,
       "KIP-74: max_bytes 100 < the 12 kB batch at offset 3: that whole batch, only it",
       (batch_offsets(p), len(p["records"] or b"")))
    f = c.fetch(11, [(T, [(0, 3, 100)])])
    p = f["topics"][T][0]
    ok(batch_offsets(p) == [3], "KIP-74: partition_max_bytes 100: the whole first batch",
       batch_offsets(p))
    f = c.fetch(11, [(T, [(0, 0, 100)])], max_bytes=100)
    ok(batch_offsets(f["topics"][T][0]) == [0],
       "max_bytes 100 from offset 0: only the first batch", batch_offsets(f["topics"][T][0]))
    # max_bytes covers the whole response: a second partition gets nothing more
    first_len = len(with_offsets([produced[0]], [0]))
    f = c.fetch(11, [(T, [(0, 0, 1 << 20)]), (T2, [(0, 0, 1 << 20)])], max_bytes=first_len)
    p, q = f["topics"][T][0], f["topics"][T2][0]
    ok(batch_offsets(p) == [0] and not q["records"] and q["high_watermark"] == 1,
       "max_bytes = first batch's size over two topics: the first batch only",
       (batch_offsets(p), q))


def test_long_poll(c):
    produced_at = []

    def later():
        time.sleep(1.0)
        with w.Conn() as c2:
            produced_at.append(time.time())
            c2.produce(9, [(T, [(1, w.batch([(b"late", b"woken", [])]))])])
    th = threading.Thread(target=later)
    th.start()
    t0 = time.time()
    f = c.fetch(11, [(T, [(1, 0, 1 << 20)])], max_wait_ms=5000, min_bytes=1)
    t1 = time.time()
    th.join()
    recs = w.records_of(f["topics"][T][1]["records"])
    lag = t1 - produced_at[0] if produced_at else None
    ok([r["value"] for r in recs] == [b"woken"],
       "long poll (max_wait_ms 5000): the record produced 1 s later is returned", recs)
    ok(lag is not None and lag < 1.0 and t1 - t0 < 2.5,
       f"long poll woken by the produce: answered {lag and round(lag, 3)} s after it "
       f"({round(t1 - t0, 3)} s after the fetch), not after 5 s", (lag, t1 - t0))
    t0 = time.time()
    f = c.fetch(11, [(T, [(1, 1, 1 << 20)])], max_wait_ms=700, min_bytes=1)
    dt = time.time() - t0
    ok(not f["topics"][T][1]["records"] and 0.65 <= dt < 2.0,
       f"long poll with nothing produced: empty answer after max_wait_ms 700 ({dt:.3f} s)", dt)
    t0 = time.time()
    f = c.fetch(11, [(T, [(1, 1, 1 << 20)])], max_wait_ms=3000, min_bytes=0)
    dt = time.time() - t0
    ok(not f["topics"][T][1]["records"] and dt < 0.5,
       f"min_bytes 0: answered at once ({dt:.3f} s) though max_wait_ms is 3000", dt)


def test_list_offsets(c):
    for v in range(8):
        targets = [(0, -2), (0, -1)]
        if v >= 1:
            targets += [(0, TS + 5), (0, TS + 101), (0, TS + 500), (0, TS + 5000)]
        # one request per lookup: Kafka refuses a partition named twice in one request
        answers = [c.list_offsets(v, [(T, [(p, t)])]) for p, t in targets]
        r = {"list": [a["list"][0] for a in answers]}
        got = []
        for name, parts in r["list"]:
            p = parts[0]
            got.append((p["error"], p["offset"], p["timestamp"]))
        want = [(0, 0, None if v == 0 else -1), (0, HW, None if v == 0 else -1)]
        if v >= 1:
            want += [(0, 1, TS + 10), (0, 4, TS + 105), (0, 6, TS + 900), (0, -1, -1)]
        epochs = [p[0]["leader_epoch"] for _, p in r["list"]]
        want_epochs = [(0 if o >= 0 else -1) if v >= 4 else None for _, o, _ in want]
        ok(got == want and epochs == want_epochs,
           f"ListOffsets v{v}: earliest 0, latest {HW}"
           + (", by timestamp: first offset at or after it, -1 past the end" if v else
              " (old_style_offsets)"), (got, want, epochs, want_epochs))
        if v == 0:
            ok(r["list"][1][1][0]["offsets"] == [HW], "ListOffsets v0: old_style_offsets [9]",
               r["list"][1][1][0])
    r = c.list_offsets(7, [(T, [(0, -3), (1, -3)])])
    p0, p1 = r["topics"][T][0], r["topics"][T][1]
    ok((p0["error"], p0["offset"], p0["timestamp"]) == (0, 6, TS + 900),
       "ListOffsets v7 max timestamp (-3): offset 6 and its timestamp (the record with the "
       "largest timestamp, not the batch's last)", p0)
    ok((p1["error"], p1["offset"], p1["timestamp"], p1["leader_epoch"]) == (0, 0, TS, 0),
       "ListOffsets v7 -3 on partition 1 (one record): offset 0, its timestamp", p1)
    r = c.list_offsets(7, [(T, [(7, -1)]), ("kp-raw-fetch-missing", [(0, -1)])])
    ok(r["topics"][T][7]["error"] == 3 and r["topics"]["kp-raw-fetch-missing"][0]["error"] == 3,
       "ListOffsets unknown partition and unknown topic: 3", r["topics"])
    r = c.list_offsets(5, [(T, [(0, -1), (0, -2)])])
    codes = [p["error"] for p in r["list"][0][1]]
    ok(codes == [42, 42], "ListOffsets v5 with partition 0 twice: INVALID_REQUEST (42) for both",
       r["list"])


T2 = "kp-raw-fetch-second"
produced = []


def main():
    psql(f"SELECT kafkapg.create_topic('{T}', 2)")
    psql(f"SELECT kafkapg.create_topic('{T2}', 1)")
    with w.Conn() as c:
        produced.extend(produce_setup(c))
        c.produce(9, [(T2, [(0, w.batch([(b"k", b"v", [])]))])])
        md = c.metadata(12, [T])
        tid = md["topics"][0]["topic_id"]
        ok(tid == w.topic_id(psql, T), "Metadata v12 topic id equals kafkapg.topics.topic_id",
           (tid, w.topic_id(psql, T)))
        test_versions(c, produced, tid)
        test_errors(c)
        test_limits(c)
        test_long_poll(c)
        test_list_offsets(c)
    return kptap.exit_status()


if __name__ == "__main__":
    kptap.run(main)
