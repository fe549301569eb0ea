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

from confluent_kafka import KafkaError
from confluent_kafka.admin import AdminClient

import kptap
from kptap import BOOTSTRAP, HOST, PORT, ok, psql




def main():
    cluster_id = psql("SELECT kafkapg.cluster_id()")
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
    return kptap.exit_status()


if __name__ == "__main__":
    kptap.run(main)
