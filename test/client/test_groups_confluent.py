#!/usr/bin/python3
"""confluent-kafka 1.7.0 (Python on librdkafka 2.0.2) consumer groups against
kafkapg's group coordinator.

Proves that:
  * cooperative-sticky: two members of a 6-partition topic own 3 partitions
    each; when a third joins, each of the first two keeps 2 of its 3, is
    revoked exactly the partition it loses (incremental revocation: never a
    partition it keeps, nothing lost), and the third is only assigned;
    every record produced before and after is read exactly once (commits
    are synchronous, after every batch).  No record is produced while the
    third member joins: librdkafka before 2.10 turns a commit sent during a
    cooperative rejoin into a lost assignment (the broker answers
    ILLEGAL_GENERATION, as Kafka 3 does; librdkafka issue #4059), which is
    the client's bug; test_groups_kafka_python.py covers commits under load
    through eager rebalances;
  * Consumer.committed() and kafkapg.consumer_offsets hold the end offsets;
  * AdminClient.list_groups() (ListGroups + DescribeGroups) shows the group
    Stable, protocol type "consumer", protocol "cooperative-sticky", and each
    member by client id with the assignment it holds; after every member
    closed (LeaveGroup), Empty with no members;
  * static membership (group.instance.id, session 6 s, range): close() of a
    static member sends no LeaveGroup (the group stays Stable with both
    members); the member restarted with the same group.instance.id gets its
    partitions back under a new member id without a rebalance: the other
    member's rebalance callbacks are not called again and the generation in
    kafkapg.consumer_group stays the same; it resumes from its commits;
  * a new consumer with a group.instance.id already in use takes the
    instance's place: the old one is fenced (librdkafka fatal error,
    FENCED_INSTANCE_ID), the new one owns its partitions, and the other
    member sees no rebalance;
  * a static member that closes and does not return is removed by its
    session timeout (not before): the remaining member gets all partitions;
  * librdkafka reports no other error meanwhile.
The admin calls confluent-kafka 1.7.0 lacks (describe/delete groups, list/
alter/delete offsets) are covered by c/test_rdkafka_groups_admin.c.
"""
import secrets
import struct
import threading
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

import kptap
from kptap import BOOTSTRAP, ok, psql

RUN = secrets.token_hex(4)
STATIC_SESSION_S = 6


def wait_for(pred, timeout):
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


class Member(threading.Thread):
    """One group member; its Consumer lives in this thread only.  It commits
    the offsets of every batch synchronously before the next poll, so no
    partition changes hands with records read but not committed."""

    def __init__(self, name, group, topic, **conf):
        super().__init__(name=name, daemon=True)
        self.client_id = name
        self.topic = topic
        self.conf = {
            "bootstrap.servers": BOOTSTRAP,
            "group.id": group,
            "client.id": name,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 300,
            "error_cb": self.on_error,
            **conf,
        }
        self.records = []           # (partition, offset, value)
        self.assignment = frozenset()
        self.events = []            # ("assign"|"revoke"|"lost", [partitions])
        self.errors = []
        self.fatal = []
        self.stop_event = threading.Event()

    def on_error(self, err):
        (self.fatal if err.fatal() or err.code() == KafkaError._FATAL else self.errors) \
            .append(str(err))

    def stop(self):
        self.stop_event.set()
        self.join(30)

    def commit(self, consumer, offsets):
        """Commits synchronously; retries while the group is rebalancing."""
        for attempt in range(100):
            try:
                consumer.commit(offsets=offsets, asynchronous=False)
                return
            except KafkaException as e:
                code = e.args[0].code()
                if code != KafkaError.REBALANCE_IN_PROGRESS or attempt == 99:
                    self.errors.append(f"commit: {e}")
                    return
                time.sleep(0.05)

    def run(self):
        def event(kind):
            return lambda c, parts: self.events.append((kind, sorted(p.partition for p in parts)))

        consumer = Consumer(self.conf)
        try:
            consumer.subscribe([self.topic], on_assign=event("assign"),
                               on_revoke=event("revoke"), on_lost=event("lost"))
            while not self.stop_event.is_set() and not self.fatal:
                ends = {}
                for m in consumer.consume(num_messages=200, timeout=0.1):
                    if m.error():
                        self.on_error(m.error())
                        continue
                    self.records.append((m.partition(), m.offset(), m.value().decode()))
                    ends[m.partition()] = m.offset() + 1
                if ends:
                    self.commit(consumer, [TopicPartition(self.topic, p, o)
                                           for p, o in ends.items()])
                self.assignment = frozenset(tp.partition for tp in consumer.assignment())
        except KafkaException as e:
            self.on_error(e.args[0])
        finally:
            self.assignment = frozenset()
            try:
                consumer.close()
            except (KafkaException, RuntimeError) as e:
                if not self.fatal:
                    self.errors.append(f"close: {e}")


