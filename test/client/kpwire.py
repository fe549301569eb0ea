"""Raw Kafka wire protocol for the client tests: hand-built requests for
Produce, Fetch, ListOffsets, CreateTopics, DeleteTopics and DescribeCluster,
decoders for their responses, and RecordBatch v2 / legacy message-set
builders and parsers (so a test controls every byte, CRC included).

Builds on the primitives of test_raw_protocol.py (header, Reader, sockets).
Field names follow Kafka's JSON message schemas.  Python standard library
plus kafka-python's CRC32C and codecs (kafka.record.util, kafka.codec).
"""
import gzip
import io
import socket
import struct
import sys
import zlib

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
from kafka import codec as kcodec                      # noqa: E402
from kafka.record.util import calc_crc32c               # noqa: E402

from test_raw_protocol import (NO_TAGS, Reader, Short, compact_string, connect,  # noqa: E402,F401
                               decode_metadata, frame, i8, i16, i32, metadata_request,
                               read_response, string, uvarint)

PRODUCE, FETCH, LIST_OFFSETS, METADATA = 0, 1, 2, 3
CREATE_TOPICS, DELETE_TOPICS, DESCRIBE_CLUSTER = 19, 20, 60

# first flexible version of each API (request header v2, response header v1)
FLEX = {PRODUCE: 9, FETCH: 12, LIST_OFFSETS: 6, METADATA: 9, CREATE_TOPICS: 5,
        DELETE_TOPICS: 4, DESCRIBE_CLUSTER: 0}

CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
ATTR_LOG_APPEND_TIME = 0x08

# error codes used by the tests
NONE, OFFSET_OUT_OF_RANGE, CORRUPT_MESSAGE, UNKNOWN_TOPIC_OR_PARTITION = 0, 1, 2, 3
MESSAGE_TOO_LARGE, INVALID_TOPIC_EXCEPTION, INVALID_REQUIRED_ACKS = 10, 17, 21
TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR = 36, 37, 38
INVALID_CONFIG, INVALID_REQUEST, INVALID_RECORD, UNKNOWN_TOPIC_ID = 40, 42, 87, 100


def i64(v): return struct.pack(">q", v)


def varint(n):
    """Zigzag varint (signed), as records use."""
    return uvarint((n << 1) ^ (n >> 63))


# ---------------------------------------------------------------- writer

class W:
    """Encoder for one message body, classic or flexible."""

    def __init__(self, flex):
        self.flex = flex
        self.b = bytearray()

    def raw(self, b):
        self.b += b
        return self

    def i8(self, v): return self.raw(i8(v))
    def i16(self, v): return self.raw(i16(v))
    def i32(self, v): return self.raw(i32(v))
    def i64(self, v): return self.raw(i64(v))
    def bool(self, v): return self.raw(i8(1 if v else 0))

    def uuid(self, u):
        assert len(u) == 16
        return self.raw(u)

    def string(self, s):
        return self.raw(compact_string(s) if self.flex else string(s))

    def bytes(self, b):
        """Nullable bytes (records)."""
        if self.flex:
            return self.raw(uvarint(0) if b is None else uvarint(len(b) + 1) + b)
        return self.raw(i32(-1) if b is None else i32(len(b)) + b)

    def array(self, items, fn):
        if items is None:
            return self.raw(uvarint(0) if self.flex else i32(-1))
        self.raw(uvarint(len(items) + 1) if self.flex else i32(len(items)))
        for it in items:
            fn(it)
        return self

    def tags(self):
        if self.flex:
            self.raw(NO_TAGS)
        return self


def request(api_key, version, corr, body, client_id="kp-wire-test"):
    """Frames body behind request header v1 (v2 when the API version is flexible)."""
    flex = version >= FLEX[api_key]
    hdr = struct.pack(">hhi", api_key, version, corr) + string(client_id)
    if flex:
        hdr += NO_TAGS
    return frame(hdr + bytes(body))


# ---------------------------------------------------------------- reader

