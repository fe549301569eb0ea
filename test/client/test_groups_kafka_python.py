#!/usr/bin/python3
"""kafka-python 2.0.2 consumer groups against kafkapg's group coordinator.

Proves that:
  * three KafkaConsumer members (threads, range assignor, synchronous commit
    after every poll) of one group on a 6-partition topic settle on two
    partitions each, and read every record exactly once across them; the
    records produced once the group is stable are read by the member that
    owns their partition;
  * the commits are visible through KafkaConsumer.committed(), in
    kafkapg.consumer_offsets and in kafkapg.consumer_lag (lag 0);
  * KafkaAdminClient, while the members live: list_consumer_groups() holds
    (group, "consumer"); describe_consumer_groups() says Stable, protocol type
    "consumer", protocol "range", and each member (by client id) with the
    assignment that member holds; delete_consumer_groups() fails with
    NON_EMPTY_GROUP (68) and deletes no offsets;
  * a member's close() leaves the group (LeaveGroup): the two others take its
    partitions well before its session timeout; a new member then joins and
    the three read the next batch; records are produced all through the leave
    and the join; over everything, each record produced was read exactly
    once, with no loss and no duplicate;
  * with every member closed the group is Empty with no members;
    list_consumer_group_offsets() equals kafkapg.consumer_offsets;
    producing N more shows lag N in kafkapg.consumer_lag, and a new member
    resumes from the commits and reads exactly those N (lag 0 after);
  * delete_consumer_groups() of the Empty group succeeds; the group leaves
    list_consumer_groups(), describe says Dead, its offsets are gone in SQL;
  * protocol selection: a lone member offering [roundrobin, range] gets
    roundrobin; when a member offering only [range] joins, the group moves to
    range; a member offering only [sticky] is refused with
    INCONSISTENT_GROUP_PROTOCOL and one with a 500 ms session timeout with
    INVALID_SESSION_TIMEOUT (the broker's minimum is 1000 ms), neither
    causing a rebalance;
  * a rebalance waits for every member: while a member does not poll (its
    heartbeats go on) a joining member gets nothing and DescribeGroups says
    PreparingRebalance, with no protocol and both members without
    assignments; once it polls again, each owns one partition, Stable;
  * a member killed with SIGKILL (a child process, session 3 s, heartbeat
    0.5 s) is expired by the session timeout: the surviving member gets all
    partitions, not before about the session timeout and within it plus a
    few seconds;
  * kafka-python logs no errors meanwhile (but the fetches close() cancels).
"""
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time

from kafka import (ConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer,
                   KafkaProducer, TopicPartition)
from kafka import errors as Errors
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor

import kptap
from kptap import BOOTSTRAP, ok, psql

RUN = secrets.token_hex(4)
EXPECTED_JOIN_ERRORS = f"kp-group-kp-proto-{RUN}"
PARTITIONS = 6
SESSION_MS = 10000
CONSUMER_CONFIG = {
    "bootstrap_servers": BOOTSTRAP,
    "auto_offset_reset": "earliest",
    "enable_auto_commit": False,
    "session_timeout_ms": SESSION_MS,
    "heartbeat_interval_ms": 300,
    "max_poll_interval_ms": 10000,         # also the rebalance timeout
    "api_version_auto_timeout_ms": 5000,
}


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        msg = record.getMessage()
        # close() cancels a fetch the broker holds (fetch_max_wait_ms) and
        # kafka-python logs that at ERROR: the client's doing, not an error;
        # check_protocols() provokes two JoinGroup errors on purpose.
        if not (record.name == "kafka.consumer.fetcher" and "failed: Cancelled" in msg) and \
                not (EXPECTED_JOIN_ERRORS in msg and ("InconsistentGroupProtocolError" in msg or
                                                      "InvalidSessionTimeoutError" in msg)):
            self.records.append(f"{record.name}: {msg}")


def wait_for(pred, timeout):
    """Polls pred every 50 ms until it holds or timeout seconds pass; returns
    whether it held."""
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


