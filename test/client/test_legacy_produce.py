#!/usr/bin/python3
"""Produce v0-v2 with legacy message sets (magic 0 and 1), raw and through
kafka-python pinned to old broker versions.

Proves that the broker accepts:
  * raw Produce v0 and v1 with magic-0 message sets (plain and gzip), and
    v2 with magic-1 sets (plain, gzip, snappy, lz4 wrappers), each of two
    messages, one with a null key; answers error 0 with consecutive base
    offsets; and converts them to RecordBatch v2: Fetch returns the
    records with their keys and values, magic-1 timestamps (CreateTime) and
    -1 (no timestamp) for magic 0; kafkapg.read() returns the same keys and
    values;
  * kafka-python KafkaProducer(api_version=(0, 10, 0)) (Produce v2, magic 1)
    and (0, 9) (Produce v1, magic 0): send() resolves to the expected
    offsets and a KafkaConsumer reads the records back;
and that no worker crashes meanwhile (the server log gains no "terminated
by signal" line).  A crash is reported with its log line, the test then
waits for the server to come back and goes on, so that later tests run.
"""
import logging
import os
import time

import kpwire as w
import kptap
from kptap import BOOTSTRAP, ok, psql

LOG = os.environ["KP_LOG"]
T = "kp-legacy"
TS = 1_700_000_000_000
CRASH_TODO = "worker crash while converting a legacy message set"
MESSAGES = [(b"legacy-key", b"legacy-value", TS + 1), (None, b"no key", TS + 2)]

log_pos = os.path.getsize(LOG)


def new_log_lines():
    """Server log lines written since the last call."""
    global log_pos
    with open(LOG, "rb") as f:
        f.seek(log_pos)
        data = f.read()
    log_pos += len(data)
    return data.decode(errors="replace").splitlines()


def crash_lines():
    return [ln for ln in new_log_lines() if "terminated by signal" in ln]


def wait_back(timeout=60):
    """Waits until the broker answers Metadata and SQL works again."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with w.Conn(timeout=2) as c:
                if c.metadata(12, [T])["topics"][0]["error"] == 0:
                    psql("SELECT 1")
                    return True
        except Exception:
            pass
        time.sleep(0.2)
    return False


def no_crash(desc, answered=True):
    """A request that got no answer may have crashed the worker: the
    postmaster logs that a moment later, so wait for the line then."""
    crashes = crash_lines()
    deadline = time.time() + (0 if answered else 5)
    while not crashes and time.time() < deadline:
        time.sleep(0.1)
        crashes = crash_lines()
    ok(not crashes, f"{desc}: no worker crash", crashes[:2], todo=crashes and CRASH_TODO)
    if crashes:
        ok(wait_back(), f"after the crash in {desc}: the server and broker are back")


CASES = [  # (produce version, magic, codec)
    (0, 0, "none"), (1, 0, "gzip"), (2, 1, "none"), (2, 1, "gzip"), (2, 1, "snappy"),
    (2, 1, "lz4"),
]


def test_raw():
    next_offset = 0
    for v, magic, codec in CASES:
        desc = f"raw Produce v{v} magic {magic} {codec}"
        data = w.legacy_set(magic, MESSAGES, codec=codec)
        try:
            with w.Conn() as c:
                r = c.produce(v, [(T, [(0, data)])], acks=1)
        except OSError as e:
            r = repr(e)
        p = r["topics"][T][0] if isinstance(r, dict) else r
        good = isinstance(p, dict) and p["error"] == 0 and p["base_offset"] == next_offset
        ok(good, f"{desc}: error 0, base offset {next_offset}", p,
           todo=None if isinstance(p, dict) else CRASH_TODO)
        no_crash(desc, isinstance(p, dict))
        if not good:
            continue
        with w.Conn() as c:
            # acks=1: visible once durable (the fetch waits for it)
            f = c.fetch(12, [(T, [(0, next_offset, 1 << 20)])], max_wait_ms=5000)
        recs = w.records_of(f["topics"][T][0]["records"])[:2]
        want = [{"offset": next_offset + i, "timestamp": ts if magic == 1 else -1,
                 "key": k, "value": val, "headers": []} for i, (k, val, ts) in enumerate(MESSAGES)]
        ok(recs == want, f"{desc}: Fetch returns both records (v2 batch), "
           + ("CreateTime timestamps" if magic else "timestamp -1"), (recs, want))
        rows = [(r["offset"], r["key"], r["value"])
                for r in w.sql_records(psql, T, 0, next_offset, 2)]
        ok(rows == [(x["offset"], x["key"], x["value"]) for x in want],
           f"{desc}: kafkapg.read() returns both records", rows)
        next_offset += 2


def test_kafka_python(api_version, desc):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    topic = f"{T}-kafka-python-{'-'.join(map(str, api_version))}"
    psql(f"SELECT kafkapg.create_topic('{topic}', 1)")
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, api_version=api_version, acks=1,
                             retries=0, request_timeout_ms=5000, max_block_ms=5000)
    offsets, error = [], None
    try:
        for i in range(3):
            md = producer.send(topic, key=f"k{i}".encode(), value=f"v{i}".encode(),
                               partition=0, timestamp_ms=TS + i).get(timeout=10)
            offsets.append(md.offset)
    except Exception as e:          # a crash shows up as a connection error
        error = repr(e)
    finally:
        producer.close(timeout=2)
    ok(offsets == [0, 1, 2], f"kafka-python {desc}: three sends resolve to offsets 0, 1, 2",
       error or offsets, todo=error and CRASH_TODO)
    no_crash(f"kafka-python {desc}", error is None)
    if offsets != [0, 1, 2]:
        return
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False,
                             consumer_timeout_ms=5000)
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek(tp, 0)
        got = []
        for msg in consumer:
            got.append((msg.offset, msg.key, msg.value, msg.timestamp))
            if len(got) == 3:
                break
    finally:
        consumer.close()
    want = [(i, f"k{i}".encode(), f"v{i}".encode(), TS + i if api_version >= (0, 10) else -1)
            for i in range(3)]
    ok(got == want, f"kafka-python {desc}: a KafkaConsumer reads the three records back",
       (got, want))
    rows = [(r["offset"], r["key"], r["value"]) for r in w.sql_records(psql, topic, 0)]
    ok(rows == [x[:3] for x in want], f"kafka-python {desc}: kafkapg.read() has them", rows)


def main():
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    psql(f"SELECT kafkapg.create_topic('{T}', 1)")
    new_log_lines()
    test_raw()
    test_kafka_python((0, 10, 0), "api_version (0, 10, 0) (Produce v2, magic 1)")
    test_kafka_python((0, 9), "api_version (0, 9) (Produce v1, magic 0)")
    return kptap.exit_status()


if __name__ == "__main__":
    kptap.run(main)