class R(Reader):
    """Reader with the pieces responses need beyond test_raw_protocol's."""

    def __init__(self, data, flex):
        super().__init__(data)
        self.flex = flex

    def i64(self): return struct.unpack(">q", self.take(8))[0]

    def str(self):
        return self.string(self.flex)

    def arr(self, fn):
        return self.array(self.flex, fn)

    def bytes(self):
        n = self.uvarint() - 1 if self.flex else self.i32()
        return None if n < 0 else self.take(n)

    def tag(self):
        return self.tags() if self.flex else {}


def response_reader(payload, api_key, version):
    """Reader positioned after the correlation id (and header tags)."""
    flex = version >= FLEX[api_key]
    r = R(payload, flex)
    r.corr = r.i32()
    if flex:
        r.tags()
    return r


# ---------------------------------------------------------------- records

def record_bytes(offset_delta, ts_delta, key, value, headers):
    """One record of a v2 batch (length-prefixed)."""
    body = bytearray(i8(0))
    body += varint(ts_delta) + varint(offset_delta)
    body += varint(-1) if key is None else varint(len(key)) + key
    body += varint(-1) if value is None else varint(len(value)) + value
    body += varint(len(headers))
    for hk, hv in headers:
        hk = hk.encode() if isinstance(hk, str) else hk
        body += varint(len(hk)) + hk
        body += varint(-1) if hv is None else varint(len(hv)) + hv
    return varint(len(body)) + bytes(body)


def compress(codec, data):
    if codec == "gzip":
        return kcodec.gzip_encode(data)
    if codec == "snappy":
        return kcodec.snappy_encode(data)
    if codec == "lz4":
        return kcodec.lz4_encode(data)
    if codec == "zstd":
        return kcodec.zstd_encode(data)
    return data


def batch(records, base_ts=1_700_000_000_000, codec="none", log_append_time=False,
          base_offset=0, producer_id=-1, producer_epoch=-1, base_sequence=-1,
          count=None, crc=None, magic=2, last_offset_delta=None, max_ts=None):
    """A RecordBatch v2.  records: list of (key, value, headers[, ts_delta]).
    count, crc, magic, last_offset_delta override the true values (for
    corrupt batches); crc is computed over the bytes as sent otherwise."""
    recs = b"".join(record_bytes(i, r[3] if len(r) > 3 else i, r[0], r[1], r[2])
                    for i, r in enumerate(records))
    recs = compress(codec, recs)
    n = len(records)
    deltas = [r[3] if len(r) > 3 else i for i, r in enumerate(records)]
    attrs = CODECS[codec] | (ATTR_LOG_APPEND_TIME if log_append_time else 0)
    after_crc = (i16(attrs) + i32(n - 1 if last_offset_delta is None else last_offset_delta) +
                 i64(base_ts) + i64(base_ts + max(deltas or [0]) if max_ts is None else max_ts) +
                 i64(producer_id) + i16(producer_epoch) + i32(base_sequence) +
                 i32(n if count is None else count) + recs)
    c = calc_crc32c(after_crc) if crc is None else crc
    tail = i32(-1) + i8(magic) + struct.pack(">I", c) + after_crc    # leader epoch .. end
    return i64(base_offset) + i32(len(tail)) + tail


def legacy_message(magic, key, value, ts=None, codec=0, offset=0):
    """One message (magic 0 or 1) with its offset and size: a message set of one."""
    body = i8(magic) + i8(codec)
    if magic == 1:
        body += i64(ts)
    body += (i32(-1) if key is None else i32(len(key)) + key)
    body += (i32(-1) if value is None else i32(len(value)) + value)
    msg = struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF) + body
    return i64(offset) + i32(len(msg)) + msg


def legacy_set(magic, messages, codec="none", wrapper_ts=None):
    """A legacy message set: messages [(key, value, ts)]; compressed sets are
    one wrapper message holding the inner set (offsets relative for magic 1)."""
    inner = b"".join(legacy_message(magic, k, v, ts, 0, i) for i, (k, v, ts) in enumerate(messages))
    if codec == "none":
        return inner
    data = gzip.compress(inner) if codec == "gzip" else compress(codec, inner)
    last = len(messages) - 1
    ts = wrapper_ts if wrapper_ts is not None else max(m[2] or 0 for m in messages)
    return legacy_message(magic, None, data, ts, CODECS[codec], last if magic == 1 else 0)


