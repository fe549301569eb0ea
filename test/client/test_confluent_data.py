#!/usr/bin/python3
"""confluent-kafka 2.0.2 (librdkafka 2.0.2): topics, produce and consume.

Proves, with the Python binding of librdkafka:
  * AdminClient.create_topics creates topics that kafkapg.topics lists with
    their partitions; errors come back per topic: TOPIC_ALREADY_EXISTS 36,
    INVALID_PARTITIONS 37 (0 partitions), INVALID_REPLICATION_FACTOR 38
    (rf 3), INVALID_TOPIC_EXCEPTION 17 (bad name, 250 characters),
    INVALID_CONFIG 40 (unknown key, bad value), none of them creating
    anything; validate_only creates nothing; -1 partitions gives
    kafkapg.num_partitions (1); delete_topics removes a topic from
    kafkapg.topics and gives UNKNOWN_TOPIC_OR_PART (3) for an unknown one;
  * a topic made by kafkapg.create_topic() is in list_topics(); after
    kafkapg.delete_topic() a producer that may not auto-create gets
    UNKNOWN_TOPIC_OR_PART in its delivery report and a consumer's
    list_topics() reports it;
  * acks 0, 1 and all: delivery reports (offsets 0-2, 3-5, 6-8; -1 for
    acks 0) and a Consumer (assign, no group) reads all nine back with
    keys, null keys, null values and headers; kafkapg.read() agrees;
  * gzip, snappy, lz4 and zstd: 50 compressible records consumed back
    byte-identical and identical through kafkapg.read(); the stored batch
    carries the codec (raw Fetch attributes) and takes less room than the
    records (kafkapg.partitions.size_bytes) -- lz4 too, now that the broker
    advertises FindCoordinator (librdkafka sends lz4 only to such brokers);
  * a 1 MB record on a topic with max.message.bytes 2000000 is produced
    (message.max.bytes raised) and consumed whole (SQL length and md5 too);
    1.2 MB on a topic with the default max.message.bytes fails with
    MSG_SIZE_TOO_LARGE (10) from the broker;
  * CreateTime keeps the producer's timestamp (client and SQL);
    LogAppendTime gives the broker's clock, within the produce's time
    window, the same through SQL, and the LOG_APPEND_TIME type;
  * consuming from the beginning, the end (only later records), a given
    offset and a timestamp (offsets_for_times), and get_watermark_offsets;
  * a consumer long-polling with fetch.wait.max.ms 5000 gets a record
    produced 1 s later within 1 s of the produce.
"""
import hashlib
import os
import threading
import time

from confluent_kafka import (OFFSET_BEGINNING, OFFSET_END, TIMESTAMP_CREATE_TIME,
                             TIMESTAMP_LOG_APPEND_TIME, Consumer, KafkaError, KafkaException,
                             Producer, TopicPartition)
from confluent_kafka.admin import AdminClient, NewTopic

import kpwire as w
import kptap
from kptap import BOOTSTRAP, ok, psql

P = "kp-confluent"
# librdkafka <= 2.11 compresses with lz4 only if the broker has the "LZ4"
# feature, which it infers from FindCoordinator (key 10) being advertised
# (rdkafka_feature.c); it logs "Broker does not support compression type lz4:
# not compressing batch" and sends the batch uncompressed.
TS = 1_700_000_000_000


def producer(**conf):
    return Producer(dict({"bootstrap.servers": BOOTSTRAP, "linger.ms": 5}, **conf))


def consumer(**conf):
    return Consumer(dict({"bootstrap.servers": BOOTSTRAP,
                          "group.id": "kp-confluent-data",     # never joined: assign() only
                          "enable.auto.commit": False, "enable.auto.offset.store": False},
                         **conf))


def produce_all(p, topic, msgs, partition=0):
    """msgs: [(key, value, headers, timestamp or None)]; returns the delivery
    reports in order as (error code or None, offset)."""
    reports = {}
    for i, (k, v, h, ts) in enumerate(msgs):
        kw = {"timestamp": ts} if ts is not None else {}
        p.produce(topic, key=k, value=v, headers=h, partition=partition,
                  on_delivery=lambda e, m, i=i: reports.__setitem__(
                      i, (e.code() if e else None, m.offset())), **kw)
    left = p.flush(30)
    return [reports.get(i, ("undelivered", left)) for i in range(len(msgs))]


def consume(topic, n, start=OFFSET_BEGINNING, partition=0, timeout=20, **conf):
    """Reads up to n messages from one partition: [(offset, key, value,
    headers, (ts type, ts))]."""
    c = consumer(**conf)
    out = []
    try:
        c.assign([TopicPartition(topic, partition, start)])
        deadline = time.time() + timeout
        while len(out) < n and time.time() < deadline:
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            out.append((m.offset(), m.key(), m.value(), m.headers() or [], m.timestamp()))
    finally:
        c.close()
    return out