class Member(threading.Thread):
    """One group member: its KafkaConsumer lives in this thread only.  It
    commits synchronously after every non-empty poll, so a rebalance (which
    happens inside poll) never hands a partition over with records read but
    not committed."""

    def __init__(self, name, group, topic, **config):
        super().__init__(name=name, daemon=True)
        self.client_id = name
        self.group = group
        self.topic = topic
        self.config = dict(CONSUMER_CONFIG, **config)
        self.records = []               # (partition, offset, value)
        self.assignment = frozenset()   # partitions after the last poll
        self.history = []               # assignments given by rebalances
        self.revoked = []
        self.errors = []
        self.stop_event = threading.Event()
        self.pause_event = threading.Event()   # set: do not poll (heartbeats go on)
        self.closed_at = None

    def stop(self):
        self.stop_event.set()
        self.join(30)

    def run(self):
        member = self

        class Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                member.revoked.append(sorted(tp.partition for tp in revoked))

            def on_partitions_assigned(self, assigned):
                member.history.append(sorted(tp.partition for tp in assigned))

        consumer = None
        try:
            consumer = KafkaConsumer(group_id=self.group, client_id=self.client_id,
                                     **self.config)
            consumer.subscribe([self.topic], listener=Listener())
            while not self.stop_event.is_set():
                if self.pause_event.is_set():
                    time.sleep(0.05)
                    continue
                batch = consumer.poll(timeout_ms=100)
                for tp, recs in batch.items():
                    self.records.extend((tp.partition, r.offset, r.value.decode())
                                        for r in recs)
                if batch:
                    try:
                        consumer.commit()
                    except Errors.KafkaError as e:
                        self.errors.append(f"commit: {e!r}")
                self.assignment = frozenset(tp.partition for tp in consumer.assignment())
        except Exception as e:
            self.errors.append(repr(e))
        finally:
            if consumer is not None:
                consumer.close()
            self.closed_at = time.monotonic()
            self.assignment = frozenset()


def produce(producer, topic, start, count):
    """Sends values "<RUN>-<i>" for i in [start, start+count) to partition
    i % PARTITIONS; returns the values."""
    values = [f"{RUN}-{i}" for i in range(start, start + count)]
    for i, v in enumerate(values, start):
        producer.send(topic, value=v.encode(), partition=i % PARTITIONS)
    producer.flush(timeout=20)
    return values


class Background(threading.Thread):
    """Produces bursts of PARTITIONS records (one per partition, values from
    start on) every 50 ms until stopped; values holds what it produced."""

    def __init__(self, producer, topic, start):
        super().__init__(daemon=True)
        self.producer, self.topic, self.next = producer, topic, start
        self.values = []
        self.stop_event = threading.Event()

    def stop(self):
        self.stop_event.set()
        self.join(30)

    def run(self):
        while not self.stop_event.is_set():
            self.values += produce(self.producer, self.topic, self.next, PARTITIONS)
            self.next += PARTITIONS
            time.sleep(0.05)


def balanced(members, per_member):
    """Whether each member owns per_member partitions and together all."""
    owned = [m.assignment for m in members]
    union = frozenset().union(*owned)
    return (all(len(a) == per_member for a in owned) and len(union) == PARTITIONS
            and sum(len(a) for a in owned) == PARTITIONS)


def balanced_over(members, per_member, partitions):
    owned = [m.assignment for m in members]
    return (all(len(a) == per_member for a in owned)
            and frozenset().union(*owned) == frozenset(range(partitions)))


def values_read(members):
    return [v for m in members for (_, _, v) in m.records]


def sql_offsets(group):
    rows = psql(f"SELECT partition, committed_offset FROM kafkapg.consumer_offsets "
                f"WHERE group_id = '{group}' ORDER BY partition")
    return {int(p): int(o) for p, o in (r.split("|") for r in rows.splitlines())}


def sql_lag(group):
    rows = psql(f"SELECT partition, log_end_offset, lag FROM kafkapg.consumer_lag "
                f"WHERE group_id = '{group}' ORDER BY partition")
    return {int(p): (int(e), int(g)) for p, e, g in (r.split("|") for r in rows.splitlines())}


