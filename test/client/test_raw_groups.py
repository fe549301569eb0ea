#!/usr/bin/python3
"""Consumer-group APIs on the wire, byte by byte, for the error codes and
edge cases real clients rarely show:

  * FindCoordinator v4 batch: this broker for each key, INVALID_GROUP_ID for
    an empty one, INVALID_REQUEST for an unknown key type;
  * JoinGroup: INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, MEMBER_ID_REQUIRED
    (v4+, KIP-394) then a join with the given id; v3 joins at once; the
    leader gets the members' metadata; INCONSISTENT_GROUP_PROTOCOL; a
    second member makes the first one's heartbeat REBALANCE_IN_PROGRESS and
    both rejoin into generation 2 (the parked JoinGroups are answered
    together); GROUP_MAX_SIZE_REACHED with kafkapg.group_max_size = 2;
  * SyncGroup: the leader's assignment reaches the follower, whose SyncGroup
    waits for it; ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID;
  * Heartbeat: NONE, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID;
  * static membership: a second instance with the same group.instance.id
    fences the first (FENCED_INSTANCE_ID on its heartbeat);
  * OffsetCommit v8 by a member, with a stale generation, and without
    membership on a live group; OffsetFetch v8 for two groups at once;
  * LeaveGroup v3+ batch; DescribeGroups then shows Empty; DeleteGroups:
    GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, NONE.
"""
import os
import random
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kpwire as w                                  # noqa: E402
import kptap                                        # noqa: E402
from kptap import ok, psql, run, exit_status        # noqa: E402
from test_raw_protocol import read_response         # noqa: E402

FIND_COORDINATOR, JOIN, HEARTBEAT, LEAVE, SYNC = 10, 11, 12, 13, 14
DESCRIBE, OFFSET_COMMIT, OFFSET_FETCH, DELETE_GROUPS = 15, 8, 9, 42
w.FLEX.update({FIND_COORDINATOR: 3, JOIN: 6, HEARTBEAT: 4, LEAVE: 4, SYNC: 4, DESCRIBE: 5,
               OFFSET_COMMIT: 8, OFFSET_FETCH: 6, DELETE_GROUPS: 2})

NONE, ILLEGAL_GENERATION, INCONSISTENT_GROUP_PROTOCOL, INVALID_GROUP_ID = 0, 22, 23, 24
UNKNOWN_MEMBER_ID, INVALID_SESSION_TIMEOUT, REBALANCE_IN_PROGRESS = 25, 26, 27
INVALID_REQUEST, NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND = 42, 68, 69
MEMBER_ID_REQUIRED, GROUP_MAX_SIZE_REACHED, FENCED_INSTANCE_ID = 79, 81, 82

RUN = "%06x" % random.randrange(1 << 24)
TOPIC = f"rawg-{RUN}"


def flex(api, v):
    return v >= w.FLEX[api]


class Conn:
    """A connection whose requests may be sent now and answered later."""

    def __init__(self):
        self.s = w.connect()
        self.s.settimeout(20)
        self.corr = 0

    def send(self, api, v, body):
        self.corr += 1
        self.s.sendall(w.request(api, v, self.corr, body))
        return (api, v)

    def recv(self, sent):
        api, v = sent
        r = w.response_reader(read_response(self.s), api, v)
        return DECODE[api](r, v)

    def call(self, api, v, body):
        return self.recv(self.send(api, v, body))


# ---------------------------------------------------------------- requests

def join_body(v, group, member="", instance=None, session=10000, ptype="consumer",
              protocols=(("range", b"meta"),)):
    b = w.W(flex(JOIN, v)).string(group).i32(session)
    if v >= 1:
        b.i32(10000)
    b.string(member)
    if v >= 5:
        b.string(instance)
    b.string(ptype)

    def proto(p):
        b.string(p[0]).bytes(p[1]).tags()
    b.array(list(protocols), proto)
    if v >= 8:
        b.string(None)
    return b.tags().b


def sync_body(v, group, gen, member, assignments=(), instance=None):
    b = w.W(flex(SYNC, v)).string(group).i32(gen).string(member)
    if v >= 3:
        b.string(instance)
    if v >= 5:
        b.string("consumer").string("range")
    b.array(list(assignments), lambda a: b.string(a[0]).bytes(a[1]).tags())
    return b.tags().b


def heartbeat_body(v, group, gen, member, instance=None):
    b = w.W(flex(HEARTBEAT, v)).string(group).i32(gen).string(member)
    if v >= 3:
        b.string(instance)
    return b.tags().b


