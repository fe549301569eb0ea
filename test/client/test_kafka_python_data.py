#!/usr/bin/python3
"""kafka-python 2.0.2: admin, produce and consume (no consumer group).

Proves, with the pure-Python client (broker version inferred (2, 4, 0)):
  * KafkaAdminClient.create_topics (CreateTopics v3) creates a topic that
    kafkapg.topics lists; a manual replica assignment {0: [1], 1: [1]}
    gives 2 partitions; errors raise the matching exception: 36 (exists),
    38 (replication factor 3), 17 (bad name, 250 characters), 40 (unknown
    key, bad value), 39 (assignment naming broker 2), none creating
    anything; validate_only creates nothing; delete_topics (DeleteTopics v3)
    removes a topic from kafkapg.topics, an unknown one raises 3;
    describe_cluster gives kafkapg.cluster_id();
  * a KafkaProducer sending to a missing topic creates it (its Metadata v1
    has no allow_auto_topic_creation flag, so Kafka creates), offset 0;
  * acks 0, 1 and 'all' with keys, None keys, None values and headers:
    send() futures give offsets (-1 for acks 0), a KafkaConsumer with
    assign()/seek_to_beginning() reads all back; kafkapg.read() agrees;
  * gzip, snappy, lz4 and zstd batches from kafka-python are stored with
    that codec (raw Fetch) and consumed back byte-identical, by the client
    and by kafkapg.read();
  * a 1 MB record (max_request_size raised, topic max.message.bytes
    2000000) round-trips; 1.2 MB to a default topic raises
    MessageSizeTooLargeError (10) from the broker;
  * CreateTime keeps timestamp_ms (type 0); LogAppendTime gives type 1 and
    the broker's clock, equal to the send() metadata's timestamp and to
    kafkapg.read();
  * seek(), seek_to_end(), beginning_offsets(), end_offsets() and
    offsets_for_times() give the right positions;
  * a KafkaConsumer with fetch_max_wait_ms 5000 gets a record produced 1 s
    later within 1 s of the produce.
"""
import hashlib
import logging
import os
import threading
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka import errors as kerr
from kafka.admin import NewTopic

import kpwire as w
import kptap
from kptap import BOOTSTRAP, ok, psql

P = "kp-kafka-python"
TS = 1_700_000_000_000
COMMON = {"bootstrap_servers": BOOTSTRAP, "request_timeout_ms": 15000,
          "api_version_auto_timeout_ms": 5000}


def producer(**kw):
    return KafkaProducer(**dict(COMMON, **kw))


def consumer(**kw):
    return KafkaConsumer(**dict(COMMON, enable_auto_commit=False, consumer_timeout_ms=10000,
                                **kw))


def sql_partitions(topic):
    return psql(f"SELECT partitions FROM kafkapg.topics WHERE topic = '{topic}'")


def read_back(topic, n, partition=0, offset=None, **kw):
    """Up to n records from one partition, from offset (or the beginning)."""
    c = consumer(**kw)
    tp = TopicPartition(topic, partition)
    out = []
    try:
        c.assign([tp])
        if offset is None:
            c.seek_to_beginning(tp)
        else:
            c.seek(tp, offset)
        for m in c:
            out.append(m)
            if len(out) >= n:
                break
    finally:
        c.close()
    return out


def create_error(admin, topic):
    try:
        admin.create_topics([topic])
        return None
    except kerr.KafkaError as e:
        return getattr(e, "errno", repr(e))