def group_listed(admin, group):
    return (group, "consumer") in [tuple(g) for g in admin.list_consumer_groups()]


def check_group(admin, producer):
    topic = f"kp-groups-kp-{RUN}"
    group = f"kp-group-kp-{RUN}"
    psql(f"SELECT kafkapg.create_topic('{topic}', {PARTITIONS})")
    produced = produce(producer, topic, 0, 300)

    # ---- three members
    members = [Member(f"{group}-m{i}", group, topic) for i in (1, 2, 3)]
    for m in members:
        m.start()
    ok(wait_for(lambda: balanced(members, 2), 25),
       "3 members of a 6-partition topic settle on 2 partitions each, covering all 6",
       [sorted(m.assignment) for m in members])
    produced += produce(producer, topic, 300, 300)
    ok(wait_for(lambda: len(values_read(members)) >= 600, 20),
       "the 3 members read 600 records", len(values_read(members)))
    time.sleep(0.5)     # a late duplicate would show up here
    got = values_read(members)
    ok(len(got) == len(set(got)) and sorted(got) == sorted(produced),
       "each of the 600 records read exactly once across the 3 members",
       (len(got), len(set(got)), len(set(produced) - set(got))))
    owner = {p: m for m in members for p in m.assignment}
    misrouted = [(m.client_id, p, v) for m in members for (p, o, v) in m.records
                 if int(v.split("-")[1]) >= 300 and owner.get(p) is not m]
    ok(len(owner) == PARTITIONS and not misrouted,
       "records produced after the group settled were read by their partition's owner",
       misrouted[:5])
    per_member = [len(m.records) for m in members]

    # ---- committed offsets: client, SQL
    observer = KafkaConsumer(group_id=group, client_id=f"{group}-observer", **CONSUMER_CONFIG)
    try:
        committed = {p: observer.committed(TopicPartition(topic, p)) for p in range(PARTITIONS)}
    finally:
        observer.close()
    ok(committed == {p: 100 for p in range(PARTITIONS)},
       "KafkaConsumer.committed() is 100 for every partition", committed)
    got = sql_offsets(group)
    ok(got == {p: 100 for p in range(PARTITIONS)},
       "kafkapg.consumer_offsets: committed_offset 100 for the 6 partitions", got)
    got = sql_lag(group)
    ok(got == {p: (100, 0) for p in range(PARTITIONS)},
       "kafkapg.consumer_lag: log_end_offset 100, lag 0 for the 6 partitions", got)

    # ---- admin while the members live
    ok(group_listed(admin, group), "list_consumer_groups() holds (group, 'consumer')",
       admin.list_consumer_groups())
    desc = admin.describe_consumer_groups([group])
    d = desc[0] if len(desc) == 1 else None
    ok(d is not None and d.error_code == 0 and d.group == group and d.state == "Stable"
       and d.protocol_type == "consumer" and d.protocol == "range",
       "describe_consumer_groups(): Stable, protocol type consumer, protocol range", desc)
    described = {}
    for mi in (d.members if d else []):
        parts = []
        if mi.member_assignment:
            parts = sorted(p for t, ps in mi.member_assignment.assignment if t == topic for p in ps)
        described[mi.client_id] = parts
    mine = {m.client_id: sorted(m.assignment) for m in members}
    ok(described == mine,
       "describe_consumer_groups(): the 3 members by client id, each with its assignment",
       (described, mine))
    result = admin.delete_consumer_groups([group])
    ok(result == [(group, Errors.NonEmptyGroupError)],
       "delete_consumer_groups() of a group with live members: NON_EMPTY_GROUP (68)", result)
    ok(len(sql_offsets(group)) == PARTITIONS, "... and its offsets are still in SQL",
       sql_offsets(group))

    # ---- one member leaves, a new one joins, while records keep coming
    background = Background(producer, topic, 100000)
    background.start()
    leaver = members[0]
    leave_start = time.monotonic()
    leaver.stop()
    rest = members[1:]
    took_over = wait_for(lambda: balanced(rest, 3), SESSION_MS / 1000 - 2)
    ok(took_over,
       f"after close() of one member the other two own 3 partitions each, in well under "
       f"the {SESSION_MS} ms session timeout (LeaveGroup)",
       (round(time.monotonic() - leave_start, 1), [sorted(m.assignment) for m in rest]))
    joiner = Member(f"{group}-m4", group, topic)
    joiner.start()
    rest.append(joiner)
    ok(wait_for(lambda: balanced(rest, 2), 25),
       "a fourth member joins: the 3 live members own 2 partitions each",
       [sorted(m.assignment) for m in rest])
    background.stop()
    produced += background.values
    produced += produce(producer, topic, 600, 300)
    total = len(produced)
    everyone = members + [joiner]
    ok(wait_for(lambda: len(values_read(everyone)) >= total, 20),
       f"the group read all {total} records ({len(background.values)} of them produced "
       f"during the leave and the join)", len(values_read(everyone)))
    time.sleep(0.5)
    got = values_read(everyone)
    ok(len(got) == len(set(got)) and sorted(got) == sorted(produced),
       "after a leave and a join under load, each record was read exactly once (no loss, "
       "no duplicate)",
       (len(got), len(set(got)), len(set(produced) - set(got)),
        [len(m.records) for m in everyone], per_member))
    for m in rest:
        m.stop()
    errors = [(m.client_id, e) for m in everyone for e in m.errors]
    ok(not errors, "no member saw an error (commit or poll)", errors)

    # ---- all closed: Empty, offsets, lag
    end = 150 + len(background.values) // PARTITIONS
    desc = admin.describe_consumer_groups([group])
    ok(len(desc) == 1 and desc[0].state == "Empty" and desc[0].members == [],
       "with every member closed describe_consumer_groups() says Empty, no members", desc)
    listed = admin.list_consumer_group_offsets(group)
    got = {tp.partition: om.offset for tp, om in listed.items() if tp.topic == topic}
    ok(len(listed) == PARTITIONS and got == {p: end for p in range(PARTITIONS)}
       and got == sql_offsets(group),
       "list_consumer_group_offsets(): the end offset of every partition, as "
       "kafkapg.consumer_offsets", (end, listed, sql_offsets(group)))
    produced_late = produce(producer, topic, 900, 60)
    got = sql_lag(group)
    ok(got == {p: (end + 10, 10) for p in range(PARTITIONS)},
       "60 more records produced: kafkapg.consumer_lag shows lag 10 on each partition "
       "(60 in all)", (end, got))
    resumer = Member(f"{group}-m5", group, topic)
    resumer.start()
    wait_for(lambda: len(resumer.records) >= 60, 20)
    time.sleep(0.5)
    resumer.stop()
    got = [v for (_, _, v) in resumer.records]
    ok(sorted(got) == sorted(produced_late),
       "a new member resumes from the commits: it reads exactly the 60 new records",
       (len(got), sorted(set(got) - set(produced_late))[:5]))
    got = sql_lag(group)
    ok(got == {p: (end + 10, 0) for p in range(PARTITIONS)}, "... and the lag is 0 again", got)

    # ---- delete the Empty group
    result = admin.delete_consumer_groups([group])
    ok(result == [(group, Errors.NoError)], "delete_consumer_groups() of the Empty group: no error",
       result)
    ok(not group_listed(admin, group), "the deleted group is not in list_consumer_groups()",
       admin.list_consumer_groups())
    try:
        desc = admin.describe_consumer_groups([group])
    except Errors.KafkaError as e:
        desc = repr(e)
    ok(not isinstance(desc, str) and len(desc) == 1 and desc[0].state == "Dead",
       "describe_consumer_groups() of the deleted group: state Dead", desc)
    got = psql(f"SELECT count(*) FROM kafkapg.consumer_offsets WHERE group_id = '{group}'")
    ok(got == "0", "the deleted group's offsets are gone from kafkapg.consumer_offsets", got)