def leave_body(v, group, members):
    b = w.W(flex(LEAVE, v)).string(group)
    b.array(members, lambda m: (b.string(m[0]).string(m[1]), b.string(None) if v >= 5 else None,
                                b.tags()))
    return b.tags().b


def commit_body(group, gen, member, partitions):
    b = w.W(True).string(group).i32(gen).string(member).string(None)
    b.array([TOPIC], lambda t: (b.string(t), b.array(
        partitions, lambda p: b.i32(p[0]).i64(p[1]).i32(-1).string(None).tags()), b.tags()))
    return b.tags().b


def fetch_body(groups):
    b = w.W(True)
    b.array(groups, lambda g: (b.string(g), b.array(
        [TOPIC], lambda t: (b.string(t), b.array([0, 1], b.i32), b.tags())), b.tags()))
    return b.bool(False).tags().b


def describe_body(groups):
    b = w.W(True)
    b.array(groups, b.string)
    return b.bool(False).tags().b


def delete_body(groups):
    b = w.W(True)
    b.array(groups, b.string)
    return b.tags().b


def find_body(keys, key_type=0):
    b = w.W(True).i8(key_type)
    b.array(keys, b.string)
    return b.tags().b


# ---------------------------------------------------------------- responses

def d_join(r, v):
    out = {}
    if v >= 2:
        r.i32()
    out["error"] = r.i16()
    out["generation"] = r.i32()
    if v >= 7:
        out["protocol_type"] = r.str()
    out["protocol"] = r.str()
    out["leader"] = r.str()
    if v >= 9:
        out["skip"] = r.i8()
    out["member"] = r.str()

    def mem():
        m = {"id": r.str()}
        if v >= 5:
            m["instance"] = r.str()
        m["metadata"] = r.bytes()
        r.tag()
        return m
    out["members"] = r.arr(mem)
    return out


def d_sync(r, v):
    if v >= 1:
        r.i32()
    out = {"error": r.i16()}
    if v >= 5:
        out["protocol_type"] = r.str()
        out["protocol"] = r.str()
    out["assignment"] = r.bytes()
    return out


def d_heartbeat(r, v):
    if v >= 1:
        r.i32()
    return {"error": r.i16()}


def d_leave(r, v):
    r.i32()
    out = {"error": r.i16()}

    def mem():
        m = (r.str(), r.str(), r.i16())
        r.tag()
        return m
    out["members"] = r.arr(mem) if v >= 3 else None
    return out


def d_commit(r, v):
    r.i32()

    def part():
        p = (r.i32(), r.i16())
        r.tag()
        return p

    def topic():
        t = (r.str(), r.arr(part))
        r.tag()
        return t
    return {"topics": r.arr(topic)}


def d_fetch(r, v):
    r.i32()

    def part():
        p = {"partition": r.i32(), "offset": r.i64(), "epoch": r.i32(), "metadata": r.str(),
             "error": r.i16()}
        r.tag()
        return p

    def topic():
        t = (r.str(), r.arr(part))
        r.tag()
        return t

    def group():
        g = {"group": r.str(), "topics": r.arr(topic), "error": r.i16()}
        r.tag()
        return g
    return {"groups": r.arr(group)}


def d_describe(r, v):
    r.i32()

    def mem():
        m = {"id": r.str(), "instance": r.str(), "client": r.str(), "host": r.str(),
             "metadata": r.bytes(), "assignment": r.bytes()}
        r.tag()
        return m

    def group():
        g = {"error": r.i16(), "group": r.str(), "state": r.str(), "protocol_type": r.str(),
             "protocol": r.str(), "members": r.arr(mem), "ops": r.i32()}
        r.tag()
        return g
    return {"groups": r.arr(group)}


def d_delete(r, v):
    r.i32()

    def res():
        x = (r.str(), r.i16())
        r.tag()
        return x
    return {"results": r.arr(res)}


def d_find(r, v):
    r.i32()

    def coord():
        c = {"key": r.str(), "node": r.i32(), "host": r.str(), "port": r.i32(),
             "error": r.i16(), "message": r.str()}
        r.tag()
        return c
    return {"coordinators": r.arr(coord)}


DECODE = {JOIN: d_join, SYNC: d_sync, HEARTBEAT: d_heartbeat, LEAVE: d_leave,
          OFFSET_COMMIT: d_commit, OFFSET_FETCH: d_fetch, DESCRIBE: d_describe,
          DELETE_GROUPS: d_delete, FIND_COORDINATOR: d_find}