def results(futures):
    """{topic: "ok" or error code} from admin futures."""
    out = {}
    for t, f in futures.items():
        try:
            f.result(15)
            out[t] = "ok"
        except KafkaException as e:
            out[t] = e.args[0].code()
    return out


def sql_partitions(topic):
    return psql(f"SELECT partitions FROM kafkapg.topics WHERE topic = '{topic}'")


def test_admin():
    a = AdminClient({"bootstrap.servers": BOOTSTRAP})
    r = results(a.create_topics([NewTopic(f"{P}-a", 3, 1), NewTopic(f"{P}-dflt", -1, -1)]))
    ok(r == {f"{P}-a": "ok", f"{P}-dflt": "ok"}, "create_topics: two topics created", r)
    ok(sql_partitions(f"{P}-a") == "3", "kafkapg.topics shows the 3-partition topic",
       sql_partitions(f"{P}-a"))
    ok(sql_partitions(f"{P}-dflt") == "1", "-1 partitions: kafkapg.num_partitions (1)",
       sql_partitions(f"{P}-dflt"))
    bad = {f"{P}-a": (NewTopic(f"{P}-a", 3, 1), 36),
           f"{P}-zero": (NewTopic(f"{P}-zero", 0, 1), 37),
           f"{P}-rf3": (NewTopic(f"{P}-rf3", 1, 3), 38),
           "kp/bad": (NewTopic("kp/bad", 1, 1), 17),
           "k" * 250: (NewTopic("k" * 250, 1, 1), 17),
           f"{P}-badkey": (NewTopic(f"{P}-badkey", 1, 1, config={"no.such.key": "1"}), 40),
           f"{P}-badval": (NewTopic(f"{P}-badval", 1, 1, config={"retention.ms": "x"}), 40)}
    for name, (nt, code) in bad.items():
        r = results(a.create_topics([nt]))
        ok(r == {name: code}, f"create_topics {name[:30]!r}: error {code}", r)
    made = psql(f"SELECT string_agg(topic, ',') FROM kafkapg.topics WHERE topic IN "
                f"('{P}-zero', '{P}-rf3', '{P}-badkey', '{P}-badval', 'kp/bad')")
    ok(made == "", "none of the rejected topics exists", made)
    r = results(a.create_topics([NewTopic(f"{P}-validate", 2, 1)], validate_only=True))
    ok(r == {f"{P}-validate": "ok"} and sql_partitions(f"{P}-validate") == "",
       "create_topics validate_only: ok, nothing created", r)
    r = results(a.delete_topics([f"{P}-dflt", f"{P}-never"]))
    ok(r == {f"{P}-dflt": "ok", f"{P}-never": 3},
       "delete_topics: deleted; unknown topic UNKNOWN_TOPIC_OR_PART (3)", r)
    ok(sql_partitions(f"{P}-dflt") == "", "the deleted topic is gone from kafkapg.topics")

    psql(f"SELECT kafkapg.create_topic('{P}-sql', 4)")
    md = a.list_topics(timeout=10)
    t = md.topics.get(f"{P}-sql")
    ok(t is not None and sorted(t.partitions) == [0, 1, 2, 3],
       "a topic made by kafkapg.create_topic() is listed with 4 partitions", t)
    psql(f"SELECT kafkapg.delete_topic('{P}-sql')")
    p = producer(**{"allow.auto.create.topics": False, "message.timeout.ms": 10000,
                    "topic.metadata.propagation.max.ms": 100})
    reports = produce_all(p, f"{P}-sql", [(b"k", b"v", None, None)])
    ok(reports[0][0] == KafkaError.UNKNOWN_TOPIC_OR_PART,
       "after kafkapg.delete_topic(): produce fails with UNKNOWN_TOPIC_OR_PART", reports)
    c = consumer(**{"allow.auto.create.topics": False})
    t = c.list_topics(f"{P}-sql", timeout=10).topics[f"{P}-sql"]
    c.close()
    ok(t.error is not None and t.error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART,
       "... and a consumer's list_topics() reports UNKNOWN_TOPIC_OR_PART", t.error)
    ok(sql_partitions(f"{P}-sql") == "", "... and nothing re-created it")


HEADERS = [("h1", b"one"), ("h2", None), ("h1", b"repeat")]


def acks_msgs(acks):
    return [(f"key-{acks}".encode(), f"value-{acks}".encode(), HEADERS, None),
            (None, f"null key {acks}".encode(), [], None),
            (f"key2-{acks}".encode(), None, [("only", b"\x00\xff")], None)]


