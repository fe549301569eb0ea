#!/usr/bin/python3
"""Produce (key 0) v3-v9 with hand-built RecordBatch v2, raw protocol.

Proves that the broker:
  * appends a batch at every Produce version v3..v9 (base offsets 0..6 in
    order; log_start_offset 0 from v5; log_append_time -1 on a CreateTime
    topic) and that Fetch and kafkapg.read() give back the same keys,
    values, headers, null keys, null values and timestamps (SQL headers as
    JSON, a non-UTF-8 header value as {"base64": ...});
  * answers acks=1 and acks=-1, and sends nothing for acks=0 (the next
    request on the socket gets the next answer) while still appending;
  * stores gzip, snappy, lz4 and zstd batches as sent (Fetch returns the
    compressed batch, whose records match) and decompresses them for
    kafkapg.read();
  * rejects, with the connection staying usable (the next request on the
    same socket is answered and appends): a CRC mismatch (CORRUPT_MESSAGE
    2), a records count that disagrees with lastOffsetDelta under a valid
    CRC (INVALID_RECORD 87), a batch larger than max.message.bytes
    (MESSAGE_TOO_LARGE 10), acks=2 (INVALID_REQUIRED_ACKS 21, every
    partition), partition 99 and an unknown topic (UNKNOWN_TOPIC_OR_PARTITION
    3), an unknown magic (2), two batches or none (87), a magic-1 message
    set in v3+ (87), a control batch (87), a timestamp outside
    message.timestamp.difference.max.ms (INVALID_TIMESTAMP 32);
  * judges each partition alone: one request with a corrupt partition 0
    and a valid partition 1 fails only partition 0;
  * and, as Kafka does: rejects zstd below Produce v7 (76), answers a
    truncated batch with INVALID_RECORD 87, sends base_offset -1 for a
    failed partition, and closes the connection after a failed acks=0
    produce (these four are known deviations, marked TODO).
No rejected request changes a high watermark.
"""
import base64
import json
import time

import kpwire as w
import kptap
from kptap import ok, psql

T = "kp-raw-produce"              # 3 partitions
SMALL = "kp-raw-produce-small"    # max.message.bytes 2000
TSD = "kp-raw-produce-tsdiff"     # message.timestamp.difference.max.ms 60000
BASE_TS = 1_700_000_000_000

RECORDS = [
    (b"key-0", b"value-0", [("h1", b"v1"), ("h2", b"")]),
    (None, b"null key", []),
    (b"key-2", None, [("null-header", None)]),
    (b"", b"", []),
    (b"\x00\xff", b"\xfe\x00binary", [("bin", b"\xff\x00")]),
]


def hw(partition, topic=T):
    return int(psql(f"SELECT high_watermark FROM kafkapg.partitions"
                    f" WHERE topic = '{topic}' AND partition = {partition}"))


def sql_headers(headers):
    """The jsonb kafkapg.read() gives for headers, as Python objects."""
    out = []
    for k, v in headers:
        if v is None:
            out.append({"key": k, "value": None})
        else:
            try:
                out.append({"key": k, "value": v.decode("utf-8")})
            except UnicodeDecodeError:
                out.append({"key": k, "value": {"base64": base64.b64encode(v).decode()}})
    return out


def same_records(got, want, base_offset, base_ts=BASE_TS):
    """Problems between parsed records and want [(key, value, headers)]."""
    p = []
    if len(got) != len(want):
        return [f"{len(got)} records, want {len(want)}"]
    for i, (g, (k, v, h)) in enumerate(zip(got, want)):
        exp = {"offset": base_offset + i, "timestamp": base_ts + i, "key": k, "value": v,
               "headers": h}
        if g != exp:
            p.append(f"record {i}: {g} != {exp}")
    return p


def same_sql(rows, want, base_offset, base_ts=BASE_TS):
    p = []
    if len(rows) != len(want):
        return [f"{len(rows)} SQL rows, want {len(want)}"]
    for i, (r, (k, v, h)) in enumerate(zip(rows, want)):
        exp = {"offset": base_offset + i, "timestamp": base_ts + i, "key": k, "value": v,
               "headers": sql_headers(h)}
        got = dict(r, headers=json.loads(r["headers"]))
        if got != exp:
            p.append(f"row {i}: {got} != {exp}")
    return p


def fetch_all(c, partition, offset=0, topic=T):
    f = c.fetch(12, [(topic, [(partition, offset, 10 << 20)])])
    return f["topics"][topic][partition]