def decompress(codec, data):
    if codec == 1:
        return gzip.GzipFile(fileobj=io.BytesIO(data)).read()
    if codec == 2:
        return kcodec.snappy_decode(data)
    if codec == 3:
        return kcodec.lz4_decode(data)
    if codec == 4:
        return kcodec.zstd_decode(data)
    return data


def read_varint(r):
    """Zigzag varint (64-bit)."""
    n = shift = 0
    while True:
        b = r.take(1)[0]
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            break
        shift += 7
        if shift > 63:
            raise Short("varint too long")
    return (n >> 1) ^ -(n & 1)


def parse_batches(data):
    """Parses fetched record data (v2 batches; a partial trailing batch is
    ignored, as clients do).  Returns a list of batches, each a dict with
    the header fields and "records": dicts offset, timestamp, key, value,
    headers [(key str, value bytes or None)], and "crc_ok"."""
    out = []
    p = 0
    while p + 12 <= len(data):
        base_offset, length = struct.unpack(">qi", data[p:p + 12])
        if p + 12 + length > len(data):
            break
        raw = data[p:p + 12 + length]
        p += 12 + length
        r = Reader(raw)
        r.take(12)
        b = {"base_offset": base_offset, "length": length}
        b["leader_epoch"] = r.i32()
        b["magic"] = r.i8()
        if b["magic"] != 2:
            raise Short(f"magic {b['magic']} in fetched data")
        b["crc"] = struct.unpack(">I", r.take(4))[0]
        b["crc_ok"] = calc_crc32c(raw[21:]) == b["crc"]
        b["attributes"] = r.i16()
        b["last_offset_delta"] = r.i32()
        b["base_timestamp"] = struct.unpack(">q", r.take(8))[0]
        b["max_timestamp"] = struct.unpack(">q", r.take(8))[0]
        b["producer_id"] = struct.unpack(">q", r.take(8))[0]
        b["producer_epoch"] = r.i16()
        b["base_sequence"] = r.i32()
        n = r.i32()
        body = decompress(b["attributes"] & 7, raw[r.p:])
        rr = Reader(body)
        recs = []
        for _ in range(n):
            read_varint(rr)                     # length
            rr.i8()                             # attributes
            ts_delta = read_varint(rr)
            off_delta = read_varint(rr)
            kl = read_varint(rr)
            key = None if kl < 0 else rr.take(kl)
            vl = read_varint(rr)
            value = None if vl < 0 else rr.take(vl)
            headers = []
            for _ in range(read_varint(rr)):
                hk = rr.take(read_varint(rr)).decode()
                hl = read_varint(rr)
                headers.append((hk, None if hl < 0 else rr.take(hl)))
            ts = (b["max_timestamp"] if b["attributes"] & ATTR_LOG_APPEND_TIME
                  else b["base_timestamp"] + ts_delta)
            recs.append({"offset": base_offset + off_delta, "timestamp": ts, "key": key,
                         "value": value, "headers": headers})
        b["records"] = recs
        out.append(b)
    return out


def records_of(data):
    """Every record of fetched data, flattened."""
    return [rec for b in parse_batches(data or b"") for rec in b["records"]]


# ---------------------------------------------------------------- Produce

def produce_request(version, corr, topics, acks=-1, timeout_ms=10000, transactional_id=None):
    """topics: [(name, [(partition, records bytes or None)])]."""
    w = W(version >= FLEX[PRODUCE])
    if version >= 3:
        w.string(transactional_id)
    w.i16(acks).i32(timeout_ms)

    def partition(p):
        w.i32(p[0]).bytes(p[1]).tags()

    def topic(t):
        w.string(t[0]).array(t[1], partition).tags()
    w.array(topics, topic).tags()
    return request(PRODUCE, version, corr, w.b)