def test_acks():
    topic = f"{P}-acks"
    psql(f"SELECT kafkapg.create_topic('{topic}', 1)")
    want = []
    for n, acks in enumerate(("0", "1", "all")):
        msgs = acks_msgs(acks)
        reports = produce_all(producer(acks=acks), topic, msgs)
        # acks=0: no response, so no offset (the binding gives None)
        offs = [None] * 3 if acks == "0" else [3 * n, 3 * n + 1, 3 * n + 2]
        ok(reports == [(None, o) for o in offs],
           f"acks={acks}: delivered, offsets {offs}", reports)
        want += [(3 * n + i, k, v, h) for i, (k, v, h, _) in enumerate(msgs)]
    got = [m[:4] for m in consume(topic, 9)]
    ok(got == want, "consumer reads the nine records back (keys, null key, null value, "
       "headers with a null value and a repeated key)", (got, want))
    rows = [(r["offset"], r["key"], r["value"]) for r in w.sql_records(psql, topic, 0)]
    ok(rows == [x[:3] for x in want], "kafkapg.read() gives the same nine records", rows)
    hdr = psql(f"SELECT headers FROM kafkapg.read('{topic}', 0, 0, 1)")
    ok(hdr == '[{"key": "h1", "value": "one"}, {"key": "h2", "value": null}, '
              '{"key": "h1", "value": "repeat"}]', "kafkapg.read() headers in order", hdr)


def test_codecs():
    text = b"a compressible value for kafkapg's codec test " * 20
    msgs = [(f"k{i}".encode(), text + str(i).encode(), [("i", str(i).encode())], TS + i)
            for i in range(50)]
    raw_len = sum(len(k) + len(v) for k, v, _, _ in msgs)
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        topic = f"{P}-{codec}"
        psql(f"SELECT kafkapg.create_topic('{topic}', 1)")
        reports = produce_all(producer(**{"compression.type": codec, "linger.ms": 100}),
                              topic, msgs)
        ok(reports == [(None, i) for i in range(50)], f"{codec}: 50 records delivered",
           reports[:3])
        got = consume(topic, 50)
        ok([(m[1], m[2], m[3], m[4]) for m in got] ==
           [(k, v, h, (TIMESTAMP_CREATE_TIME, ts)) for k, v, h, ts in msgs],
           f"{codec}: consumed back byte-identical (keys, values, headers, timestamps)",
           len(got))
        rows = w.sql_records(psql, topic, 0)
        ok([(r["key"], r["value"], r["timestamp"]) for r in rows] ==
           [(k, v, ts) for k, v, _, ts in msgs],
           f"{codec}: kafkapg.read() decompresses them byte-identical", len(rows))
        with w.Conn() as c:
            f = c.fetch(12, [(topic, [(0, 0, 1 << 20)])])
        codecs = {b["attributes"] & 7 for b in w.parse_batches(f["topics"][topic][0]["records"])}
        size = int(psql(f"SELECT size_bytes FROM kafkapg.partitions WHERE topic = '{topic}'"))
        ok(codecs == {w.CODECS[codec]} and size < raw_len / 2,
           f"{codec}: stored compressed (batch codec {codecs}, {size} bytes for {raw_len})",
           (codecs, size))


def test_large():
    topic = f"{P}-large"
    psql(f"SELECT kafkapg.create_topic('{topic}', 1, '{{\"max.message.bytes\": \"2000000\"}}')")
    value = os.urandom(1024 * 1024)
    reports = produce_all(producer(**{"message.max.bytes": 2000000}), topic,
                          [(b"big", value, None, None)])
    ok(reports == [(None, 0)], "1 MB record produced to a max.message.bytes 2000000 topic",
       reports)
    got = consume(topic, 1)
    ok(len(got) == 1 and got[0][2] == value, "the 1 MB record is consumed whole",
       [(m[0], len(m[2] or b"")) for m in got])
    row = psql(f"SELECT length(value) || ' ' || md5(value) FROM kafkapg.read('{topic}', 0)")
    ok(row == f"{len(value)} {hashlib.md5(value).hexdigest()}",
       "kafkapg.read() has the same 1 MB (length and md5)", row)
    topic = f"{P}-toolarge"
    psql(f"SELECT kafkapg.create_topic('{topic}', 1)")
    reports = produce_all(producer(**{"message.max.bytes": 3000000}), topic,
                          [(None, os.urandom(1200 * 1000), None, None)])
    ok(reports[0][0] == KafkaError.MSG_SIZE_TOO_LARGE,
       "1.2 MB to a topic with the default max.message.bytes: MSG_SIZE_TOO_LARGE (10)", reports)
    hw = psql(f"SELECT high_watermark FROM kafkapg.partitions WHERE topic = '{topic}'")
    ok(hw == "0", "... and nothing was appended", hw)