def test_versions(c):
    """One batch per Produce version into partition 0."""
    for i, v in enumerate(range(3, 10)):
        r = c.produce(v, [(T, [(0, w.batch(RECORDS, base_ts=BASE_TS))])], acks=-1)
        p = r["topics"][T][0]
        want = {"index": 0, "error": 0, "base_offset": i * len(RECORDS), "log_append_time": -1,
                "log_start_offset": 0 if v >= 5 else None}
        if v >= 8:
            want.update(record_errors=[], error_message=None)
        ok(p == want and r["throttle"] == 0,
           f"Produce v{v} acks=-1: error 0, base offset {i * len(RECORDS)}", p)
    part = fetch_all(c, 0)
    recs = w.records_of(part["records"])
    ok(part["high_watermark"] == 7 * len(RECORDS) and len(recs) == 7 * len(RECORDS),
       "Fetch returns all 35 records, high watermark 35", (part["high_watermark"], len(recs)))
    probs = []
    for i in range(7):
        probs += same_records(recs[i * 5:(i + 1) * 5], RECORDS, i * 5)
    ok(not probs, "fetched records match what was produced (keys, values, headers, nulls, "
       "timestamps)", probs[:3])
    crc = [b["crc_ok"] for b in w.parse_batches(part["records"])]
    ok(crc == [True] * 7, "every fetched batch has a valid CRC32C", crc)
    rows = w.sql_records(psql, T, 0, 0, 100)
    probs = []
    for i in range(7):
        probs += same_sql(rows[i * 5:(i + 1) * 5], RECORDS, i * 5)
    ok(not probs, "kafkapg.read() gives the same records (headers as JSON, binary as base64)",
       probs[:3])


def test_acks(c):
    before = hw(1)
    for acks in (1, -1):
        r = c.produce(9, [(T, [(1, w.batch(RECORDS[:2]))])], acks=acks)
        ok(r["topics"][T][1]["error"] == 0, f"acks={acks}: answered, error 0", r["topics"])
    # acks=0: no answer; the next request's answer is the next thing read
    corr = c.next_corr()
    c.send(w.produce_request(9, corr, [(T, [(1, w.batch(RECORDS[:2]))])], acks=0))
    r = c.list_offsets(7, [(T, [(1, -1)])])
    ok(r is not None and r["corr"] == corr + 1,
       "acks=0: no response; the next request on the socket is answered next", r)
    # the high watermark moves once the WAL flusher made the append durable
    deadline = time.time() + 5
    while r["topics"][T][1]["offset"] < before + 6 and time.time() < deadline:
        time.sleep(0.01)
        r = c.list_offsets(7, [(T, [(1, -1)])])
    ok(r["topics"][T][1]["offset"] == before + 6,
       "acks=0: the batch was appended (latest offset +2 once durable)", r)


def test_codecs(c):
    text = b"kafkapg compressible payload " * 40
    want = [(f"k{i}".encode(), text + str(i).encode(), [("codec", b"x")]) for i in range(20)]
    for n, codec in enumerate(("gzip", "snappy", "lz4", "zstd")):
        part = 0 if n < 2 else 2
        base = hw(part)
        data = w.batch(want, codec=codec)
        r = c.produce(9, [(T, [(part, data)])])
        ok(r["topics"][T][part]["error"] == 0 and r["topics"][T][part]["base_offset"] == base,
           f"{codec} batch of 20 records accepted at offset {base}", r["topics"][T][part])
        fetched = fetch_all(c, part, base)
        batches = w.parse_batches(fetched["records"])
        ok(len(batches) == 1 and batches[0]["attributes"] & 7 == w.CODECS[codec]
           and len(fetched["records"]) == len(data) and batches[0]["crc_ok"],
           f"{codec}: Fetch returns the batch still compressed ({len(data)} bytes)",
           (len(batches), len(fetched["records"] or b""), len(data)))
        ok(not same_records(w.records_of(fetched["records"]), want, base),
           f"{codec}: its records decompress to what was produced",
           same_records(w.records_of(fetched["records"]), want, base)[:2])
        ok(not same_sql(w.sql_records(psql, T, part, base, 20), want, base),
           f"{codec}: kafkapg.read() decompresses them byte-identical",
           same_sql(w.sql_records(psql, T, part, base, 20), want, base)[:2])


def expect_error(c, desc, topic, partition, records, code, acks=-1, version=9, todo=None):
    """Produce that must fail with code on partition; then the same socket
    must still serve a valid produce (which appends exactly one batch)."""
    part = partition if 0 <= partition < 3 else 1
    before = hw(part, topic if topic in (T, SMALL, TSD) else T)
    r = c.produce(version, [(topic, [(partition, records)])], acks=acks)
    p = r and r["topics"].get(topic, {}).get(partition)
    ok(p is not None and p["error"] == code and p["base_offset"] in (-1, 0),
       f"{desc}: error {code}", p, todo=todo)
    after = hw(part, topic if topic in (T, SMALL, TSD) else T)
    ok(after == before, f"{desc}: nothing appended", (before, after), todo=todo)
    r = c.produce(9, [(T, [(1, w.batch(RECORDS[:1]))])])
    ok(r is not None and r["topics"][T][1]["error"] == 0,
       f"{desc}: the same connection then serves a valid produce", r)