def test_admin():
    admin = KafkaAdminClient(**COMMON)
    try:
        r = admin.create_topics([NewTopic(f"{P}-a", 2, 1)])
        ok(r.topic_errors == [(f"{P}-a", 0, None)] and sql_partitions(f"{P}-a") == "2",
           "create_topics: created, kafkapg.topics shows 2 partitions", r.topic_errors)
        r = admin.create_topics([NewTopic(f"{P}-assigned", -1, -1,
                                          replica_assignments={0: [1], 1: [1]})])
        ok(r.topic_errors[0][1] == 0 and sql_partitions(f"{P}-assigned") == "2",
           "create_topics with replica assignment {0: [1], 1: [1]}: 2 partitions",
           (r.topic_errors, sql_partitions(f"{P}-assigned")))
        cases = [(NewTopic(f"{P}-a", 2, 1), 36, "existing topic"),
                 (NewTopic(f"{P}-rf3", 1, 3), 38, "replication factor 3"),
                 (NewTopic("kp bad", 1, 1), 17, "name with a space"),
                 (NewTopic("p" * 250, 1, 1), 17, "name of 250 characters"),
                 (NewTopic(f"{P}-badkey", 1, 1, topic_configs={"no.such.key": "1"}), 40,
                  "unknown config key"),
                 (NewTopic(f"{P}-badval", 1, 1, topic_configs={"max.message.bytes": "-5"}), 40,
                  "max.message.bytes -5"),
                 (NewTopic(f"{P}-badasg", -1, -1, replica_assignments={0: [2]}), 39,
                  "assignment naming broker 2")]
        for nt, code, desc in cases:
            err = create_error(admin, nt)
            ok(err == code, f"create_topics {desc}: error {code}", err)
        made = psql(f"SELECT string_agg(topic, ',') FROM kafkapg.topics WHERE topic IN "
                    f"('{P}-rf3', '{P}-badkey', '{P}-badval', '{P}-badasg', 'kp bad')")
        ok(made == "", "none of the rejected topics exists", made)
        r = admin.create_topics([NewTopic(f"{P}-validate", 3, 1)], validate_only=True)
        ok(r.topic_errors[0][1] == 0 and sql_partitions(f"{P}-validate") == "",
           "create_topics validate_only: error 0, nothing created", r.topic_errors)
        r = admin.delete_topics([f"{P}-assigned"])
        ok(r.topic_error_codes == [(f"{P}-assigned", 0)] and sql_partitions(f"{P}-assigned") == "",
           "delete_topics: deleted, gone from kafkapg.topics", r.topic_error_codes)
        try:
            admin.delete_topics([f"{P}-never"])
            err = None
        except kerr.KafkaError as e:
            err = getattr(e, "errno", repr(e))
        ok(err == 3, "delete_topics of an unknown topic: error 3", err)
        cluster = admin.describe_cluster()
        ok(cluster["cluster_id"] == psql("SELECT kafkapg.cluster_id()")
           and cluster["controller_id"] == 1,
           "describe_cluster: kafkapg.cluster_id(), controller 1", cluster)
    finally:
        admin.close()


def test_auto_create():
    topic = f"{P}-auto"
    p = producer()
    try:
        md = p.send(topic, b"created by sending").get(timeout=15)
    finally:
        p.close()
    ok((md.topic, md.partition, md.offset) == (topic, 0, 0),
       "send() to a missing topic: auto-created, offset 0", md)
    ok(sql_partitions(topic) == "1", "kafkapg.topics has the auto-created topic, 1 partition",
       sql_partitions(topic))


HEADERS = [("h1", b"one"), ("h2", b""), ("h1", b"again")]


def test_acks():
    topic = f"{P}-acks"
    psql(f"SELECT kafkapg.create_topic('{topic}', 1)")
    want = []
    for n, acks in enumerate((0, 1, "all")):
        p = producer(acks=acks)
        msgs = [(f"k-{acks}".encode(), f"v-{acks}".encode(), HEADERS),
                (None, f"null key {acks}".encode(), []),
                (f"k2-{acks}".encode(), None, [("bin", b"\xff\x00")])]
        try:
            futs = [p.send(topic, key=k, value=v, headers=h, partition=0) for k, v, h in msgs]
            offs = [f.get(timeout=15).offset for f in futs]
        finally:
            p.close()
        exp = [-1] * 3 if acks == 0 else [3 * n + i for i in range(3)]
        ok(offs == exp, f"acks={acks}: send() offsets {exp}", offs)
        want += [(3 * n + i, k, v, h) for i, (k, v, h) in enumerate(msgs)]
    got = [(m.offset, m.key, m.value, m.headers) for m in read_back(topic, 9)]
    ok(got == want, "KafkaConsumer (assign, seek_to_beginning) reads the nine records back",
       (got, want))
    rows = [(r["offset"], r["key"], r["value"]) for r in w.sql_records(psql, topic, 0)]
    ok(rows == [x[:3] for x in want], "kafkapg.read() gives the same nine records", rows)
    hdr = psql(f"SELECT headers FROM kafkapg.read('{topic}', 0, 8, 1)")
    ok(hdr == '[{"key": "bin", "value": {"base64": "/wA="}}]',
       "kafkapg.read(): a non-UTF-8 header value as {\"base64\": ...}", hdr)


