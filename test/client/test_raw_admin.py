#!/usr/bin/python3
"""CreateTopics (19) v0-v7, DeleteTopics (20) v0-v6 and DescribeCluster
(60) v0-v1, raw protocol, cross-checked with SQL.

Proves that:
  * CreateTopics at every version creates the topic: kafkapg.topics has it
    with the partitions asked for and the configs given; v7 answers the
    same topic_id as kafkapg.topics; v5+ echoes num_partitions,
    replication_factor 1 and the configs (source DYNAMIC_TOPIC_CONFIG);
    Metadata v12 describes it with that id;
  * CreateTopics errors, each creating nothing: TOPIC_ALREADY_EXISTS (36)
    for an existing topic (also one made by SQL), INVALID_PARTITIONS (37)
    for 0 and -5 partitions, INVALID_REPLICATION_FACTOR (38) for 3 and 0,
    INVALID_TOPIC_EXCEPTION (17) for '/', 250 characters, '.' and '..',
    INVALID_CONFIG (40) for an unknown key and for bad values,
    INVALID_REQUEST (42) for the same name twice; error messages from v1;
    one bad topic does not stop the good one in the same request;
  * validate_only (v1+) checks and answers like a creation but creates
    nothing; num_partitions -1 (v4+) gives kafkapg.num_partitions: 1 by
    default and 4 after ALTER SYSTEM SET kafkapg.num_partitions = 4 and a
    reload;
  * DeleteTopics at every version deletes: the topic leaves kafkapg.topics
    and kafkapg.partitions, Metadata then gives 3; v6 deletes by topic id;
    an unknown name gets UNKNOWN_TOPIC_OR_PARTITION (3), an unknown id
    UNKNOWN_TOPIC_ID (100);
  * a topic made by kafkapg.create_topic() is seen by Metadata with its
    SQL id, and after kafkapg.delete_topic() Produce, Fetch, ListOffsets
    and Metadata answer UNKNOWN_TOPIC_OR_PARTITION (3); a topic deleted and
    created again under the same name starts empty with a new id;
  * DescribeCluster v0 and v1: no error, cluster id of kafkapg.cluster_id(),
    controller 1, the one broker at KP_HOST:KP_PORT with a null rack,
    endpoint type 1 (v1), authorized operations INT32_MIN.
"""
import time

import kpwire as w
import kptap
from kptap import HOST, PORT, ok, psql

P = "kp-raw-admin"


def sql_topic(name):
    """(partitions, config jsonb text, id bytes) or None."""
    row = psql(f"SELECT partitions || '|' || config::text || '|' || topic_id"
               f" FROM kafkapg.topics WHERE topic = '{name}'")
    if not row:
        return None
    n, cfg, tid = row.split("|")
    return int(n), cfg, bytes.fromhex(tid.replace("-", ""))


def exists(name):
    return psql(f"SELECT count(*) FROM kafkapg.topics WHERE topic = '{name}'") == "1"


def test_create_versions(c):
    for v in range(8):
        name = f"{P}-v{v}"
        cfg = {"retention.ms": "3600000", "segment.bytes": "1048576"}
        r = c.create_topics(v, [(name, 3, 1, cfg)])
        t = r["topics"].get(name, {})
        s = sql_topic(name)
        ok(t.get("error") == 0 and s is not None and s[0] == 3
           and s[1] == '{"retention.ms": "3600000", "segment.bytes": "1048576"}',
           f"CreateTopics v{v}: created, kafkapg.topics has 3 partitions and the configs",
           (t, s))
        if v >= 5:
            echo = sorted((x["name"], x["value"], x["source"]) for x in t.get("configs") or [])
            ok(t["num_partitions"] == 3 and t["replication_factor"] == 1
               and echo == [("retention.ms", "3600000", 1), ("segment.bytes", "1048576", 1)],
               f"CreateTopics v{v}: echoes 3 partitions, replication factor 1, the configs", t)
        if v >= 7:
            ok(s is not None and t["topic_id"] == s[2],
               "CreateTopics v7: topic_id equals kafkapg.topics.topic_id",
               (t["topic_id"], s and s[2]))
            md = c.metadata(12, [name])
            ok(md["topics"][0]["error"] == 0 and md["topics"][0]["topic_id"] == s[2]
               and len(md["topics"][0]["partitions"]) == 3,
               "Metadata v12 describes it: same id, 3 partitions", md["topics"])


bystanders = []


def expect_create_error(c, v, desc, topic, code, validate_only=False):
    """The bad topic gets code; a valid topic in the same request is created."""
    name = topic[0]
    other = f"{P}-bystander-{len(bystanders)}"
    bystanders.append(other)
    r = c.create_topics(v, [topic, (other, 1, 1)], validate_only=validate_only)
    t = r["topics"].get(name, {})
    msg_ok = v == 0 or (t.get("message") or "") != ""
    ok(t.get("error") == code and msg_ok and r["topics"].get(other, {}).get("error") == 0
       and exists(other),
       f"CreateTopics v{v} {desc}: error {code}" + (" with a message" if v else "") +
       "; the valid topic beside it is created", (t, r["topics"].get(other)))
    if code != 36 and len(name) < 250 and "/" not in name:
        ok(not exists(name), f"CreateTopics v{v} {desc}: nothing created", name)