# ---------------------------------------------------------------- tests

def test_find_coordinator():
    c = Conn()
    r = c.call(FIND_COORDINATOR, 4, find_body(["a", "", "b"]))
    got = [(x["key"], x["error"], x["port"]) for x in r["coordinators"]]
    ok(got == [("a", NONE, kptap.PORT), ("", INVALID_GROUP_ID, -1), ("b", NONE, kptap.PORT)],
       "FindCoordinator v4: every key answered, an empty one INVALID_GROUP_ID", got)
    r = c.call(FIND_COORDINATOR, 4, find_body(["a"], key_type=5))
    ok([x["error"] for x in r["coordinators"]] == [INVALID_REQUEST],
       "FindCoordinator v4: unknown key type is INVALID_REQUEST", r)


def join_new(c, v, group, **kw):
    """Joins with KIP-394 when v >= 4: returns the final JoinGroup answer."""
    r = c.call(JOIN, v, join_body(v, group, **kw))
    if v >= 4 and r["error"] == MEMBER_ID_REQUIRED:
        r = c.call(JOIN, v, join_body(v, group, member=r["member"], **kw))
    return r


def test_join_errors():
    c = Conn()
    r = c.call(JOIN, 5, join_body(5, ""))
    ok(r["error"] == INVALID_GROUP_ID, "JoinGroup with an empty group id: INVALID_GROUP_ID", r)
    r = c.call(JOIN, 5, join_body(5, f"g-{RUN}-x", session=500))
    ok(r["error"] == INVALID_SESSION_TIMEOUT,
       "session timeout under kafkapg.group_min_session_timeout_ms: INVALID_SESSION_TIMEOUT", r)
    r = c.call(JOIN, 5, join_body(5, f"g-{RUN}-x", member="nobody"))
    ok(r["error"] == UNKNOWN_MEMBER_ID, "a member id the group does not know: UNKNOWN_MEMBER_ID", r)
    r = c.call(JOIN, 5, join_body(5, f"g-{RUN}-y", ptype=""))
    ok(r["error"] == INCONSISTENT_GROUP_PROTOCOL, "an empty protocol type: INCONSISTENT_GROUP_PROTOCOL", r)


def test_member_id_required():
    c = Conn()
    g = f"g-{RUN}-kip394"
    r = c.call(JOIN, 9, join_body(9, g))
    ok(r["error"] == MEMBER_ID_REQUIRED and r["member"].startswith("kp-wire-test-"),
       "JoinGroup v9 without a member id: MEMBER_ID_REQUIRED with an id clientId-UUID", r)
    t0 = time.time()
    r2 = c.call(JOIN, 9, join_body(9, g, member=r["member"]))
    ok(r2["error"] == NONE and r2["member"] == r["member"] and r2["leader"] == r["member"] and
       r2["generation"] == 1 and r2["protocol"] == "range" and r2["protocol_type"] == "consumer",
       "rejoining with it: leader of generation 1, protocol range", r2)
    ok(0.08 <= time.time() - t0 < 3,
       "the first rebalance waited about kafkapg.group_initial_rebalance_delay_ms (100 ms)",
       time.time() - t0)
    ok([m["id"] for m in r2["members"]] == [r["member"]] and r2["members"][0]["metadata"] == b"meta",
       "the leader gets the members and their metadata", r2["members"])
    c3 = Conn()
    r3 = c3.call(JOIN, 3, join_body(3, f"g-{RUN}-v3"))
    ok(r3["error"] == NONE and r3["member"] != "" and r3["generation"] == 1,
       "JoinGroup v3 (before KIP-394) joins at once with a new id", r3)