def test_errors(c):
    good = w.batch(RECORDS[:1])
    expect_error(c, "CRC32C mismatch", T, 0, w.batch(RECORDS[:1], crc=0x12345678), 2)
    expect_error(c, "records count 5 in a 1-record batch (valid CRC)", T, 0,
                 w.batch(RECORDS[:1], count=5), 87)
    expect_error(c, "records count 0 with lastOffsetDelta 0 (valid CRC)", T, 0,
                 w.batch(RECORDS[:1], count=0), 87)
    expect_error(c, "batch of 3000 bytes on a topic with max.message.bytes 2000", SMALL, 0,
                 w.batch([(None, b"x" * 3000, [])]), 10)
    expect_error(c, "acks=2", T, 0, good, 21, acks=2)
    expect_error(c, "partition 99", T, 99, good, 3)
    expect_error(c, "partition -1", T, -1, good, 3)
    expect_error(c, "unknown topic", "kp-raw-produce-no-such-topic", 0, good, 3)
    expect_error(c, "record batch magic 3", T, 0, w.batch(RECORDS[:1], magic=3), 2)
    expect_error(c, "two batches in one partition", T, 0, good + good, 87)
    expect_error(c, "null records", T, 0, None, 87)
    expect_error(c, "magic 1 message set in Produce v3", T, 0,
                 w.legacy_set(1, [(b"k", b"v", BASE_TS)]), 87, version=3)
    expect_error(c, "control batch from a client", T, 0,
                 control_batch(), 87)
    expect_error(c, "timestamp 1000 on a topic with message.timestamp.difference.max.ms 60000",
                 TSD, 0, w.batch(RECORDS[:1], base_ts=1000), 32)
    r = c.produce(9, [(TSD, [(0, w.batch(RECORDS[:1], base_ts=int(time.time() * 1000)))])])
    ok(r["topics"][TSD][0]["error"] == 0, "... a current timestamp on that topic is accepted",
       r["topics"])
    expect_error(c, "zstd batch in Produce v6 (zstd needs v7)", T, 0,
                 w.batch(RECORDS[:1], codec="zstd"), 76, version=6)
    expect_error(c, "batch truncated by 3 bytes (no whole batch)", T, 0, good[:-3], 87)

    # acks=2 fails every partition of the request
    r = c.produce(9, [(T, [(0, good), (1, good)]), (SMALL, [(0, good)])], acks=2)
    codes = sorted(p["error"] for t in r["topics"].values() for p in t.values())
    ok(codes == [21, 21, 21], "acks=2: every partition of the request gets error 21", codes)


def control_batch():
    """A transactional control batch (attributes: transactional | control)."""
    import struct
    raw = bytearray(w.batch([(b"\x00\x00\x00\x00", b"\x00\x00\x00\x00\x00\x00", [])],
                            producer_id=5, producer_epoch=0))
    raw[21:23] = struct.pack(">h", 0x30)
    raw[17:21] = struct.pack(">I", w.calc_crc32c(bytes(raw[21:])))
    return bytes(raw)


def test_mixed(c):
    """One request: partition 0 corrupt, partition 1 valid, plus an unknown topic."""
    h0, h1 = hw(0), hw(1)
    r = c.produce(9, [(T, [(0, w.batch(RECORDS[:2], crc=1)), (1, w.batch(RECORDS[:2]))]),
                      ("kp-raw-produce-missing", [(0, w.batch(RECORDS[:1]))])])
    p0, p1 = r["topics"][T][0], r["topics"][T][1]
    ok(p0["error"] == 2 and p1["error"] == 0 and p1["base_offset"] == h1,
       "corrupt partition 0 and valid partition 1 in one request: 2 and 0", r["topics"])
    ok(r["topics"]["kp-raw-produce-missing"][0]["error"] == 3,
       "... and the unknown topic in the same request gets 3", r["topics"])
    ok(hw(0) == h0 and hw(1) == h1 + 2, "only partition 1 grew (by 2 records)",
       (h0, hw(0), h1, hw(1)))
    ok((p0["base_offset"], p0["log_start_offset"]) == (-1, -1),
       "the failed partition's base_offset and log_start_offset are -1, as Kafka sends",
       p0)
    recs = w.records_of(fetch_all(c, 1, h1)["records"])
    ok(not same_records(recs, RECORDS[:2], h1), "partition 1's records read back", recs)


def test_acks0_error_closes():
    with w.Conn() as c:
        c.send(w.produce_request(9, c.next_corr(), [(T, [(1, w.batch(RECORDS[:1], crc=1))])],
                                 acks=0))
        time.sleep(0.3)
        closed = not c.is_open(wait=1.0)
    ok(closed, "a failed acks=0 produce closes the connection (the client's only signal)")


def main():
    psql(f"SELECT kafkapg.create_topic('{T}', 3)")
    psql(f"SELECT kafkapg.create_topic('{SMALL}', 1, '{{\"max.message.bytes\": \"2000\"}}')")
    psql(f"SELECT kafkapg.create_topic('{TSD}', 1,"
         f" '{{\"message.timestamp.difference.max.ms\": \"60000\"}}')")
    with w.Conn() as c:
        test_versions(c)
        test_acks(c)
        test_codecs(c)
        test_errors(c)
        test_mixed(c)
    test_acks0_error_closes()
    return kptap.exit_status()


if __name__ == "__main__":
    kptap.run(main)