def test_create_errors(c):
    psql(f"SELECT kafkapg.create_topic('{P}-sql', 2)")
    for v in (0, 4, 7):
        expect_create_error(c, v, "existing topic", (f"{P}-v1", 1, 1), 36)
        expect_create_error(c, v, "existing topic made by SQL", (f"{P}-sql", 1, 1), 36)
        expect_create_error(c, v, "0 partitions", (f"{P}-zero-{v}", 0, 1), 37)
        expect_create_error(c, v, "-5 partitions", (f"{P}-neg-{v}", -5, 1), 37)
        expect_create_error(c, v, "replication factor 3", (f"{P}-rf3-{v}", 1, 3), 38)
        expect_create_error(c, v, "replication factor 0", (f"{P}-rf0-{v}", 1, 0), 38)
        expect_create_error(c, v, "name with '/'", ("kp/bad", 1, 1), 17)
        expect_create_error(c, v, "name of 250 characters", ("k" * 250, 1, 1), 17)
        expect_create_error(c, v, "name '.'", (".", 1, 1), 17)
        expect_create_error(c, v, "name '..'", ("..", 1, 1), 17)
        expect_create_error(c, v, "unknown config key",
                            (f"{P}-badkey-{v}", 1, 1, {"no.such.config": "1"}), 40)
        expect_create_error(c, v, "retention.ms 'soon'",
                            (f"{P}-badval-{v}", 1, 1, {"retention.ms": "soon"}), 40)
        expect_create_error(c, v, "message.timestamp.type 'Never'",
                            (f"{P}-badenum-{v}", 1, 1, {"message.timestamp.type": "Never"}), 40)
        expect_create_error(c, v, "segment.bytes 10 (below 14)",
                            (f"{P}-badrange-{v}", 1, 1, {"segment.bytes": "10"}), 40)
    n = psql("SELECT count(*) FROM kafkapg.topics WHERE topic = 'k' || repeat('k', 249)"
             " OR topic IN ('.', '..', 'kp/bad')")
    ok(n == "0", "no topic with an illegal name was created", n)
    r = c.create_topics(5, [(f"{P}-twice", 1, 1), (f"{P}-twice", 2, 1)])
    ok(r["topics"][f"{P}-twice"]["error"] == 42 and not exists(f"{P}-twice"),
       "CreateTopics with the same name twice: INVALID_REQUEST (42), nothing created",
       r["topics"])


def test_validate_only(c):
    for v in (1, 5, 7):
        name = f"{P}-validate-{v}"
        r = c.create_topics(v, [(name, 4, 1, {"retention.ms": "1000"})], validate_only=True)
        t = r["topics"][name]
        ok(t["error"] == 0 and (v < 5 or t["num_partitions"] == 4) and not exists(name),
           f"CreateTopics v{v} validate_only: error 0, nothing created", t)
        r = c.create_topics(v, [(f"{P}-validate-bad-{v}", 0, 1)], validate_only=True)
        ok(r["topics"][f"{P}-validate-bad-{v}"]["error"] == 37,
           f"CreateTopics v{v} validate_only with 0 partitions: 37", r["topics"])


def wait_num_partitions(c, want, timeout=10):
    """Polls validate_only CreateTopics v5 -1 until the worker uses want."""
    deadline = time.time() + timeout
    while True:
        r = c.create_topics(5, [(f"{P}-probe", -1, -1)], validate_only=True)
        n = r["topics"][f"{P}-probe"]["num_partitions"]
        if n == want or time.time() > deadline:
            return n
        time.sleep(0.1)


def test_default_partitions(c):
    for v in (4, 7):
        name = f"{P}-default-v{v}"
        r = c.create_topics(v, [(name, -1, -1)])
        s = sql_topic(name)
        ok(r["topics"][name]["error"] == 0 and s and s[0] == 1,
           f"CreateTopics v{v} num_partitions -1, replication -1: kafkapg.num_partitions (1)",
           (r["topics"][name], s))
    psql("ALTER SYSTEM SET kafkapg.num_partitions = 4")
    psql("SELECT pg_reload_conf()")
    try:
        n = wait_num_partitions(c, 4)
        name = f"{P}-default-4"
        r = c.create_topics(7, [(name, -1, -1)])
        s = sql_topic(name)
        ok(n == 4 and r["topics"][name]["error"] == 0 and r["topics"][name]["num_partitions"] == 4
           and s and s[0] == 4,
           "after kafkapg.num_partitions = 4 and a reload: -1 gives 4 partitions", (n, s))
        md = c.metadata(12, [f"{P}-auto-4"], allow_auto=True)
        ok(len(md["topics"][0]["partitions"]) == 4,
           "... and auto-creation by Metadata gives 4 partitions too", md["topics"])
    finally:
        psql("ALTER SYSTEM RESET kafkapg.num_partitions")
        psql("SELECT pg_reload_conf()")
    ok(wait_num_partitions(c, 1) == 1, "after RESET and a reload: -1 gives 1 partition again")