def test_two_members():
    g = f"g-{RUN}-two"
    a, b = Conn(), Conn()
    ra = join_new(a, 7, g)
    ok(ra["error"] == NONE and ra["generation"] == 1, "member A leads generation 1", ra)
    sa = a.call(SYNC, 5, sync_body(5, g, 1, ra["member"], [(ra["member"], b"A-1")]))
    ok(sa["error"] == NONE and sa["assignment"] == b"A-1" and sa["protocol"] == "range",
       "A's SyncGroup as leader returns its own assignment", sa)
    ok(a.call(HEARTBEAT, 4, heartbeat_body(4, g, 1, ra["member"]))["error"] == NONE,
       "A's heartbeat in a Stable group: NONE")
    ok(a.call(HEARTBEAT, 4, heartbeat_body(4, g, 7, ra["member"]))["error"] == ILLEGAL_GENERATION,
       "a heartbeat of another generation: ILLEGAL_GENERATION")
    ok(a.call(HEARTBEAT, 4, heartbeat_body(4, g, 1, "nobody"))["error"] == UNKNOWN_MEMBER_ID,
       "a heartbeat of an unknown member: UNKNOWN_MEMBER_ID")
    x = Conn().call(JOIN, 7, join_body(7, g, ptype="connect"))
    ok(x["error"] == INCONSISTENT_GROUP_PROTOCOL,
       "a member of another protocol type: INCONSISTENT_GROUP_PROTOCOL", x)
    # B joins: its JoinGroup parks until A rejoins
    rb = b.call(JOIN, 7, join_body(7, g))
    pend_b = b.send(JOIN, 7, join_body(7, g, member=rb["member"]))
    time.sleep(0.2)
    hb = a.call(HEARTBEAT, 4, heartbeat_body(4, g, 1, ra["member"]))
    ok(hb["error"] == REBALANCE_IN_PROGRESS, "A's heartbeat tells it to rejoin", hb)
    pend_a = a.send(JOIN, 7, join_body(7, g, member=ra["member"], protocols=(("range", b"meta-A"),)))
    ja, jb = a.recv(pend_a), b.recv(pend_b)
    ok(ja["error"] == NONE and jb["error"] == NONE and ja["generation"] == jb["generation"] == 2,
       "both parked JoinGroups are answered with generation 2", (ja, jb))
    ok(ja["leader"] == ra["member"] and sorted(m["id"] for m in ja["members"]) ==
       sorted([ra["member"], rb["member"]]) and jb["members"] == [],
       "A stays leader and alone gets both members", (ja["members"], jb["members"]))
    ok({m["id"]: m["metadata"] for m in ja["members"]}.get(ra["member"]) == b"meta-A",
       "A's new metadata is what the leader sees")
    # B's SyncGroup waits for the leader's assignment
    pend_sb = b.send(SYNC, 5, sync_body(5, g, 2, rb["member"]))
    time.sleep(0.2)
    sa = a.call(SYNC, 5, sync_body(5, g, 2, ra["member"],
                                   [(ra["member"], b"A-2"), (rb["member"], b"B-2")]))
    sb = b.recv(pend_sb)
    ok(sa["assignment"] == b"A-2" and sb["error"] == NONE and sb["assignment"] == b"B-2",
       "the follower's parked SyncGroup gets the leader's assignment for it", (sa, sb))
    ok(b.call(SYNC, 5, sync_body(5, g, 1, rb["member"]))["error"] == ILLEGAL_GENERATION,
       "SyncGroup of an old generation: ILLEGAL_GENERATION")
    ok(b.call(SYNC, 5, sync_body(5, g, 2, "nobody"))["error"] == UNKNOWN_MEMBER_ID,
       "SyncGroup of an unknown member: UNKNOWN_MEMBER_ID")
    return g, (a, ra["member"]), (b, rb["member"])


def test_offsets(g, a, b):
    conn, member = a
    r = conn.call(OFFSET_COMMIT, 8, commit_body(g, 2, member, [(0, 5), (1, 7)]))
    ok(r["topics"] == [(TOPIC, [(0, NONE), (1, NONE)])], "OffsetCommit v8 by a member", r)
    r = conn.call(OFFSET_COMMIT, 8, commit_body(g, 1, member, [(0, 6)]))
    ok(r["topics"][0][1] == [(0, ILLEGAL_GENERATION)], "a stale generation: ILLEGAL_GENERATION", r)
    r = conn.call(OFFSET_COMMIT, 8, commit_body(g, -1, "", [(0, 6)]))
    ok(r["topics"][0][1] == [(0, UNKNOWN_MEMBER_ID)],
       "a commit without membership to a live group: UNKNOWN_MEMBER_ID", r)
    other = f"g-{RUN}-simple"
    r = conn.call(OFFSET_COMMIT, 8, commit_body(other, -1, "", [(1, 3)]))
    ok(r["topics"][0][1] == [(1, NONE)], "a simple commit to a group without members", r)
    f = conn.call(OFFSET_FETCH, 8, fetch_body([g, other]))
    got = {x["group"]: [(p["partition"], p["offset"], p["error"]) for p in x["topics"][0][1]]
           for x in f["groups"]}
    ok(got == {g: [(0, 5, NONE), (1, 7, NONE)], other: [(0, -1, NONE), (1, 3, NONE)]},
       "OffsetFetch v8 answers two groups at once", got)


