#!/usr/bin/python3
"""kafka-python 2.0.2 (pure-Python client) against kafkapg.

Proves that kafka-python's version probe (ApiVersions v0) parses the
broker's answer and infers the broker generation it implies: it tries, newest
first, DescribeAcls v2 (2.5; not offered), Produce v8 (2.4; offered, Produce
0-9) => (2, 4, 0); and that with it:
  * KafkaConsumer.topics() is the set of topics of kafkapg.topics;
    partitions_for_topic() (an all-topics Metadata v1) is None for a missing
    topic and creates nothing, and is {0, 1} for a 2-partition topic made
    by kafkapg.create_topic(); the consumer's cluster view holds exactly
    broker 1 at KP_HOST:KP_PORT;
  * KafkaAdminClient starts (it looks up the controller, Metadata v5),
    describe_cluster() shows broker 1 at KP_HOST:KP_PORT, rack None,
    controller 1 and the cluster id of SELECT kafkapg.cluster_id();
    list_topics() is the topics of kafkapg.topics; describe_topics() of a
    missing topic (Metadata v5, allow_auto_topic_creation false) gives
    error 3 (UNKNOWN_TOPIC_OR_PARTITION) and creates nothing;
  * kafka-python logs nothing at WARNING or above meanwhile.
"""
import logging

from kafka import KafkaAdminClient, KafkaConsumer

import kptap
from kptap import BOOTSTRAP, HOST, PORT, ok, psql

CLIENT_CONFIG = {
    "bootstrap_servers": BOOTSTRAP,
    "client_id": "kafkapg-kafka-python-test",
    "api_version_auto_timeout_ms": 5000,
    "request_timeout_ms": 10000,
}


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(f"{record.name}: {record.getMessage()}")


def main():
    cluster_id = psql("SELECT kafkapg.cluster_id()")
    psql("SELECT kafkapg.create_topic('kp-kafka-python-sql', 2)")
    warnings = Collect()
    logging.getLogger("kafka").addHandler(warnings)
    logging.getLogger("kafka").propagate = False

    # ---- consumer (no group): topics and cluster view
    consumer = KafkaConsumer(enable_auto_commit=False, **CLIENT_CONFIG)
    try:
        version = consumer.config["api_version"]
        ok(version == (2, 4, 0), "kafka-python infers broker version (2, 4, 0) from ApiVersions",
           version)
        topics = consumer.topics()
        sql = set(psql("SELECT topic FROM kafkapg.topics").splitlines())
        ok(topics == sql and "kp-kafka-python-sql" in topics,
           "KafkaConsumer.topics() is the set of kafkapg.topics", (topics, sql))
        parts = consumer.partitions_for_topic("kp-kafka-python-absent")
        ok(parts is None, "partitions_for_topic(<missing>) is None", parts)
        row = psql("SELECT count(*) FROM kafkapg.topics WHERE topic = 'kp-kafka-python-absent'")
        ok(row == "0", "partitions_for_topic (an all-topics Metadata) created nothing", row)
        parts = consumer.partitions_for_topic("kp-kafka-python-sql")
        ok(parts == {0, 1}, "partitions_for_topic(<2-partition SQL topic>) is {0, 1}", parts)
        brokers = {(b.nodeId, b.host, b.port) for b in consumer._client.cluster.brokers()}
        ok(brokers == {(1, HOST, PORT)}, "consumer cluster view: broker 1 at KP_HOST:KP_PORT",
           brokers)
    finally:
        consumer.close()

    # ---- admin client: controller lookup, describe_cluster, topics
    admin = KafkaAdminClient(**CLIENT_CONFIG)
    try:
        ok(admin._controller_id == 1, "KafkaAdminClient found controller 1 at start",
           admin._controller_id)
        cluster = admin.describe_cluster()
        ok(cluster.get("brokers") == [{"node_id": 1, "host": HOST, "port": PORT, "rack": None}],
           "describe_cluster(): one broker, id 1 at KP_HOST:KP_PORT, rack None",
           cluster.get("brokers"))
        ok(cluster.get("controller_id") == 1, "describe_cluster(): controller_id 1",
           cluster.get("controller_id"))
        ok(cluster.get("cluster_id") == cluster_id,
           "describe_cluster(): cluster_id equals kafkapg.cluster_id()",
           (cluster.get("cluster_id"), cluster_id))
        topics = admin.list_topics()
        sql = psql("SELECT topic FROM kafkapg.topics").splitlines()
        ok(sorted(topics) == sorted(sql), "KafkaAdminClient.list_topics() is kafkapg.topics",
           (topics, sql))
        described = admin.describe_topics(["kp-kafka-python-missing"])
        ok(len(described) == 1 and described[0]["topic"] == "kp-kafka-python-missing"
           and described[0]["error_code"] == 3 and described[0]["partitions"] == [],
           "describe_topics([<missing>]): error 3, no partitions", described)
        row = psql("SELECT count(*) FROM kafkapg.topics WHERE topic = 'kp-kafka-python-missing'")
        ok(row == "0", "describe_topics did not create the topic", row)
    finally:
        admin.close()

    ok(not warnings.records, "kafka-python logged no warnings or errors", warnings.records[:3])
    return kptap.exit_status()


if __name__ == "__main__":
    kptap.run(main)