def produce(topic, start, count, partitions):
    """Sends values "<RUN>-<i>" to partition i % partitions; returns them."""
    values = [f"{RUN}-{i}" for i in range(start, start + count)]
    failed = []
    p = Producer({"bootstrap.servers": BOOTSTRAP, "acks": "all"})
    for i, v in enumerate(values, start):
        p.produce(topic, value=v.encode(), partition=i % partitions,
                  on_delivery=lambda err, msg: err and failed.append(str(err)))
    p.flush(20)
    if failed:
        raise RuntimeError(f"produce failed: {failed[:3]}")
    return values


def balanced(members, per_member, partitions):
    owned = [m.assignment for m in members]
    return (all(len(a) == per_member for a in owned)
            and frozenset().union(*owned) == frozenset(range(partitions)))


def values_read(members):
    return [v for m in members for (_, _, v) in m.records]


def decode_assignment(data):
    """ConsumerProtocolAssignment: version int16, [topic string, [int32]],
    user data; returns {topic: sorted partitions}."""
    if not data:
        return {}
    pos = 2
    (ntopics,) = struct.unpack_from(">i", data, pos)
    pos += 4
    out = {}
    for _ in range(ntopics):
        (tlen,) = struct.unpack_from(">h", data, pos)
        topic = data[pos + 2:pos + 2 + tlen].decode()
        pos += 2 + tlen
        (n,) = struct.unpack_from(">i", data, pos)
        out[topic] = sorted(struct.unpack_from(f">{n}i", data, pos + 4))
        pos += 4 + 4 * n
    return out


def describe(admin, group):
    groups = admin.list_groups(group=group, timeout=10)
    return groups[0] if len(groups) == 1 else None


