#!/usr/bin/python3
"""confluent-kafka 2.0.2 (Python on librdkafka) against kafkapg.

Proves that AdminClient.list_topics() -- ApiVersions v3 then Metadata v4
through librdkafka's Python binding -- returns:
  * brokers {1: BrokerMetadata(1, KP_HOST:KP_PORT)} and no topics;
  * cluster_id equal to SELECT kafkapg.cluster_id(), controller_id 1;
and that list_topics(topic=...) of a missing topic reports
UNKNOWN_TOPIC_OR_PART with no partitions; and that the client reports no
error through its error callback meanwhile.
"""
import os
import subprocess
import sys

from confluent_kafka import KafkaError
from confluent_kafka.admin import AdminClient

HOST = os.environ["KP_HOST"]
PORT = int(os.environ["KP_PORT"])
BOOTSTRAP = os.environ["KP_BOOTSTRAP"]

failures = 0


def ok(cond, desc, detail=None):
    global failures
    if cond:
        print(f"ok - {desc}")
    else:
        failures += 1
        print(f"not ok - {desc}" + (f" -- {detail!r}" if detail is not None else ""))
    sys.stdout.flush()


def main():
    cluster_id = subprocess.run(["psql", "-XAtc", "SELECT kafkapg.cluster_id()"], check=True,
                                capture_output=True, text=True).stdout.strip()
    errors = []
    admin = AdminClient({
        "bootstrap.servers": BOOTSTRAP,
        "client.id": "kafkapg-confluent-kafka-test",
        "error_cb": lambda err: errors.append(str(err)),
    })

    md = admin.list_topics(timeout=10)
    brokers = {k: (b.id, b.host, b.port) for k, b in md.brokers.items()}
    ok(brokers == {1: (1, HOST, PORT)}, "list_topics(): brokers {1: KP_HOST:KP_PORT}", brokers)
    ok(md.cluster_id == cluster_id, "list_topics(): cluster_id equals kafkapg.cluster_id()",
       (md.cluster_id, cluster_id))
    ok(md.controller_id == 1, "list_topics(): controller_id 1", md.controller_id)
    ok(md.topics == {}, "list_topics(): topics == {}", md.topics)
    ok(md.orig_broker_name.startswith(BOOTSTRAP),
       "list_topics(): answered by the bootstrap address", md.orig_broker_name)

    md = admin.list_topics(topic="no-such-topic", timeout=10)
    t = md.topics.get("no-such-topic")
    ok(t is not None and list(md.topics) == ["no-such-topic"]
       and t.error is not None and t.error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART
       and t.partitions == {},
       "list_topics(topic='no-such-topic'): UNKNOWN_TOPIC_OR_PART, no partitions",
       (md.topics, t and t.error))

    admin.poll(0.1)       # serve any pending error callbacks
    ok(not errors, "no client errors reported through error_cb", errors)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
