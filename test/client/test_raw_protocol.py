#!/usr/bin/python3
"""Raw Kafka wire protocol against kafkapg, with hand-built frames.

Proves, byte for byte and with no client library in between, that the
broker:
  * closes a connection on a bad frame (size too large, negative, below 8),
    on an unknown API key, on an unsupported Metadata version and on a
    malformed or truncated body -- sending nothing back -- and keeps serving
    new connections and an already open bystander connection afterwards;
  * advertises in ApiVersions v0-v3 exactly Produce 0-9, Fetch 4-13,
    ListOffsets 0-7, Metadata 0-12, ApiVersions 0-3, CreateTopics 0-7,
    DeleteTopics 0-6 and DescribeCluster 0-1;
  * answers ApiVersions of an unsupported version (v4, v127) with the
    KIP-511 fallback: a v0 response, error 35, exactly [(18, 0, 3)], and
    keeps the connection open;
  * answers ApiVersions v3 with an invalid client software name or version
    with error 42 INVALID_REQUEST (and accepts edge-case valid names);
  * accepts a frame of exactly kafkapg.socket_request_max_bytes and closes
    on one byte more;
  * answers pipelined requests (50 in one write) in order, a request sent
    one byte at a time, and a frame larger than its 64 kB read chunk;
  * like Kafka (which reads one request at a time per connection), still
    answers the valid requests written before a bad one in the same write,
    then closes;
  * skips unknown tagged fields in request headers and bodies;
  * answers Metadata v0..v12 correctly: the one broker (id 1 at KP_HOST:
    KP_PORT, rack null), cluster id (v2+, equal to kafkapg.cluster_id()),
    controller 1 (v1+); an all-topics request lists exactly the topics of
    kafkapg.topics (same ids, partition counts); an existing topic is
    described (every partition led by 1, replicas and ISR [1], epoch 0);
    an unknown named topic is created by v0-v3 (no allow flag, as in
    Kafka), and by v4+ only when allow_auto_topic_creation is true (error 3
    otherwise); an illegal name gets error 17 and creates nothing; a topic
    id gets error 100 and a null name when unknown (v12), the topic when
    known, error 42 in v10/v11;
  * logs one "closing connection from" line per deliberate close, counts
    them in kafkapg.broker_workers.connections_closed_on_error, and never
    crashes (the worker pid and start time do not change).

Python standard library only; the responses are decoded by the small
decoder below (classic and flexible/compact encodings).
"""
import os
import random
import socket
import struct
import time

import kptap
from kptap import HOST, PORT, ok, psql

LOG = os.environ["KP_LOG"]

API_METADATA = 3
API_VERSIONS = 18
# sorted by api key: Produce, Fetch, ListOffsets, Metadata, ApiVersions,
# CreateTopics, DeleteTopics, OffsetForLeaderEpoch, DescribeCluster
EXPECTED_API_KEYS = [(0, 0, 9), (1, 4, 13), (2, 0, 7), (3, 0, 12), (8, 0, 8), (9, 0, 8),
                     (10, 0, 4), (11, 0, 9), (12, 0, 4), (13, 0, 5), (14, 0, 5),
                     (15, 0, 5), (16, 0, 4), (18, 0, 3), (19, 0, 7), (20, 0, 6),
                     (23, 0, 4), (42, 0, 2), (47, 0, 0), (60, 0, 1)]
INT32_MIN = -2 ** 31
EXISTING = "kp-raw-existing"     # created by main() through SQL, 2 partitions




# ---------------------------------------------------------------- encoding

def i8(v): return struct.pack(">b", v)
def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)


def uvarint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def string(s):
    """Classic nullable string: int16 length, -1 for null."""
    if s is None:
        return i16(-1)
    b = s.encode() if isinstance(s, str) else s
    return i16(len(b)) + b


def compact_string(s):
    """Compact nullable string: uvarint length+1, 0 for null."""
    if s is None:
        return uvarint(0)
    b = s.encode() if isinstance(s, str) else s
    return uvarint(len(b) + 1) + b


NO_TAGS = b"\x00"


def frame(payload):
    return i32(len(payload)) + payload


def request(api_key, version, corr, body, flexible, client_id="kp-raw-test"):
    """Request header v1 (v2 with a tagged section when flexible) + body."""
    hdr = struct.pack(">hhi", api_key, version, corr) + string(client_id)
    if flexible:
        hdr += NO_TAGS
    return frame(hdr + body)


def api_versions_request(version, corr, name="kp-raw-test", sw_version="1.0"):
    if version >= 3:
        body = compact_string(name) + compact_string(sw_version) + NO_TAGS
        return request(API_VERSIONS, version, corr, body, True)
    return request(API_VERSIONS, version, corr, b"", False)


ALL = object()