def deleted_everywhere(c, name):
    """Problems if the topic is still visible to SQL or the protocol."""
    p = []
    if exists(name):
        p.append("still in kafkapg.topics")
    if psql(f"SELECT count(*) FROM kafkapg.partitions WHERE topic = '{name}'") != "0":
        p.append("still in kafkapg.partitions")
    md = c.metadata(12, [name])
    if md["topics"][0]["error"] != 3:
        p.append(f"Metadata error {md['topics'][0]['error']}")
    return p


def test_delete(c):
    for v in range(7):
        name = f"{P}-v{v}"
        r = c.delete_topics(v, names=[name, f"{P}-never-existed"])
        res = r["results"]
        ok(len(res) == 2 and (res[0]["name"], res[0]["error"]) == (name, 0)
           and (res[1]["name"], res[1]["error"]) == (f"{P}-never-existed", 3),
           f"DeleteTopics v{v}: deleted (0), the unknown name gets 3", res)
        probs = deleted_everywhere(c, name)
        ok(not probs, f"DeleteTopics v{v}: gone from kafkapg.topics, kafkapg.partitions and "
           "Metadata", probs)
    name = f"{P}-v7"
    tid = sql_topic(name)[2]
    r = c.delete_topics(6, ids=[tid, bytes(range(16))])
    res = r["results"]
    ok(len(res) == 2 and (res[0]["name"], res[0]["topic_id"], res[0]["error"]) == (name, tid, 0)
       and (res[1]["topic_id"], res[1]["error"]) == (bytes(range(16)), 100),
       "DeleteTopics v6 by topic id: deleted with its name; an unknown id gets 100", res)
    ok(not deleted_everywhere(c, name), "DeleteTopics v6 by id: gone everywhere",
       deleted_everywhere(c, name))


def test_sql_side(c):
    name = f"{P}-sqlside"
    tid = psql(f"SELECT kafkapg.create_topic('{name}', 2)")
    md = c.metadata(12, [name])
    t = md["topics"][0]
    ok(t["error"] == 0 and t["topic_id"].hex() == tid.replace("-", "")
       and len(t["partitions"]) == 2,
       "kafkapg.create_topic(): Metadata v12 sees it, same id, 2 partitions", t)
    r = c.produce(9, [(name, [(0, w.batch([(b"k", b"v", [])]))])])
    ok(r["topics"][name][0]["error"] == 0, "... and a produce to it succeeds", r["topics"])
    psql(f"SELECT kafkapg.delete_topic('{name}')")
    r = c.produce(9, [(name, [(0, w.batch([(b"k", b"v", [])]))])])
    f = c.fetch(12, [(name, [(0, 0, 1 << 20)])])
    lo = c.list_offsets(7, [(name, [(0, -1)])])
    md = c.metadata(12, [name])
    codes = (r["topics"][name][0]["error"], f["topics"][name][0]["error"],
             lo["topics"][name][0]["error"], md["topics"][0]["error"])
    ok(codes == (3, 3, 3, 3),
       "after kafkapg.delete_topic(): Produce, Fetch, ListOffsets, Metadata all get 3", codes)
    f = c.fetch(13, [(bytes.fromhex(tid.replace("-", "")), [(0, 0, 1 << 20)])])
    ok(list(f["topics"].values())[0][0]["error"] == 100,
       "... and Fetch v13 by its old id gets UNKNOWN_TOPIC_ID (100)", f["topics"])
    r = c.create_topics(7, [(name, 1, 1)])
    t = r["topics"][name]
    lo = c.list_offsets(7, [(name, [(0, -1)])])
    ok(t["error"] == 0 and t["topic_id"].hex() != tid.replace("-", "")
       and lo["topics"][name][0]["offset"] == 0,
       "created again under the same name: new id, empty (latest offset 0)", (t, lo["topics"]))


def test_describe_cluster(c):
    cluster_id = psql("SELECT kafkapg.cluster_id()")
    for v in (0, 1):
        r = c.call(w.DESCRIBE_CLUSTER, v, w.describe_cluster_request)
        want = {"corr": r["corr"], "throttle": 0, "error": 0, "message": None,
                "cluster_id": cluster_id, "controller_id": 1,
                "brokers": [{"id": 1, "host": HOST, "port": PORT, "rack": None}],
                "cluster_authorized_operations": -2 ** 31}
        if v >= 1:
            want["endpoint_type"] = 1
        ok(r == want, f"DescribeCluster v{v}: cluster id, controller 1, broker 1 at "
           "KP_HOST:KP_PORT", r)


def main():
    with w.Conn() as c:
        test_create_versions(c)
        test_create_errors(c)
        test_validate_only(c)
        test_default_partitions(c)
        test_delete(c)
        test_sql_side(c)
        test_describe_cluster(c)
    return kptap.exit_status()


if __name__ == "__main__":
    kptap.run(main)