def test_codecs():
    text = b"kafka-python compressible payload, " * 30
    msgs = [(f"k{i}".encode(), text + str(i).encode(), [("n", str(i).encode())], TS + i)
            for i in range(50)]
    raw_len = sum(len(k) + len(v) for k, v, _, _ in msgs)
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        topic = f"{P}-{codec}"
        psql(f"SELECT kafkapg.create_topic('{topic}', 1)")
        p = producer(compression_type=codec, linger_ms=200, batch_size=1 << 20)
        try:
            futs = [p.send(topic, key=k, value=v, headers=h, partition=0, timestamp_ms=ts)
                    for k, v, h, ts in msgs]
            offs = [f.get(timeout=15).offset for f in futs]
        finally:
            p.close()
        ok(offs == list(range(50)), f"{codec}: 50 records sent, offsets 0-49", offs[:3])
        with w.Conn() as c:
            # acks=1: visible once durable (the fetch waits for it)
            f = c.fetch(12, [(topic, [(0, 0, 1 << 20)])], max_wait_ms=5000)
        batches = w.parse_batches(f["topics"][topic][0]["records"])
        ok(batches and {b["attributes"] & 7 for b in batches} == {w.CODECS[codec]},
           f"{codec}: stored batches carry codec {w.CODECS[codec]} "
           f"({len(batches)} batch(es), {len(f['topics'][topic][0]['records'])} bytes for "
           f"{raw_len})", [b["attributes"] for b in batches])
        got = [(m.key, m.value, m.headers, m.timestamp) for m in read_back(topic, 50)]
        ok(got == [(k, v, h, ts) for k, v, h, ts in msgs],
           f"{codec}: consumed back byte-identical", len(got))
        rows = [(r["key"], r["value"], r["timestamp"]) for r in w.sql_records(psql, topic, 0)]
        ok(rows == [(k, v, ts) for k, v, _, ts in msgs],
           f"{codec}: kafkapg.read() decompresses them byte-identical", len(rows))


def test_large():
    topic = f"{P}-large"
    psql(f"SELECT kafkapg.create_topic('{topic}', 1, '{{\"max.message.bytes\": \"2000000\"}}')")
    value = os.urandom(1024 * 1024)
    p = producer(max_request_size=2_000_000)
    try:
        md = p.send(topic, value, partition=0).get(timeout=30)
    finally:
        p.close()
    ok(md.offset == 0, "1 MB record sent (max_request_size 2000000), offset 0", md)
    got = read_back(topic, 1)
    ok(len(got) == 1 and got[0].value == value,
       "the 1 MB record is consumed whole (max_partition_fetch_bytes 1 MB: KIP-74)",
       [(m.offset, len(m.value)) for m in got])
    row = psql(f"SELECT length(value) || ' ' || md5(value) FROM kafkapg.read('{topic}', 0)")
    ok(row == f"{len(value)} {hashlib.md5(value).hexdigest()}",
       "kafkapg.read() has the same 1 MB (length and md5)", row)
    topic = f"{P}-toolarge"
    psql(f"SELECT kafkapg.create_topic('{topic}', 1)")
    p = producer(max_request_size=3_000_000, retries=0)
    try:
        p.send(topic, os.urandom(1_200_000), partition=0).get(timeout=30)
        err = None
    except kerr.KafkaError as e:
        err = getattr(e, "errno", repr(e))
    finally:
        p.close()
    ok(err == 10, "1.2 MB to a default topic: MessageSizeTooLargeError (10) from the broker",
       err)