def metadata_request(version, corr, topics=ALL, allow_auto=False):
    """topics: ALL (v0: empty array, v1+: null array), or a list of names or
    (name, 16-byte topic id) pairs."""
    flex = version >= 9
    if topics is ALL and version == 0:
        topics = []
    body = b""
    if topics is ALL:
        body += uvarint(0) if flex else i32(-1)
    else:
        body += uvarint(len(topics) + 1) if flex else i32(len(topics))
        for t in topics:
            name, tid = (t, bytes(16)) if not isinstance(t, tuple) else t
            if version >= 10:
                body += tid
            body += compact_string(name) if flex else string(name)
            if flex:
                body += NO_TAGS
    if version >= 4:
        body += i8(1 if allow_auto else 0)
    if 8 <= version <= 10:
        body += i8(0)           # include_cluster_authorized_operations
    if version >= 8:
        body += i8(0)           # include_topic_authorized_operations
    if flex:
        body += NO_TAGS
    return request(API_METADATA, version, corr, body, flex)


# ---------------------------------------------------------------- decoding

class Short(Exception):
    pass


class Reader:
    def __init__(self, data):
        self.d = data
        self.p = 0

    def take(self, n):
        if n < 0 or self.p + n > len(self.d):
            raise Short(f"need {n} bytes at offset {self.p}, have {len(self.d) - self.p}")
        b = self.d[self.p:self.p + n]
        self.p += n
        return b

    def i8(self): return struct.unpack(">b", self.take(1))[0]
    def i16(self): return struct.unpack(">h", self.take(2))[0]
    def i32(self): return struct.unpack(">i", self.take(4))[0]
    def uuid(self): return self.take(16)

    def boolean(self):
        v = self.i8()
        if v not in (0, 1):
            raise Short(f"bad boolean {v}")
        return bool(v)

    def uvarint(self):
        n = shift = 0
        while True:
            b = self.take(1)[0]
            n |= (b & 0x7F) << shift
            if not b & 0x80:
                return n
            shift += 7
            if shift > 28:
                raise Short("uvarint too long")

    def string(self, flex):
        n = self.uvarint() - 1 if flex else self.i16()
        return None if n < 0 else self.take(n).decode()

    def array(self, flex, elem):
        n = self.uvarint() - 1 if flex else self.i32()
        return None if n < 0 else [elem() for _ in range(n)]

    def tags(self):
        out = {}
        for _ in range(self.uvarint()):
            tag = self.uvarint()
            out[tag] = self.take(self.uvarint())
        return out

    def end(self):
        if self.p != len(self.d):
            raise Short(f"{len(self.d) - self.p} trailing bytes")


def decode_api_versions(payload, version):
    """ApiVersions response (header v0 at every version)."""
    flex = version >= 3
    r = Reader(payload)
    out = {"corr": r.i32(), "error": r.i16()}

    def key():
        k = (r.i16(), r.i16(), r.i16())
        if flex:
            r.tags()
        return k
    out["keys"] = r.array(flex, key)
    out["throttle"] = r.i32() if version >= 1 else None
    if flex:
        out["tags"] = r.tags()
    r.end()
    return out


def decode_metadata(payload, v):
    """Metadata response; header v1 (tagged section) from v9."""
    flex = v >= 9
    r = Reader(payload)
    out = {"corr": r.i32()}
    if flex:
        r.tags()
    out["throttle"] = r.i32() if v >= 3 else None

    def broker():
        b = {"node_id": r.i32(), "host": r.string(flex), "port": r.i32()}
        if v >= 1:
            b["rack"] = r.string(flex)
        if flex:
            r.tags()
        return b

    def partition():
        p = {"error": r.i16(), "index": r.i32(), "leader": r.i32()}
        if v >= 7:
            p["leader_epoch"] = r.i32()
        p["replicas"] = r.array(flex, r.i32)
        p["isr"] = r.array(flex, r.i32)
        if v >= 5:
            p["offline"] = r.array(flex, r.i32)
        if flex:
            r.tags()
        return p

    def topic():
        t = {"error": r.i16(), "name": r.string(flex)}
        if v >= 10:
            t["topic_id"] = r.uuid()
        if v >= 1:
            t["is_internal"] = r.boolean()
        t["partitions"] = r.array(flex, partition)
        if v >= 8:
            t["authorized_operations"] = r.i32()
        if flex:
            r.tags()
        return t

    out["brokers"] = r.array(flex, broker)
    if v >= 2:
        out["cluster_id"] = r.string(flex)
    if v >= 1:
        out["controller_id"] = r.i32()
    out["topics"] = r.array(flex, topic)
    if 8 <= v <= 10:
        out["cluster_authorized_operations"] = r.i32()
    if flex:
        out["tags"] = r.tags()
    r.end()
    return out


# ---------------------------------------------------------------- sockets