def decode_produce(payload, v):
    """{"corr", "topics": {name: {partition: {...}}}, "throttle"}."""
    r = response_reader(payload, PRODUCE, v)
    out = {"corr": r.corr, "topics": {}}

    def partition():
        p = {"index": r.i32(), "error": r.i16(), "base_offset": r.i64()}
        p["log_append_time"] = r.i64() if v >= 2 else None
        p["log_start_offset"] = r.i64() if v >= 5 else None
        if v >= 8:
            p["record_errors"] = r.arr(lambda: (r.i32(), r.str(), r.tag())[:2])
            p["error_message"] = r.str()
        r.tag()
        return p

    def topic():
        name = r.str()
        parts = r.arr(partition)
        r.tag()
        out["topics"][name] = {p["index"]: p for p in parts}
    r.arr(topic)
    out["throttle"] = r.i32() if v >= 1 else None
    r.tag()
    r.end()
    return out


# ---------------------------------------------------------------- Fetch

def fetch_request(version, corr, topics, max_wait_ms=0, min_bytes=1, max_bytes=50 * 2 ** 20,
                  isolation_level=0, session_id=0, session_epoch=-1):
    """topics: [(name or 16-byte id, [(partition, fetch_offset, partition_max_bytes)])]."""
    w = W(version >= FLEX[FETCH])
    w.i32(-1).i32(max_wait_ms).i32(min_bytes).i32(max_bytes).i8(isolation_level)
    if version >= 7:
        w.i32(session_id).i32(session_epoch)

    def partition(p):
        w.i32(p[0])
        if version >= 9:
            w.i32(-1)                               # current_leader_epoch
        w.i64(p[1])
        if version >= 12:
            w.i32(-1)                               # last_fetched_epoch
        if version >= 5:
            w.i64(-1)                               # log_start_offset
        w.i32(p[2]).tags()

    def topic(t):
        if version >= 13:
            w.uuid(t[0])
        else:
            w.string(t[0])
        w.array(t[1], partition).tags()
    w.array(topics, topic)
    if version >= 7:
        w.array([], None)                           # forgotten_topics_data
    if version >= 11:
        w.string("")                                # rack_id
    w.tags()
    return request(FETCH, version, corr, w.b)


def decode_fetch(payload, v):
    """{"corr", "error", "session_id", "topics": {name or id: {partition: {...}}}}."""
    r = response_reader(payload, FETCH, v)
    out = {"corr": r.corr, "throttle": r.i32(), "topics": {}}
    if v >= 7:
        out["error"] = r.i16()
        out["session_id"] = r.i32()

    def aborted():
        a = (r.i64(), r.i64())
        r.tag()
        return a

    def partition():
        p = {"index": r.i32(), "error": r.i16(), "high_watermark": r.i64(),
             "last_stable_offset": r.i64()}
        p["log_start_offset"] = r.i64() if v >= 5 else None
        p["aborted"] = r.arr(aborted)
        p["preferred_read_replica"] = r.i32() if v >= 11 else None
        p["records"] = r.bytes()
        p["tags"] = r.tag()
        return p

    def topic():
        key = r.uuid() if v >= 13 else r.str()
        parts = r.arr(partition)
        r.tag()
        out["topics"][key] = {p["index"]: p for p in parts}
    r.arr(topic)
    r.tag()
    r.end()
    return out


# ---------------------------------------------------------------- ListOffsets

def list_offsets_request(version, corr, topics, isolation_level=0):
    """topics: [(name, [(partition, timestamp)])]."""
    w = W(version >= FLEX[LIST_OFFSETS])
    w.i32(-1)
    if version >= 2:
        w.i8(isolation_level)

    def partition(p):
        w.i32(p[0])
        if version >= 4:
            w.i32(-1)                               # current_leader_epoch
        w.i64(p[1])
        if version == 0:
            w.i32(1)                                # max_num_offsets
        w.tags()

    def topic(t):
        w.string(t[0]).array(t[1], partition).tags()
    w.array(topics, topic).tags()
    return request(LIST_OFFSETS, version, corr, w.b)