def test_timestamps():
    topic = f"{P}-createtime"
    psql(f"SELECT kafkapg.create_topic('{topic}', 1)")
    p = producer()
    try:
        p.send(topic, b"v", partition=0, timestamp_ms=TS + 7).get(timeout=15)
        topic2 = f"{P}-logappendtime"
        psql(f"SELECT kafkapg.create_topic('{topic2}', 1,"
             f" '{{\"message.timestamp.type\": \"LogAppendTime\"}}')")
        before = int(time.time() * 1000)
        md = p.send(topic2, b"v", partition=0, timestamp_ms=TS + 7).get(timeout=15)
        after = int(time.time() * 1000)
    finally:
        p.close()
    m = read_back(topic, 1)
    ok(m and (m[0].timestamp, m[0].timestamp_type) == (TS + 7, 0),
       "CreateTime: the producer's timestamp, type 0", m)
    m = read_back(topic2, 1)
    ok(m and m[0].timestamp_type == 1 and before - 5 <= m[0].timestamp <= after + 5
       and m[0].timestamp == md.timestamp,
       "LogAppendTime: type 1, the broker's clock, equal to send()'s metadata timestamp",
       (m, md, before, after))
    rows = w.sql_records(psql, topic2, 0)
    ok(m and rows and rows[0]["timestamp"] == m[0].timestamp,
       "LogAppendTime: kafkapg.read() gives the same timestamp", rows)


def test_positions():
    topic = f"{P}-positions"
    psql(f"SELECT kafkapg.create_topic('{topic}', 2)")
    p = producer()
    try:
        for i in range(10):
            p.send(topic, f"m{i}".encode(), partition=1, timestamp_ms=TS + 1000 * i)
        p.flush(15)
    finally:
        p.close()
    tp = TopicPartition(topic, 1)
    c = consumer()
    try:
        c.assign([tp])
        ok(c.beginning_offsets([tp]) == {tp: 0} and c.end_offsets([tp]) == {tp: 10},
           "beginning_offsets 0, end_offsets 10", (c.beginning_offsets([tp]), c.end_offsets([tp])))
        times = c.offsets_for_times({tp: TS + 2500})
        ok(times[tp] is not None and (times[tp].offset, times[tp].timestamp) == (3, TS + 3000),
           "offsets_for_times(between m2 and m3): offset 3 with m3's timestamp", times)
        past = c.offsets_for_times({tp: TS + 10 ** 7})
        ok(past[tp] is None, "offsets_for_times past the last record: None", past)
        c.seek(tp, 6)
        got = [m.value for m in c.poll(timeout_ms=5000, max_records=3).get(tp, [])]
        ok(got == [b"m6", b"m7", b"m8"], "seek(6) then poll: m6, m7, m8", got)
        c.seek_to_end(tp)
        ok(c.position(tp) == 10, "seek_to_end: position 10", c.position(tp))
        other = TopicPartition(topic, 0)
        ok(c.end_offsets([other]) == {other: 0}, "the other partition is empty: end offset 0")
    finally:
        c.close()


def test_long_poll():
    topic = f"{P}-longpoll"
    psql(f"SELECT kafkapg.create_topic('{topic}', 1)")
    p = producer(linger_ms=0)
    p.partitions_for(topic)
    c = consumer(fetch_max_wait_ms=5000, fetch_min_bytes=1)
    tp = TopicPartition(topic, 0)
    produced_at = []

    def later():
        time.sleep(1.0)
        produced_at.append(time.time())
        p.send(topic, b"wake up", partition=0)
        p.flush(10)
    got, got_at = [], None
    try:
        c.assign([tp])
        c.seek(tp, 0)
        th = threading.Thread(target=later)
        th.start()
        deadline = time.time() + 10
        while not got and time.time() < deadline:
            got = c.poll(timeout_ms=100).get(tp, [])
        got_at = time.time()
        th.join()
    finally:
        c.close()
        p.close()
    lag = got_at - produced_at[0] if got and produced_at else None
    ok([m.value for m in got] == [b"wake up"] and lag is not None and lag < 1.0,
       f"fetch_max_wait_ms 5000: the record produced 1 s later arrives "
       f"{lag and round(lag, 3)} s after the produce (< 1 s)", (got, lag))


def main():
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    test_admin()
    test_auto_create()
    test_acks()
    test_codecs()
    test_large()
    test_timestamps()
    test_positions()
    test_long_poll()
    return kptap.exit_status()


if __name__ == "__main__":
    kptap.run(main)