def check_cooperative(admin):
    topic = f"kp-groups-cf-coop-{RUN}"
    group = f"kp-group-cf-coop-{RUN}"
    psql(f"SELECT kafkapg.create_topic('{topic}', 6)")
    produced = produce(topic, 0, 300, 6)
    conf = {"partition.assignment.strategy": "cooperative-sticky"}
    a, b = (Member(f"{group}-{n}", group, topic, **conf) for n in "ab")
    a.start()
    b.start()
    ok(wait_for(lambda: balanced([a, b], 3, 6), 25),
       "cooperative-sticky: 2 members own 3 partitions each",
       ([sorted(m.assignment) for m in (a, b)], a.events, b.events))
    wait_for(lambda: len(values_read([a, b])) >= 300, 20)
    before = {m: (m.assignment, len(m.events)) for m in (a, b)}
    c = Member(f"{group}-c", group, topic, **conf)
    c.start()
    members = [a, b, c]
    ok(wait_for(lambda: balanced(members, 2, 6), 25),
       "cooperative-sticky: with a third member each of the 3 owns 2 partitions",
       ([sorted(m.assignment) for m in members], [m.events for m in members]))
    time.sleep(0.3)
    for m in (a, b):
        kept_before, n = before[m]
        since = m.events[n:]
        revoked = [p for kind, ps in since if kind == "revoke" for p in ps]
        ok(m.assignment < kept_before and sorted(revoked) == sorted(kept_before - m.assignment)
           and not any(kind == "lost" for kind, _ in since),
           f"cooperative-sticky: member {m.client_id[-1]} keeps 2 of its 3 partitions and is "
           f"revoked only the one it loses (incremental)",
           (sorted(kept_before), sorted(m.assignment), since))
    ok(all(kind == "assign" for kind, _ in c.events),
       "cooperative-sticky: the new member is only assigned, never revoked", c.events)
    produced += produce(topic, 300, 300, 6)
    ok(wait_for(lambda: len(values_read(members)) >= 600, 20),
       "cooperative-sticky: the group read 600 records", len(values_read(members)))
    time.sleep(0.5)
    got = values_read(members)
    ok(len(got) == len(set(got)) and sorted(got) == sorted(produced),
       "cooperative-sticky: each of the 600 records read exactly once across the rebalances",
       (len(got), len(set(got)), len(set(produced) - set(got))))

    observer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": group})
    try:
        committed = observer.committed([TopicPartition(topic, p) for p in range(6)], timeout=10)
    finally:
        observer.close()
    got = {tp.partition: tp.offset for tp in committed}
    ok(got == {p: 100 for p in range(6)}, "Consumer.committed(): 100 on every partition", got)
    rows = psql(f"SELECT partition || ':' || committed_offset FROM kafkapg.consumer_offsets "
                f"WHERE group_id = '{group}' ORDER BY partition").split()
    ok(rows == [f"{p}:100" for p in range(6)],
       "kafkapg.consumer_offsets: 100 on every partition", rows)

    listed = [g for g in admin.list_groups(timeout=10) if g.id == group]
    g = listed[0] if len(listed) == 1 else None
    ok(g is not None and g.error is None and g.state == "Stable"
       and g.protocol_type == "consumer" and g.protocol == "cooperative-sticky",
       "AdminClient.list_groups(): the group, Stable, consumer, cooperative-sticky",
       g and (g.error, g.state, g.protocol_type, g.protocol))
    got = {mi.client_id: decode_assignment(mi.assignment).get(topic, [])
           for mi in (g.members if g else [])}
    want = {m.client_id: sorted(m.assignment) for m in members}
    ok(got == want, "AdminClient.list_groups(): the 3 members by client id with their assignments",
       (got, want))
    for m in members:
        m.stop()
    g = describe(admin, group)
    ok(g is not None and g.state == "Empty" and g.members == [],
       "after every member closed (LeaveGroup) the group is Empty with no members",
       g and (g.state, g.members))
    return members


def generation(group):
    return psql(f"SELECT generation FROM kafkapg.consumer_group WHERE group_id = '{group}'")


