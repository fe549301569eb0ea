#!/usr/bin/python3
"""A confluent-kafka (librdkafka) group consumer for the TAP tests.

  kp_group_client.py consume BOOTSTRAP GROUP TOPIC N
      joins GROUP, reads N records, commits each synchronously and prints
      "ack PARTITION NEXT_OFFSET" once the broker acknowledged it; leaves.
  kp_group_client.py commit-loop BOOTSTRAP GROUP TOPIC
      the same without end, until killed; commit failures (the broker being
      down) are retried and never printed as acks.
  kp_group_client.py member BOOTSTRAP GROUP TOPIC SECONDS
      stays in the group for SECONDS, printing "assigned P,P,..." on each
      assignment; closes without leaving when killed.
The session timeout is KP_SESSION_MS (default 10000).
"""
import os
import sys
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition


def consumer(bootstrap, group, session_ms=int(os.environ.get("KP_SESSION_MS", "10000"))):
    return Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                     "auto.offset.reset": "earliest", "enable.auto.commit": False,
                     "session.timeout.ms": session_ms, "heartbeat.interval.ms": 500,
                     "socket.timeout.ms": 5000, "api.version.request.timeout.ms": 5000})


def commit_each(c, limit):
    done = 0
    while limit is None or done < limit:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        tp = TopicPartition(m.topic(), m.partition(), m.offset() + 1)
        while True:
            try:
                c.commit(offsets=[tp], asynchronous=False)
                break
            except KafkaException:
                time.sleep(0.2)
        print(f"ack {m.partition()} {m.offset() + 1}", flush=True)
        done += 1


def main():
    mode, bootstrap, group, topic = sys.argv[1:5]
    if mode == "member":
        c = consumer(bootstrap, group)
        c.subscribe([topic], on_assign=lambda cons, parts: print(
            "assigned " + ",".join(str(p.partition) for p in parts), flush=True))
        end = time.time() + float(sys.argv[5])
        while time.time() < end:
            c.poll(0.2)
        c.close()
        return 0
    c = consumer(bootstrap, group)
    c.subscribe([topic])
    commit_each(c, int(sys.argv[5]) if mode == "consume" else None)
    c.close()
    return 0


sys.exit(main())