def connect():
    s = socket.create_connection((HOST, PORT), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def read_response(s):
    """One response frame's payload (after the size), or None if closed."""
    try:
        hdr = recv_exact(s, 4)
        if hdr is None:
            return None
        size = struct.unpack(">i", hdr)[0]
        if size < 0 or size > 64 * 1024 * 1024:
            raise Short(f"response size {size}")
        return recv_exact(s, size)
    except (ConnectionResetError, socket.timeout):
        return None


def wait_closed(s, timeout=5.0):
    """Reads until the server closes.  Returns (closed, bytes received)."""
    s.settimeout(timeout)
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return True, got
            got += chunk
    except ConnectionResetError:
        return True, got
    except socket.timeout:
        return False, got


def roundtrip(raw, decode, version):
    """Sends raw on a new connection; the decoded response, None if the
    connection closed, or {"decode_error": ...} if the answer is malformed."""
    with connect() as s:
        s.sendall(raw)
        payload = read_response(s)
    if payload is None:
        return None
    try:
        return decode(payload, version)
    except Short as e:
        return {"decode_error": str(e), "payload": payload[:64]}


def api_versions_ok(resp, corr, version):
    """Problems with a successful ApiVersions response (empty list if none)."""
    if resp is None:
        return ["no response (connection closed)"]
    if "decode_error" in resp:
        return [resp]
    problems = []
    if resp["corr"] != corr:
        problems.append(f"correlation id {resp['corr']} != {corr}")
    if resp["error"] != 0:
        problems.append(f"error_code {resp['error']}")
    if sorted(resp["keys"] or []) != EXPECTED_API_KEYS:
        problems.append(f"api keys {resp['keys']}")
    if version >= 1 and resp["throttle"] != 0:
        problems.append(f"throttle {resp['throttle']}")
    return problems


def check_still_serving(after):
    """A fresh connection still gets a full ApiVersions v3 answer."""
    corr = random.randint(1, 2 ** 31 - 1)
    try:
        resp = roundtrip(api_versions_request(3, corr), decode_api_versions, 3)
        problems = api_versions_ok(resp, corr, 3)
    except (OSError, Short) as e:
        problems = [repr(e)]
    ok(not problems, f"new connection after {after}: ApiVersions v3 answered", problems)


# Every deliberate close below is recorded here: (description, log fragment).
closes = []


def expect_close(desc, raw, log_fragment, chunks=None):
    """Sends raw bytes on a new connection; the server must close it and
    send nothing; then a new connection must still be served."""
    try:
        with connect() as s:
            if chunks:
                for c in chunks:
                    s.sendall(c)
                    time.sleep(0.01)
            else:
                s.sendall(raw)
            closed, got = wait_closed(s)
    except OSError as e:          # reset while sending also counts as closed
        closed, got = True, b""
        if not isinstance(e, (ConnectionResetError, BrokenPipeError)):
            closed = False
            got = repr(e).encode()
    ok(closed and got == b"", f"{desc}: server closes the connection without a response",
       f"closed={closed} received={got[:64]!r}")
    closes.append((desc, log_fragment))
    check_still_serving(desc)


def expect_answers_then_close(desc, raw, n_good, log_fragment):
    """Sends n_good valid ApiVersions v0 requests (corr 1..n_good) followed by
    a bad one, all in one write.  Like Kafka, which reads a connection's
    requests one at a time, the broker must answer the valid requests before
    it closes the connection over the bad one."""
    got = []
    with connect() as s:
        s.sendall(b"".join(api_versions_request(0, c) for c in range(1, n_good + 1)) + raw)
        for c in range(1, n_good + 1):
            payload = read_response(s)
            if payload is None:
                break
            got.append(api_versions_ok(decode_api_versions(payload, 0), c, 0) or "ok")
        closed, rest = wait_closed(s)
    ok(got == ["ok"] * n_good and closed and rest == b"",
       f"{desc}: the {n_good} valid requests before it are answered, then the connection closes",
       f"answers {got}, closed={closed}, then received {rest[:32]!r}")
    closes.append((desc, log_fragment))
    check_still_serving(desc)


# ---------------------------------------------------------------- metadata

def sql_topics():
    """Every topic as SQL sees it: {name: (16-byte topic id, partitions)}."""
    out = {}
    rows = psql("SELECT topic || ' ' || topic_id || ' ' || partitions FROM kafkapg.topics")
    for line in rows.splitlines():
        name, tid, n = line.split(" ")
        out[name] = (bytes.fromhex(tid.replace("-", "")), int(n))
    return out


def existing(name):
    """The want_topics entry for a topic that exists (as SQL sees it)."""
    tid, n = sql_topics()[name]
    return (0, name, tid, n)


def want_topic(v, err, name, tid, nparts):
    """A decoded Metadata topic as it must be: nparts partitions (0 when
    err is set), each led by broker 1 with replicas and ISR [1], epoch 0."""
    def part(i):
        p = {"error": 0, "index": i, "leader": 1}
        if v >= 7:
            p["leader_epoch"] = 0
        p["replicas"] = [1]
        p["isr"] = [1]
        if v >= 5:
            p["offline"] = []
        return p
    want = {"error": err, "name": name, "partitions": [part(i) for i in range(nparts)]}
    if v >= 1:
        want["is_internal"] = False
    if v >= 8:
        want["authorized_operations"] = INT32_MIN
    if v >= 10:
        want["topic_id"] = tid if tid is not None else bytes(16)
    return want


ALL_TOPICS = object()


def metadata_problems(resp, v, corr, want_topics):
    """want_topics: list of (error, name, topic_id or None[, partitions])
    expected in order, or ALL_TOPICS: every topic kafkapg.topics lists now
    (in any order), each with its id and partition count."""
    if resp is None:
        return ["no response (connection closed)"]
    if "decode_error" in resp:
        return [resp]
    p = []
    if resp["corr"] != corr:
        p.append(f"corr {resp['corr']} != {corr}")
    if v >= 3 and resp["throttle"] != 0:
        p.append(f"throttle {resp['throttle']}")
    want_broker = {"node_id": 1, "host": HOST, "port": PORT}
    if v >= 1:
        want_broker["rack"] = None
    if resp["brokers"] != [want_broker]:
        p.append(f"brokers {resp['brokers']} != {[want_broker]}")
    if v >= 2 and resp["cluster_id"] != CLUSTER_ID:
        p.append(f"cluster_id {resp['cluster_id']!r} != {CLUSTER_ID!r}")
    if v >= 1 and resp["controller_id"] != 1:
        p.append(f"controller_id {resp['controller_id']}")
    if 8 <= v <= 10 and resp["cluster_authorized_operations"] != INT32_MIN:
        p.append(f"cluster_authorized_operations {resp['cluster_authorized_operations']}")
    topics = resp["topics"]
    if want_topics is ALL_TOPICS:
        sql = sql_topics()
        want_topics = [(0, name, tid, n) for name, (tid, n) in sorted(sql.items())]
        if topics is not None:
            topics = sorted(topics, key=lambda t: t["name"] or "")
    if topics is None or len(topics) != len(want_topics):
        p.append(f"{len(topics) if topics is not None else None} topics"
                 f" (want {len(want_topics)}): {[t['name'] for t in topics or []][:5]}")
        return p
    for t, w in zip(topics, want_topics):
        err, name, tid = w[:3]
        want = want_topic(v, err, name, tid, w[3] if len(w) > 3 else 0)
        if t != want:
            p.append(f"topic {str(t)[:300]} != {str(want)[:300]}")
    return p


def check(desc, fn):
    """One assertion: fn() returns a list of problems (empty when right)."""
    try:
        problems = fn()
    except (Short, TypeError, OSError) as e:      # TypeError: decoding None
        problems = [repr(e)]
    ok(not problems, desc, problems[:3])


def response_problems(raw, decode, version, checker, *args):
    """Round trip on a new connection, then checker(resp, ...)."""
    return checker(roundtrip(raw, decode, version), *args)


# ---------------------------------------------------------------- sections

def test_max_size_frame():
    """A frame of exactly socket_request_max_bytes is accepted: ApiVersions
    v3 whose client software name (all 'a', which is valid) fills it."""
    max_bytes = 104857600
    hdr = struct.pack(">hhi", API_VERSIONS, 3, 60) + string("c") + NO_TAGS
    tail = compact_string("1") + NO_TAGS
    n = max_bytes - len(hdr) - len(tail) - 4          # 4: uvarint of n + 1
    payload = hdr + uvarint(n + 1) + b"a" * n + tail

    def run():
        with connect() as s:
            s.settimeout(60)
            s.sendall(frame(payload))
            resp = read_response(s)
        return ([f"payload is {len(payload)} bytes"] if len(payload) != max_bytes else
                api_versions_ok(resp and decode_api_versions(resp, 3), 60, 3))
    check(f"frame of exactly socket_request_max_bytes ({max_bytes}) is answered", run)


def test_bad_frames():
    """(a)-(f): bad sizes, unknown API keys, unsupported Metadata versions."""
    expect_close("oversized frame (size 2^30)", i32(2 ** 30),
                 "request of 1073741824 bytes exceeds kafkapg.socket_request_max_bytes (104857600)")
    expect_close("frame of socket_request_max_bytes + 1", i32(104857601) + b"\0" * 100,
                 "request of 104857601 bytes exceeds")
    garbage = i16(0x7FFF) + bytes(random.getrandbits(8) for _ in range(10))
    expect_close("garbage frame (size 12, api key 0x7fff)", frame(garbage), "unknown API key 32767")
    expect_close("negative frame size -1", i32(-1) + b"\0" * 16, "invalid request size -1")
    expect_close("negative frame size INT32_MIN", i32(INT32_MIN), "invalid request size -2147483648")
    expect_close("frame size 3 (< 8)", i32(3) + b"abc", "invalid request size 3")
    expect_close("frame size 0", i32(0), "invalid request size 0")
    expect_close("frame size 7 (one short of a header)", i32(7) + i16(18) + i16(0) + b"\0\0\0",
                 "invalid request size 7")
    expect_close("unknown API key 9999 with a valid header",
                 request(9999, 0, 42, b"", False), "unknown API key 9999")
    expect_close("negative API key -1", request(-1, 0, 42, b"", False), "unknown API key -1")
    expect_close("unknown API key sent one byte at a time", None, "unknown API key 9998",
                 chunks=[bytes([b]) for b in request(9998, 0, 59, b"", False)])
    expect_close("Metadata v13 (unsupported)",
                 request(API_METADATA, 13, 43, b"\x01\x00\x00", True),
                 "unsupported Metadata version 13 (supported 0 to 12)")
    expect_close("Metadata v-1 (unsupported)",
                 request(API_METADATA, -1, 44, i32(-1), False),
                 "unsupported Metadata version -1 (supported 0 to 12)")


def test_malformed_bodies():
    """(i): the size prefix is right, the header or body inside is not."""
    full = metadata_request(1, 50, ["t1"])
    expect_close("truncated Metadata v1 body (topic name cut short)",
                 frame(full[4:-1]), "malformed Metadata v1 request")
    expect_close("Metadata v1 claiming 5 topics, carrying 1",
                 request(API_METADATA, 1, 51, i32(5) + string("t1"), False),
                 "malformed Metadata v1 request")
    expect_close("Metadata v1 claiming 2^31-1 topics, carrying none",
                 request(API_METADATA, 1, 52, i32(2 ** 31 - 1), False),
                 "malformed Metadata v1 request")
    expect_close("Metadata v0 with a negative topic count -2",
                 request(API_METADATA, 0, 53, i32(-2), False),
                 "malformed Metadata v0 request")
    expect_close("Metadata v4 without allow_auto_topic_creation",
                 request(API_METADATA, 4, 54, i32(-1), False),
                 "malformed Metadata v4 request")
    expect_close("Metadata v12 compact string longer than the frame",
                 request(API_METADATA, 12, 55, uvarint(2) + bytes(16) + uvarint(200) + b"t1", True),
                 "malformed Metadata v12 request")
    expect_close("Metadata v9 with an overlong uvarint",
                 request(API_METADATA, 9, 56, b"\xff" * 6, True),
                 "malformed Metadata v9 request")
    expect_close("request header whose client id runs past the frame",
                 frame(struct.pack(">hhi", API_METADATA, 1, 57) + i16(100) + b"abc"),
                 "malformed Metadata v1 request")
    expect_close("ApiVersions v3 header without its tagged section",
                 frame(struct.pack(">hhi", API_VERSIONS, 3, 58) + string("x")),
                 "malformed ApiVersions v3 request")


def test_api_versions_fallback():
    """(g): KIP-511.  The whole response is compared byte for byte."""
    for version in (4, 127, -1):
        corr = 0x10000 + (version & 0xFFFF)
        body = compact_string("kp-raw-test") + compact_string("1.0") + NO_TAGS
        want = struct.pack(">ihihhh", corr, 35, 1, 18, 0, 3)
        with connect() as s:
            s.sendall(request(API_VERSIONS, version, corr, body, True))
            got = read_response(s)
            ok(got == want, f"ApiVersions v{version}: v0 response, error 35, exactly [(18, 0, 3)]",
               f"got {got!r}, want {want!r}")
            # the client then retries with a version it knows, on the same connection
            s.sendall(api_versions_request(3, corr + 1))
            check(f"ApiVersions v{version}: connection stays open, v3 retry answered",
                  lambda: api_versions_ok(decode_api_versions(read_response(s), 3), corr + 1, 3))


def test_software_names():
    """(h): KIP-511 client software name/version syntax."""
    bad = [("-kafka", "1.0"), ("kafka-", "1.0"), ("kaf ka", "1.0"), ("", "1.0"),
           ("kafka_python", "1.0"), ("caf\u00e9", "1.0"), ("kafka", ".1"),
           ("kafka", "1.0 beta"), ("kafka", "")]
    for i, (name, ver) in enumerate(bad):
        corr = 300 + i
        resp = roundtrip(api_versions_request(3, corr, name, ver), decode_api_versions, 3)
        ok(resp is not None and resp.get("corr") == corr and resp.get("error") == 42
           and resp.get("keys") == [],
           f"ApiVersions v3 software name {name!r} version {ver!r}: error 42, no api keys", resp)
    for i, (name, ver) in enumerate([("a", "1"), ("librdkafka", "2.0.2"), ("A.b-9", "0-1.X")]):
        corr = 400 + i
        check(f"ApiVersions v3 software name {name!r} version {ver!r} accepted",
              lambda: response_problems(api_versions_request(3, corr, name, ver),
                                        decode_api_versions, 3, api_versions_ok, corr, 3))


def test_client_ids():
    """ApiVersions v0..v3 with a null and an empty client id."""
    for version in range(4):
        for cid in (None, ""):
            corr = 500 + version
            raw = api_versions_request(version, corr)
            cid_at = 4 + 8                            # size, key, version, corr
            cid_len = struct.unpack(">h", raw[cid_at:cid_at + 2])[0]
            payload = raw[4:cid_at] + string(cid) + raw[cid_at + 2 + cid_len:]
            check(f"ApiVersions v{version} with client id {cid!r}",
                  lambda: response_problems(frame(payload), decode_api_versions, version,
                                            api_versions_ok, corr, version))


def test_metadata_versions():
    """(l): Metadata v0..v12, named, all-topics, empty and by-id requests.
    v0-v3 have no allow_auto_topic_creation flag and, as in Kafka, create a
    named unknown topic; v4+ requests here set the flag false."""
    for v in range(13):
        if v < 4:
            name = f"kp-raw-md-auto-v{v}"

            def run():
                p = response_problems(metadata_request(v, 1000 + v, [name]), decode_metadata,
                                      v, metadata_problems, v, 1000 + v,
                                      [(0, name, None, 1)])
                return p + metadata_problems(roundtrip(metadata_request(12, 1100 + v, [name]),
                                                       decode_metadata, 12),
                                             12, 1100 + v, [existing(name)])
            check(f"Metadata v{v} unknown topic (no allow flag before v4): created, "
                  f"1 partition, in kafkapg.topics", run)
        else:
            name = f"kp-raw-md-missing-v{v}"
            check(f"Metadata v{v} unknown topic, allow_auto_topic_creation false: error 3",
                  lambda: response_problems(metadata_request(v, 1000 + v, [name]),
                                            decode_metadata, v, metadata_problems, v,
                                            1000 + v, [(3, name, None)]))
        check(f"Metadata v{v} existing 2-partition topic: described",
              lambda: response_problems(metadata_request(v, 1200 + v, [EXISTING]),
                                        decode_metadata, v, metadata_problems, v, 1200 + v,
                                        [existing(EXISTING)]))
        check(f"Metadata v{v} all topics ({'empty' if v == 0 else 'null'} array): "
              "every topic of kafkapg.topics",
              lambda: response_problems(metadata_request(v, 2000 + v, ALL), decode_metadata,
                                        v, metadata_problems, v, 2000 + v, ALL_TOPICS))
        if v >= 1:
            check(f"Metadata v{v} empty (non-null) topic array: no topics",
                  lambda: response_problems(metadata_request(v, 3000 + v, []), decode_metadata,
                                            v, metadata_problems, v, 3000 + v, []))
    missing = [n for n in sql_topics() if n.startswith("kp-raw-md-missing-")]
    ok(not missing, "Metadata v4-v12 with allow_auto_topic_creation false created nothing",
       missing)
    tid = bytes(random.getrandbits(8) for _ in range(16))
    check("Metadata v12 by random topic id, null name: error 100, null name, id echoed",
          lambda: response_problems(metadata_request(12, 4012, [(None, tid)]), decode_metadata,
                                    12, metadata_problems, 12, 4012, [(100, None, tid)]))
    etid = sql_topics()[EXISTING][0]
    check("Metadata v12 by the existing topic's id, null name: described, name filled in",
          lambda: response_problems(metadata_request(12, 4014, [(None, etid)]), decode_metadata,
                                    12, metadata_problems, 12, 4014, [existing(EXISTING)]))
    for v in (10, 11):
        # Kafka: topic ids (and null names) only from v12; before, INVALID_REQUEST
        check(f"Metadata v{v} by topic id: error 42 (ids need v12)",
              lambda: response_problems(metadata_request(v, 4100 + v, [("t1", tid)]),
                                        decode_metadata, v, metadata_problems, v, 4100 + v,
                                        [(42, "t1", tid)]))
    names = ["kp-raw-t1", "kp-raw-t2", "kp-raw-t1", "a" * 249]
    check("Metadata v12 four unknown named topics (one repeated), no auto-creation: "
          "error 3 each, in order",
          lambda: response_problems(metadata_request(12, 4013, names), decode_metadata,
                                    12, metadata_problems, 12, 4013, [(3, n, None) for n in names]))


def test_auto_creation():
    """allow_auto_topic_creation (v4+) with kafkapg.auto_create_topics on
    (the default): true creates the topic with kafkapg.num_partitions (1)
    partitions, false does not; an illegal name is INVALID_TOPIC_EXCEPTION
    (17) either way and creates nothing."""
    for v in (4, 9, 12):
        name = f"kp-raw-allow-true-v{v}"

        def created():
            resp = roundtrip(metadata_request(v, 7000 + v, [name], allow_auto=True),
                             decode_metadata, v)
            # the id to expect exists only once the request has created it
            return metadata_problems(resp, v, 7000 + v,
                                     [(0, name, sql_topics().get(name, (None,))[0], 1)])
        check(f"Metadata v{v} allow_auto_topic_creation true: topic created, 1 partition",
              created)
        row = psql(f"SELECT partitions FROM kafkapg.topics WHERE topic = '{name}'")
        ok(row == "1", f"Metadata v{v} allow true: kafkapg.topics has it with 1 partition", row)
        name = f"kp-raw-allow-false-v{v}"
        check(f"Metadata v{v} allow_auto_topic_creation false: error 3",
              lambda: response_problems(metadata_request(v, 7100 + v, [name], allow_auto=False),
                                        decode_metadata, v, metadata_problems, v, 7100 + v,
                                        [(3, name, None)]))
        row = psql(f"SELECT count(*) FROM kafkapg.topics WHERE topic = '{name}'")
        ok(row == "0", f"Metadata v{v} allow false: not in kafkapg.topics", row)
    # a second request for an auto-created topic describes the same topic
    name = "kp-raw-allow-true-v12"
    check("Metadata v12 allow true for an existing topic: same topic, same id",
          lambda: response_problems(metadata_request(12, 7200, [name], allow_auto=True),
                                    decode_metadata, 12, metadata_problems, 12, 7200,
                                    [existing(name)]))
    bad = ["bad/name", "a" * 250, ".", "..", "has space", "caf\u00e9"]
    for i, name in enumerate(bad):
        for allow in (True, False):
            corr = 7300 + 2 * i + allow
            check(f"Metadata v12 illegal name {name[:20]!r} (allow {allow}): error 17",
                  lambda: response_problems(metadata_request(12, corr, [name], allow_auto=allow),
                                            decode_metadata, 12, metadata_problems, 12, corr,
                                            [(17, name, None)]))
    check("Metadata v1 (always auto-creates) illegal name 'bad/name': error 17",
          lambda: response_problems(metadata_request(1, 7400, ["bad/name"]), decode_metadata,
                                    1, metadata_problems, 1, 7400, [(17, "bad/name", None)]))
    row = psql("SELECT count(*) FROM kafkapg.topics WHERE topic !~ '^[A-Za-z0-9._-]{1,249}$'"
               " OR topic IN ('.', '..')")
    ok(row == "0", "no topic with an illegal name exists", row)


def test_pipelining():
    """(j): 50 mixed requests in one write, answered in order; and valid
    requests written before a bad one are answered before the close."""
    plan = []                   # (api key, version, corr, raw, expected topics)
    for i in range(50):
        corr = 5000 + i * 7
        if i % 2 == 0:
            v = (i // 2) % 4
            plan.append((API_VERSIONS, v, corr, api_versions_request(v, corr), None))
        elif i % 4 == 1:
            v = (i // 2) % 13
            plan.append((API_METADATA, v, corr, metadata_request(v, corr, [EXISTING]),
                         [existing(EXISTING)]))
        else:
            v = (i // 2) % 13
            plan.append((API_METADATA, v, corr, metadata_request(v, corr, ALL), ALL_TOPICS))

    def run():
        problems = []
        with connect() as s:
            s.sendall(b"".join(p[3] for p in plan))
            for key, v, corr, _, topics in plan:
                payload = read_response(s)
                if payload is None:
                    return problems + [f"corr {corr}: connection closed"]
                if key == API_VERSIONS:
                    p = api_versions_ok(decode_api_versions(payload, v), corr, v)
                else:
                    p = metadata_problems(decode_metadata(payload, v), v, corr, topics)
                problems += [f"corr {corr}: {x}" for x in p]
        return problems
    check("50 pipelined ApiVersions v0-3 / Metadata v0-12 requests answered in order", run)

    expect_answers_then_close("pipelined unknown API key 9997",
                              request(9997, 0, 90, b"", False), 2, "unknown API key 9997")
    expect_answers_then_close("pipelined frame size 2^30", i32(2 ** 30), 2,
                              "request of 1073741824 bytes exceeds")
    expect_answers_then_close("pipelined truncated Metadata v1",
                              request(API_METADATA, 1, 91, i32(3), False), 1,
                              "malformed Metadata v1 request")


def test_tagged_fields():
    """Unknown tagged fields in request headers and bodies are skipped."""
    hdr = (struct.pack(">hhi", API_VERSIONS, 3, 92) + string("cid") +
           uvarint(1) + uvarint(5) + uvarint(3) + b"xyz")
    body = (compact_string("kp-raw-test") + compact_string("1.0") +
            uvarint(2) + uvarint(7) + uvarint(2) + b"ab" + uvarint(300) + uvarint(0))
    check("ApiVersions v3 with unknown tagged fields in header and body is answered",
          lambda: response_problems(frame(hdr + body), decode_api_versions, 3,
                                    api_versions_ok, 92, 3))
    hdr = (struct.pack(">hhi", API_METADATA, 12, 93) + string("cid") +
           uvarint(1) + uvarint(0) + uvarint(1) + b"z")
    std_hdr_len = 2 + 2 + 4 + len(string("kp-raw-test")) + len(NO_TAGS)
    body = metadata_request(12, 93, [EXISTING])[4 + std_hdr_len:]
    check("Metadata v12 with an unknown tagged field in the header is answered",
          lambda: response_problems(frame(hdr + body), decode_metadata, 12,
                                    metadata_problems, 12, 93, [existing(EXISTING)]))


def test_split_and_large():
    """(k): requests split across writes; a frame bigger than the read chunk."""
    raw = metadata_request(12, 6001, [EXISTING])

    def one_byte_writes():
        with connect() as s:
            for b in raw:
                s.send(bytes([b]))
                time.sleep(0.002)
            return metadata_problems(decode_metadata(read_response(s), 12), 12, 6001,
                                     [existing(EXISTING)])
    check(f"Metadata v12 sent in {len(raw)} one-byte writes is answered", one_byte_writes)

    def split_size_prefix():
        a, b = api_versions_request(1, 6002), api_versions_request(2, 6003)
        with connect() as s:
            s.sendall(a + b[:2])
            time.sleep(0.05)
            s.sendall(b[2:])
            return (api_versions_ok(decode_api_versions(read_response(s), 1), 6002, 1) +
                    api_versions_ok(decode_api_versions(read_response(s), 2), 6003, 2))
    check("two requests split inside the second size prefix: both answered", split_size_prefix)

    # v4 with allow_auto_topic_creation false: v0-v3 would create them all
    names = [f"kp-raw-big-{i:05d}" for i in range(20000)]
    raw = metadata_request(4, 6100, names, allow_auto=False)
    check(f"Metadata v4 frame of {len(raw)} bytes (20000 unknown topics, no auto-creation):"
          " error 3 each, in order",
          lambda: response_problems(raw, decode_metadata, 4, metadata_problems, 4, 6100,
                                    [(3, n, None) for n in names]))


def main():
    global CLUSTER_ID
    CLUSTER_ID = psql("SELECT kafkapg.cluster_id()")
    ok(len(CLUSTER_ID) == 22, "kafkapg.cluster_id() is a 22-character id", CLUSTER_ID)
    psql(f"SELECT kafkapg.create_topic('{EXISTING}', 2)")
    workers_sql = ("SELECT pid || ' ' || started_at || ' ' || listening"
                   " FROM kafkapg.broker_workers ORDER BY worker")
    errors_sql = "SELECT sum(connections_closed_on_error) FROM kafkapg.broker_workers"
    workers_before = psql(workers_sql)
    errors_before = int(psql(errors_sql))
    log_start = os.path.getsize(LOG)

    # A connection that stays open through every bad request below.
    bystander = connect()
    bystander.sendall(api_versions_request(0, 7))
    check("bystander connection: ApiVersions v0 answered",
          lambda: api_versions_ok(decode_api_versions(read_response(bystander), 0), 7, 0))

    test_max_size_frame()
    test_bad_frames()
    test_malformed_bodies()
    test_api_versions_fallback()
    test_software_names()
    test_client_ids()
    test_metadata_versions()
    test_auto_creation()
    test_pipelining()
    test_tagged_fields()
    test_split_and_large()

    bystander.sendall(metadata_request(12, 8, ALL))
    check("bystander connection opened before the bad requests is still served",
          lambda: metadata_problems(decode_metadata(read_response(bystander), 12), 12, 8,
                                    ALL_TOPICS))
    bystander.close()

    # ---- (m) log lines, error counter, no crash
    time.sleep(0.2)
    with open(LOG, "rb") as f:
        f.seek(log_start)
        lines = [ln for ln in f.read().decode(errors="replace").splitlines()
                 if "closing connection from" in ln]
    ok(len(lines) == len(closes),
       f"server log has exactly {len(closes)} 'closing connection from' lines",
       f"found {len(lines)}: " + " | ".join(lines[-3:]))
    missing = [d for d, frag in closes if not any(frag in ln for ln in lines)]
    ok(not missing, "every deliberate close is logged with its reason", missing)
    peer = f"closing connection from {HOST}:"
    ok(lines and all(peer in ln for ln in lines), "close log lines name the client address",
       [ln for ln in lines if peer not in ln][:2])
    errors_after = int(psql(errors_sql))
    ok(errors_after - errors_before == len(closes),
       f"broker_workers.connections_closed_on_error grew by {len(closes)}",
       f"{errors_before} -> {errors_after}")
    workers_after = psql(workers_sql)
    ok(workers_after == workers_before and workers_before.endswith(" true"),
       "broker worker pid and start time unchanged (no crash), still listening",
       f"before {workers_before!r} after {workers_after!r}")
    return kptap.exit_status()


if __name__ == "__main__":
    kptap.run(main)
