#!/usr/bin/python3
"""confluent-kafka 2.0.2 (Python on librdkafka) against kafkapg.

Proves that AdminClient.list_topics() -- ApiVersions v3 then Metadata v4
through librdkafka's Python binding -- returns:
  * brokers {1: BrokerMetadata(1, KP_HOST:KP_PORT)} and exactly the topics
    of kafkapg.topics, with their partition counts;
  * cluster_id equal to SELECT kafkapg.cluster_id(), controller_id 1;
that list_topics(topic=...) of a missing topic on the admin client (a
producer handle: librdkafka allows auto-creation there) creates it with
kafkapg.num_partitions (1) partitions, visible in kafkapg.topics; that a
consumer with allow.auto.create.topics=false gets UNKNOWN_TOPIC_OR_PART
with no partitions and creates nothing; and that the client reports no
error through its error callback meanwhile.
"""

from confluent_kafka import Consumer, KafkaError
from confluent_kafka.admin import AdminClient

import kptap
from kptap import BOOTSTRAP, HOST, PORT, ok, psql


def main():
    cluster_id = psql("SELECT kafkapg.cluster_id()")
    psql("SELECT kafkapg.create_topic('kp-confluent-sql', 3)")    # at least one topic to list
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
    sql = dict(line.split("|") for line in
               psql("SELECT topic, partitions FROM kafkapg.topics").splitlines())
    got = {name: str(len(t.partitions)) for name, t in md.topics.items()}
    ok(got == sql, "list_topics(): the topics of kafkapg.topics, same partition counts",
       (got, sql))
    ok(md.orig_broker_name.startswith(BOOTSTRAP),
       "list_topics(): answered by the bootstrap address", md.orig_broker_name)

    name = "kp-confluent-autocreated"
    md = admin.list_topics(topic=name, timeout=10)
    t = md.topics.get(name)
    ok(t is not None and list(md.topics) == [name] and t.error is None
       and list(t.partitions) == [0] and t.partitions[0].leader == 1,
       "admin list_topics(topic=<missing>): auto-created with 1 partition led by broker 1",
       (md.topics, t and t.error))
    row = psql(f"SELECT partitions FROM kafkapg.topics WHERE topic = '{name}'")
    ok(row == "1", "the auto-created topic is in kafkapg.topics with 1 partition", row)

    name = "kp-confluent-missing"
    consumer = Consumer({
        "bootstrap.servers": BOOTSTRAP,
        "group.id": "kafkapg-confluent-kafka-test",     # required; never joined
        "enable.auto.commit": False,
        "allow.auto.create.topics": False,
        "error_cb": lambda err: errors.append(str(err)),
    })
    try:
        md = consumer.list_topics(topic=name, timeout=10)
    finally:
        consumer.close()
    t = md.topics.get(name)
    ok(t is not None and list(md.topics) == [name]
       and t.error is not None and t.error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART
       and t.partitions == {},
       "consumer (allow.auto.create.topics=false) list_topics(topic=<missing>): "
       "UNKNOWN_TOPIC_OR_PART, no partitions", (md.topics, t and t.error))
    row = psql(f"SELECT count(*) FROM kafkapg.topics WHERE topic = '{name}'")
    ok(row == "0", "... and the topic was not created", row)

    admin.poll(0.1)       # serve any pending error callbacks
    ok(not errors, "no client errors reported through error_cb", errors)
    return kptap.exit_status()


if __name__ == "__main__":
    kptap.run(main)