def describe_protocol(admin, group):
    desc = admin.describe_consumer_groups([group])
    return (desc[0].state, desc[0].protocol) if len(desc) == 1 else desc


def check_protocols(admin):
    """The coordinator picks a protocol every member offers, by the
    members' preferences, and refuses a member that offers none in common
    or a session timeout outside the broker's bounds."""
    topic = f"kp-groups-kp-proto-{RUN}"
    group = EXPECTED_JOIN_ERRORS
    psql(f"SELECT kafkapg.create_topic('{topic}', 2)")
    m1 = Member(f"{group}-rr-range", group, topic,
                partition_assignment_strategy=[RoundRobinPartitionAssignor, RangePartitionAssignor])
    m1.start()
    ok(wait_for(lambda: len(m1.assignment) == 2, 15) and
       describe_protocol(admin, group) == ("Stable", "roundrobin"),
       "protocols: a lone member offering [roundrobin, range] gets roundrobin",
       (sorted(m1.assignment), describe_protocol(admin, group)))
    m2 = Member(f"{group}-range", group, topic, partition_assignment_strategy=[RangePartitionAssignor])
    m2.start()
    ok(wait_for(lambda: balanced_over([m1, m2], 1, 2), 15) and
       describe_protocol(admin, group) == ("Stable", "range"),
       "protocols: with a member offering only [range] the group switches to range",
       ([sorted(m.assignment) for m in (m1, m2)], describe_protocol(admin, group)))
    settled = (len(m1.history), len(m2.history))
    m3 = Member(f"{group}-sticky", group, topic,
                partition_assignment_strategy=[StickyPartitionAssignor])
    m3.start()
    m3.join(10)
    ok(any("InconsistentGroupProtocolError" in e for e in m3.errors),
       "protocols: a member offering only [sticky] is refused: INCONSISTENT_GROUP_PROTOCOL (23)",
       m3.errors)
    m4 = Member(f"{group}-short", group, topic, session_timeout_ms=500, heartbeat_interval_ms=100)
    m4.start()
    m4.join(10)
    ok(any("InvalidSessionTimeoutError" in e for e in m4.errors),
       "a 500 ms session timeout (broker minimum 1000) is refused: INVALID_SESSION_TIMEOUT (26)",
       m4.errors)
    time.sleep(0.5)
    ok((len(m1.history), len(m2.history)) == settled and balanced_over([m1, m2], 1, 2),
       "... and neither refused member caused a rebalance",
       (settled, m1.history, m2.history))
    m1.stop()
    m2.stop()
    ok(not m1.errors and not m2.errors, "protocols: the accepted members saw no error",
       m1.errors + m2.errors)