def check_static(admin):
    topic = f"kp-groups-cf-static-{RUN}"
    group = f"kp-group-cf-static-{RUN}"
    psql(f"SELECT kafkapg.create_topic('{topic}', 4)")
    conf = {"session.timeout.ms": STATIC_SESSION_S * 1000, "heartbeat.interval.ms": 500,
            "partition.assignment.strategy": "range"}
    s1 = Member(f"{group}-s1", group, topic, **{"group.instance.id": f"{group}-i1"}, **conf)
    s2 = Member(f"{group}-s2", group, topic, **{"group.instance.id": f"{group}-i2"}, **conf)
    s1.start()
    s2.start()
    ok(wait_for(lambda: balanced([s1, s2], 2, 4), 25),
       "static: 2 members with group.instance.id own 2 partitions each",
       ([sorted(m.assignment) for m in (s1, s2)], s1.events, s2.events))
    time.sleep(0.5)
    gen = generation(group)
    g = describe(admin, group)
    ids = {mi.client_id: mi.id for mi in (g.members if g else [])}
    s1_parts, s2_events = s1.assignment, len(s2.events)

    s1.stop()
    g = describe(admin, group)
    ok(g is not None and g.state == "Stable" and len(g.members) == 2,
       "static: after close() of a static member (no LeaveGroup) the group is still Stable "
       "with 2 members", g and (g.state, [mi.id for mi in g.members]))
    s1b = Member(f"{group}-s1", group, topic, **{"group.instance.id": f"{group}-i1"}, **conf)
    s1b.start()
    ok(wait_for(lambda: s1b.assignment == s1_parts, 8),
       "static: restarted with the same group.instance.id it gets its partitions back within "
       "the session timeout", (sorted(s1_parts), sorted(s1b.assignment), s1b.events))
    time.sleep(1)
    ok(s2.events[s2_events:] == [] and s2.assignment == frozenset(range(4)) - s1_parts,
       "static: the other member saw no rebalance (no revoke/assign callback)",
       s2.events[s2_events:])
    ok(gen != "" and generation(group) == gen,
       "static: the generation in kafkapg.consumer_group did not change", (gen, generation(group)))
    g = describe(admin, group)
    now = {mi.client_id: mi.id for mi in (g.members if g else [])}
    ok(g is not None and g.state == "Stable" and len(now) == 2
       and now.get(s2.client_id) == ids.get(s2.client_id)
       and now.get(s1.client_id) not in (None, ids.get(s1.client_id)),
       "static: still 2 members, the restarted one under a new member id", (ids, now))
    produced = produce(topic, 0, 40, 4)
    wait_for(lambda: len(values_read([s1, s1b, s2])) >= 40, 15)
    time.sleep(0.3)
    got = values_read([s1, s1b, s2])
    mine = sorted(v for (p, _, v) in s1b.records)
    ok(sorted(got) == sorted(produced)
       and mine == sorted(v for i, v in enumerate(produced) if i % 4 in s1_parts),
       "static: the 40 new records read once each, the restarted member's by it",
       (len(got), len(set(got)), mine[:4]))

    # ---- fencing: a second consumer with s2's group.instance.id
    s1b_events = len(s1b.events)
    s2_parts = s2.assignment
    s3 = Member(f"{group}-s3", group, topic, **{"group.instance.id": f"{group}-i2"}, **conf)
    s3.start()
    ok(wait_for(lambda: s3.assignment == s2_parts, 10),
       "fencing: a new consumer with an instance id in use takes that instance's partitions",
       (sorted(s2_parts), sorted(s3.assignment), s3.events))
    ok(wait_for(lambda: s2.fatal, 10) and any("FENCED_INSTANCE_ID" in f or "fenced" in f
                                              for f in s2.fatal),
       "fencing: the old consumer gets a fatal FENCED_INSTANCE_ID error", (s2.fatal, s2.errors))
    time.sleep(0.5)
    ok(s1b.events[s1b_events:] == [], "fencing: the third member saw no rebalance",
       s1b.events[s1b_events:])

    # ---- a static member that closes and does not come back
    s3_events = len(s3.events)
    closed_at = time.monotonic()
    s1b.stop()
    took_all = wait_for(lambda: s3.assignment == frozenset(range(4)), STATIC_SESSION_S + 5)
    took = time.monotonic() - closed_at
    ok(took_all, f"static: a static member that closed and stayed away is expired after the "
       f"session timeout ({STATIC_SESSION_S} s): the other gets all 4 partitions",
       (round(took, 1), sorted(s3.assignment), s3.events[s3_events:]))
    ok(not took_all or took >= STATIC_SESSION_S - 1.5,
       "... not before its session timeout (no LeaveGroup from a static member's close)",
       round(took, 2))
    for m in (s2, s3):
        m.stop()
    return [s1, s1b, s2, s3]


def main():
    admin_errors = []
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP,
                         "error_cb": lambda e: admin_errors.append(str(e))})
    members = check_cooperative(admin)
    members += check_static(admin)
    admin.poll(0.1)
    errors = [(m.client_id, e) for m in members for e in m.errors] + admin_errors
    ok(not errors, "librdkafka reported no other error", errors[:5])
    return kptap.exit_status()


if __name__ == "__main__":
    kptap.run(main)