def test_leave_and_delete(g, a, b):
    conn, member = a
    d = conn.call(DELETE_GROUPS, 2, delete_body([g, f"g-{RUN}-never"]))
    ok(d["results"] == [(g, NON_EMPTY_GROUP), (f"g-{RUN}-never", GROUP_ID_NOT_FOUND)],
       "DeleteGroups: NON_EMPTY_GROUP with members, GROUP_ID_NOT_FOUND for no group", d)
    r = conn.call(LEAVE, 5, leave_body(5, g, [(member, None), (b[1], None), ("nobody", None)]))
    ok(r["error"] == NONE and [m[2] for m in r["members"]] == [NONE, NONE, UNKNOWN_MEMBER_ID],
       "LeaveGroup v5 batch: both leave, an unknown member UNKNOWN_MEMBER_ID", r)
    desc = conn.call(DESCRIBE, 5, describe_body([g]))["groups"][0]
    ok(desc["state"] == "Empty" and desc["members"] == [] and desc["protocol_type"] == "consumer",
       "DescribeGroups: Empty once everyone left", desc)
    d = conn.call(DELETE_GROUPS, 2, delete_body([g]))
    ok(d["results"] == [(g, NONE)], "DeleteGroups of the Empty group", d)
    f = conn.call(OFFSET_FETCH, 8, fetch_body([g]))
    ok([p["offset"] for p in f["groups"][0]["topics"][0][1]] == [-1, -1],
       "its offsets went with it", f)
    desc = conn.call(DESCRIBE, 5, describe_body([g]))["groups"][0]
    ok(desc["state"] == "Dead", "DescribeGroups of a deleted group: Dead", desc)


def test_static_fencing():
    g = f"g-{RUN}-static"
    a = Conn()
    ra = join_new(a, 5, g, instance="inst-1")
    ok(ra["error"] == NONE and ra["member"].startswith("inst-1-"),
       "a static member joins with a member id named after its instance", ra)
    a.call(SYNC, 5, sync_body(5, g, ra["generation"], ra["member"], [(ra["member"], b"S")],
                              instance="inst-1"))
    b = Conn()
    rb = b.call(JOIN, 5, join_body(5, g, instance="inst-1"))
    ok(rb["error"] == NONE and rb["member"] != ra["member"] and rb["generation"] == ra["generation"],
       "the same instance joining again takes its place without a rebalance", rb)
    hb = a.call(HEARTBEAT, 4, heartbeat_body(4, g, ra["generation"], ra["member"], instance="inst-1"))
    ok(hb["error"] == FENCED_INSTANCE_ID, "the old instance is fenced: FENCED_INSTANCE_ID", hb)
    sb = b.call(SYNC, 5, sync_body(5, g, rb["generation"], rb["member"], instance="inst-1"))
    ok(sb["error"] == NONE and sb["assignment"] == b"S", "the new instance keeps the assignment", sb)


def test_max_size():
    g = f"g-{RUN}-max"
    psql("ALTER SYSTEM SET kafkapg.group_max_size = 2")
    psql("SELECT pg_reload_conf()")
    time.sleep(1)
    try:
        a, b, c = Conn(), Conn(), Conn()
        ra = join_new(a, 5, g)
        a.call(SYNC, 5, sync_body(5, g, 1, ra["member"], [(ra["member"], b"")]))
        rb = b.call(JOIN, 5, join_body(5, g))
        pend_b = b.send(JOIN, 5, join_body(5, g, member=rb["member"]))
        pend_a = a.send(JOIN, 5, join_body(5, g, member=ra["member"]))
        a.recv(pend_a), b.recv(pend_b)
        rc = c.call(JOIN, 5, join_body(5, g))
        if rc["error"] == MEMBER_ID_REQUIRED:
            rc = c.call(JOIN, 5, join_body(5, g, member=rc["member"]))
        ok(rc["error"] == GROUP_MAX_SIZE_REACHED,
           "a third member with kafkapg.group_max_size = 2: GROUP_MAX_SIZE_REACHED", rc)
    finally:
        psql("ALTER SYSTEM RESET kafkapg.group_max_size")
        psql("SELECT pg_reload_conf()")


def main():
    psql(f"SELECT kafkapg.create_topic('{TOPIC}', 2)")
    test_find_coordinator()
    test_join_errors()
    test_member_id_required()
    g, a, b = test_two_members()
    test_offsets(g, a, b)
    test_leave_and_delete(g, a, b)
    test_static_fencing()
    test_max_size()
    return exit_status()


if __name__ == "__main__":
    run(main)