def check_join_barrier(admin):
    """A rebalance waits for every known member to rejoin (up to the
    rebalance timeout); DescribeGroups shows it in PreparingRebalance."""
    topic = f"kp-groups-kp-barrier-{RUN}"
    group = f"kp-group-kp-barrier-{RUN}"
    psql(f"SELECT kafkapg.create_topic('{topic}', 2)")
    m1 = Member(f"{group}-m1", group, topic)
    m1.start()
    ok(wait_for(lambda: len(m1.assignment) == 2, 15), "barrier: the first member owns both partitions",
       sorted(m1.assignment))
    m1.pause_event.set()        # its heartbeat thread goes on; it cannot rejoin
    m2 = Member(f"{group}-m2", group, topic)
    m2.start()
    time.sleep(2)
    desc = admin.describe_consumer_groups([group])
    d = desc[0] if len(desc) == 1 else None
    ok(d is not None and d.state == "PreparingRebalance" and d.protocol == ""
       and sorted(mi.client_id for mi in d.members) == [f"{group}-m1", f"{group}-m2"]
       and all(not mi.member_assignment for mi in d.members),
       "barrier: while a member has not rejoined, the group is PreparingRebalance (no protocol, "
       "both members, no assignments)", desc)
    ok(not m2.assignment and not m2.history,
       "barrier: the joining member is not given partitions while the other has not rejoined",
       (sorted(m2.assignment), m2.history))
    resumed = time.monotonic()
    m1.pause_event.clear()
    ok(wait_for(lambda: balanced_over([m1, m2], 1, 2), 10),
       "barrier: once the paused member rejoins, each owns one partition",
       ([sorted(m.assignment) for m in (m1, m2)], round(time.monotonic() - resumed, 1)))
    ok(describe_protocol(admin, group) == ("Stable", "range"), "barrier: the group is Stable again",
       describe_protocol(admin, group))
    m1.stop()
    m2.stop()
    ok(not m1.errors and not m2.errors, "barrier: neither member saw an error",
       m1.errors + m2.errors)