def decode_list_offsets(payload, v):
    """{"corr", "topics": {name: {partition: {error, offset, timestamp, ...}}},
    "list": [(name, [partition, ...])] in order}; v0's old_style_offsets
    become "offsets" (and "offset" the first, or None)."""
    r = response_reader(payload, LIST_OFFSETS, v)
    out = {"corr": r.corr, "topics": {}}
    out["throttle"] = r.i32() if v >= 2 else None

    def partition():
        p = {"index": r.i32(), "error": r.i16()}
        if v == 0:
            p["offsets"] = r.arr(r.i64)
            p["offset"] = p["offsets"][0] if p["offsets"] else None
            p["timestamp"] = None
        else:
            p["timestamp"] = r.i64()
            p["offset"] = r.i64()
        p["leader_epoch"] = r.i32() if v >= 4 else None
        r.tag()
        return p

    def topic():
        name = r.str()
        parts = r.arr(partition)
        r.tag()
        out["topics"][name] = {p["index"]: p for p in parts}
        out["list"].append((name, parts))
    out["list"] = []                # every (topic, partitions) in order, duplicates kept
    r.arr(topic)
    r.tag()
    r.end()
    return out


# ---------------------------------------------------------------- CreateTopics

def create_topics_request(version, corr, topics, timeout_ms=10000, validate_only=False):
    """topics: [(name, num_partitions, replication_factor, {config: value},
    [(partition, [broker ids])] assignments)]."""
    w = W(version >= FLEX[CREATE_TOPICS])

    def assignment(a):
        w.i32(a[0]).array(a[1], w.i32).tags()

    def config(kv):
        w.string(kv[0]).string(kv[1]).tags()

    def topic(t):
        name, n, rf = t[:3]
        configs = t[3] if len(t) > 3 else {}
        assignments = t[4] if len(t) > 4 else []
        w.string(name).i32(n).i16(rf).array(assignments, assignment)
        w.array(list(configs.items()), config).tags()
    w.array(topics, topic).i32(timeout_ms)
    if version >= 1:
        w.bool(validate_only)
    w.tags()
    return request(CREATE_TOPICS, version, corr, w.b)


def decode_create_topics(payload, v):
    """{"corr", "topics": {name: {error, message, topic_id, num_partitions, ...}}}."""
    r = response_reader(payload, CREATE_TOPICS, v)
    out = {"corr": r.corr, "topics": {}}
    out["throttle"] = r.i32() if v >= 2 else None

    def config():
        c = {"name": r.str(), "value": r.str(), "read_only": r.boolean(),
             "source": r.i8(), "sensitive": r.boolean()}
        r.tag()
        return c

    def topic():
        t = {"name": r.str()}
        t["topic_id"] = r.uuid() if v >= 7 else None
        t["error"] = r.i16()
        t["message"] = r.str() if v >= 1 else None
        if v >= 5:
            t["num_partitions"] = r.i32()
            t["replication_factor"] = r.i16()
            t["configs"] = r.arr(config)
        t["tags"] = r.tag()
        out["topics"][t["name"]] = t
    r.arr(topic)
    r.tag()
    r.end()
    return out


# ---------------------------------------------------------------- DeleteTopics

def delete_topics_request(version, corr, names=None, ids=None, timeout_ms=10000):
    """v0-v5 by names; v6 by names and/or ids."""
    w = W(version >= FLEX[DELETE_TOPICS])
    if version >= 6:
        items = [(n, bytes(16)) for n in names or []] + [(None, i) for i in ids or []]
        w.array(items, lambda t: w.string(t[0]).uuid(t[1]).tags())
    else:
        w.array(names, w.string)
    w.i32(timeout_ms).tags()
    return request(DELETE_TOPICS, version, corr, w.b)


def decode_delete_topics(payload, v):
    """{"corr", "results": [{name, topic_id, error, message}]} in order."""
    r = response_reader(payload, DELETE_TOPICS, v)
    out = {"corr": r.corr}
    out["throttle"] = r.i32() if v >= 1 else None

    def result():
        t = {"name": r.str()}
        t["topic_id"] = r.uuid() if v >= 6 else None
        t["error"] = r.i16()
        t["message"] = r.str() if v >= 5 else None
        r.tag()
        return t
    out["results"] = r.arr(result)
    r.tag()
    r.end()
    return out


# ---------------------------------------------------------------- DescribeCluster

def describe_cluster_request(version, corr, include_ops=False):
    w = W(True)
    w.bool(include_ops)
    if version >= 1:
        w.i8(1)                                     # endpoint_type: brokers
    w.tags()
    return request(DESCRIBE_CLUSTER, version, corr, w.b)