def test_timestamps():
    topic = f"{P}-createtime"
    psql(f"SELECT kafkapg.create_topic('{topic}', 1)")
    produce_all(producer(), topic, [(b"k", b"v", None, TS + 42)])
    got = consume(topic, 1)
    ok(got and got[0][4] == (TIMESTAMP_CREATE_TIME, TS + 42),
       "CreateTime topic: the producer's timestamp, type CREATE_TIME", got)
    rows = w.sql_records(psql, topic, 0)
    ok(rows and rows[0]["timestamp"] == TS + 42, "... and the same through kafkapg.read()", rows)

    topic = f"{P}-logappendtime"
    psql(f"SELECT kafkapg.create_topic('{topic}', 1,"
         f" '{{\"message.timestamp.type\": \"LogAppendTime\"}}')")
    before = int(time.time() * 1000)
    produce_all(producer(), topic, [(b"k", b"v", None, TS + 42), (b"k2", b"v2", None, TS + 43)])
    after = int(time.time() * 1000)
    got = consume(topic, 2)
    types = [m[4][0] for m in got]
    stamps = [m[4][1] for m in got]
    ok(types == [TIMESTAMP_LOG_APPEND_TIME] * 2 and all(before - 5 <= s <= after + 5
                                                         for s in stamps),
       "LogAppendTime topic: type LOG_APPEND_TIME, the broker's time within the produce",
       (got, before, after))
    rows = w.sql_records(psql, topic, 0)
    ok([r["timestamp"] for r in rows] == stamps, "... and kafkapg.read() gives the same times",
       ([r["timestamp"] for r in rows], stamps))


def test_positions():
    topic = f"{P}-positions"
    psql(f"SELECT kafkapg.create_topic('{topic}', 1)")
    produce_all(producer(), topic,
                [(None, f"m{i}".encode(), None, TS + 1000 * i) for i in range(10)])
    got = consume(topic, 10, OFFSET_BEGINNING)
    ok([m[0] for m in got] == list(range(10)), "from the beginning: offsets 0-9",
       [m[0] for m in got])
    got = consume(topic, 3, 7)
    ok([(m[0], m[2]) for m in got] == [(7, b"m7"), (8, b"m8"), (9, b"m9")],
       "from offset 7: m7, m8, m9", got)
    c = consumer()
    try:
        tps = c.offsets_for_times([TopicPartition(topic, 0, TS + 4500)], timeout=10)
        lo, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    finally:
        c.close()
    ok(tps[0].offset == 5, "offsets_for_times(ts of m4 + 500 ms): offset 5", tps)
    ok((lo, hi) == (0, 10), "get_watermark_offsets: (0, 10)", (lo, hi))
    got = consume(topic, 1, tps[0].offset)
    ok(got and got[0][2] == b"m5", "consuming from that offset starts at m5", got)

    # from the end: only a record produced after the assignment
    c = consumer()
    got = []
    try:
        c.assign([TopicPartition(topic, 0, OFFSET_END)])
        deadline = time.time() + 1
        while time.time() < deadline:
            m = c.poll(0.2)
            if m is not None and not m.error():
                got.append(m.offset())
        produce_all(producer(), topic, [(None, b"after", None, None)])
        deadline = time.time() + 10
        while time.time() < deadline and not got:
            m = c.poll(0.2)
            if m is not None and not m.error():
                got.append((m.offset(), m.value()))
    finally:
        c.close()
    ok(got == [(10, b"after")], "from the end: only the record produced later (offset 10)", got)


def test_long_poll():
    topic = f"{P}-longpoll"
    psql(f"SELECT kafkapg.create_topic('{topic}', 1)")
    p = producer(**{"linger.ms": 0})
    p.list_topics(topic, timeout=10)        # connected and has the metadata
    c = consumer(**{"fetch.wait.max.ms": 5000, "fetch.min.bytes": 1})
    produced_at = []

    def later():
        time.sleep(1.0)
        produced_at.append(time.time())
        p.produce(topic, b"wake up", partition=0)
        p.flush(10)
    got_at, msg = None, None
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        th = threading.Thread(target=later)
        th.start()
        deadline = time.time() + 10
        while time.time() < deadline:
            m = c.poll(0.05)
            if m is not None and not m.error():
                got_at, msg = time.time(), m.value()
                break
        th.join()
    finally:
        c.close()
    lag = got_at - produced_at[0] if got_at and produced_at else None
    ok(msg == b"wake up" and lag is not None and lag < 1.0,
       f"fetch.wait.max.ms 5000: the record produced 1 s later arrives {lag and round(lag, 3)} s"
       " after the produce (< 1 s: the parked fetch was woken)", (msg, lag))


def main():
    test_admin()
    test_acks()
    test_codecs()
    test_large()
    test_timestamps()
    test_positions()
    test_long_poll()
    return kptap.exit_status()


if __name__ == "__main__":
    kptap.run(main)