CHILD = r"""
import os
from kafka import KafkaConsumer
c = KafkaConsumer(group_id=os.environ["KP_GROUP"], client_id="kp-child",
                  bootstrap_servers=os.environ["KP_BOOTSTRAP"], session_timeout_ms=3000,
                  heartbeat_interval_ms=500, max_poll_interval_ms=10000,
                  enable_auto_commit=False, auto_offset_reset="earliest")
c.subscribe([os.environ["KP_TOPIC"]])
last = None
while True:
    c.poll(timeout_ms=100)
    a = sorted(tp.partition for tp in c.assignment())
    if a != last:
        print("assigned " + ",".join(map(str, a)), flush=True)
        last = a
"""


def check_hard_kill():
    topic = f"kp-groups-kp-kill-{RUN}"
    group = f"kp-group-kp-kill-{RUN}"
    psql(f"SELECT kafkapg.create_topic('{topic}', {PARTITIONS})")
    survivor = Member(f"{group}-parent", group, topic, session_timeout_ms=3000,
                      heartbeat_interval_ms=500)
    survivor.start()
    ok(wait_for(lambda: len(survivor.assignment) == PARTITIONS, 15),
       "hard kill: the first member owns all 6 partitions", sorted(survivor.assignment))
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True,
                             env=dict(os.environ, KP_GROUP=group, KP_TOPIC=topic))
    child_assignment = []
    child_output = []

    def read_child():
        for line in child.stdout:
            child_output.append(line.rstrip())
            if line.startswith("assigned "):
                child_assignment[:] = [int(p) for p in line.split()[1].split(",") if p] \
                    if len(line.split()) > 1 else []
    threading.Thread(target=read_child, daemon=True).start()
    try:
        joined = wait_for(lambda: len(child_assignment) == 3 and len(survivor.assignment) == 3
                          and set(child_assignment) | survivor.assignment == set(range(6)), 20)
        ok(joined, "hard kill: a child process joins, child and parent own 3 partitions each",
           (child_assignment, sorted(survivor.assignment), child_output[-5:]))
    finally:
        killed_at = time.monotonic()
        child.send_signal(signal.SIGKILL)
        child.wait()
    if joined:
        got_all = wait_for(lambda: len(survivor.assignment) == PARTITIONS, 3 + 5)
        took = time.monotonic() - killed_at
        ok(got_all, "after SIGKILL of the child the parent owns all 6 partitions within "
           "session timeout (3 s) + 5 s", (round(took, 1), sorted(survivor.assignment)))
        ok(not got_all or took >= 2.0,
           "... and not before the session timeout could expire the child (>= 2.0 s: "
           "3 s minus heartbeat interval and slack)", round(took, 2))
    survivor.stop()
    ok(not survivor.errors, "hard kill: the parent member saw no error", survivor.errors)


def main():
    errors = Collect()
    logging.getLogger("kafka").addHandler(errors)
    logging.getLogger("kafka").propagate = False
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id="kp-groups-admin",
                             api_version_auto_timeout_ms=5000)
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")
    try:
        check_group(admin, producer)
        check_protocols(admin)
        check_join_barrier(admin)
        check_hard_kill()
    finally:
        producer.close()
        admin.close()
    ok(not errors.records, "kafka-python logged no errors", errors.records[:5])
    return kptap.exit_status()


if __name__ == "__main__":
    kptap.run(main)