def decode_describe_cluster(payload, v):
    r = response_reader(payload, DESCRIBE_CLUSTER, v)
    out = {"corr": r.corr, "throttle": r.i32(), "error": r.i16(), "message": r.str()}
    if v >= 1:
        out["endpoint_type"] = r.i8()
    out["cluster_id"] = r.str()
    out["controller_id"] = r.i32()

    def broker():
        b = {"id": r.i32(), "host": r.str(), "port": r.i32(), "rack": r.str()}
        r.tag()
        return b
    out["brokers"] = r.arr(broker)
    out["cluster_authorized_operations"] = r.i32()
    r.tag()
    r.end()
    return out


# ---------------------------------------------------------------- connection

DECODERS = {PRODUCE: decode_produce, FETCH: decode_fetch, LIST_OFFSETS: decode_list_offsets,
            METADATA: decode_metadata, CREATE_TOPICS: decode_create_topics,
            DELETE_TOPICS: decode_delete_topics, DESCRIBE_CLUSTER: decode_describe_cluster}


class Conn:
    """One broker connection; call() sends a request and decodes its answer."""

    def __init__(self, timeout=15):
        self.s = connect()
        self.s.settimeout(timeout)
        self.corr = 0

    def next_corr(self):
        self.corr += 1
        return self.corr

    def send(self, raw):
        self.s.sendall(raw)

    def recv(self, api_key, version):
        """The next response, decoded; None if the connection closed."""
        payload = read_response(self.s)
        if payload is None:
            return None
        return DECODERS[api_key](payload, version)

    def call(self, api_key, version, build, *args, **kw):
        """build(version, corr, *args, **kw) -> raw; returns the decoded response."""
        corr = self.next_corr()
        self.send(build(version, corr, *args, **kw))
        resp = self.recv(api_key, version)
        if resp is not None and resp["corr"] != corr:
            raise Short(f"correlation id {resp['corr']} != {corr}")
        return resp

    def produce(self, version, topics, **kw):
        return self.call(PRODUCE, version, produce_request, topics, **kw)

    def fetch(self, version, topics, **kw):
        return self.call(FETCH, version, fetch_request, topics, **kw)

    def list_offsets(self, version, topics, **kw):
        return self.call(LIST_OFFSETS, version, list_offsets_request, topics, **kw)

    def metadata(self, version, topics, **kw):
        return self.call(METADATA, version, metadata_request, topics, **kw)

    def create_topics(self, version, topics, **kw):
        return self.call(CREATE_TOPICS, version, create_topics_request, topics, **kw)

    def delete_topics(self, version, **kw):
        return self.call(DELETE_TOPICS, version, delete_topics_request, **kw)

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def is_open(self, wait=0.2):
        """True unless the server has closed the connection."""
        self.s.settimeout(wait)
        try:
            return self.s.recv(1, socket.MSG_PEEK) != b""
        except socket.timeout:
            return True
        except OSError:
            return False
        finally:
            self.s.settimeout(15)


# ---------------------------------------------------------------- SQL side

def sql_records(psql, topic, partition, from_offset=0, max_records=1000):
    """kafkapg.read() rows as dicts: offset, ts_ms, key, value (bytes or
    None) and headers (the jsonb text)."""
    q = (f"SELECT \"offset\", (extract(epoch FROM \"timestamp\") * 1000)::bigint,"
         f" coalesce(encode(key, 'hex'), 'NULL'), coalesce(encode(value, 'hex'), 'NULL'),"
         f" headers FROM kafkapg.read('{topic}', {partition}, {from_offset}, {max_records})")
    rows = []
    for line in psql(q).splitlines():
        off, ts, k, v, h = line.split("|", 4)
        rows.append({"offset": int(off), "timestamp": int(ts) if ts != "" else -1,
                     "key": None if k == "NULL" else bytes.fromhex(k),
                     "value": None if v == "NULL" else bytes.fromhex(v), "headers": h})
    return rows


def topic_id(psql, name):
    """The topic's 16-byte id from kafkapg.topics, or None."""
    t = psql(f"SELECT topic_id FROM kafkapg.topics WHERE topic = '{name}'")
    return bytes.fromhex(t.replace("-", "")) if t else None
