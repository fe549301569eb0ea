#!/usr/bin/env bash
# kcat -L (librdkafka) lists broker 1 at the advertised address, as many
# topics as kafkapg.topics holds, and a topic made by kafkapg.create_topic()
# with its partitions, each led by broker 1.
topic=kp-kcat-metadata-sql
psql -XAtc "SELECT kafkapg.create_topic('$topic', 3)" >/dev/null ||
	echo "not ok - kafkapg.create_topic('$topic', 3) failed"
out=$(kcat -L -m 5 -b "$KP_BOOTSTRAP" 2>&1)
if echo "$out" | grep -q "broker 1 at $KP_BOOTSTRAP (controller)"; then
	echo "ok - kcat -L lists broker 1 at $KP_BOOTSTRAP as controller"
else
	echo "not ok - kcat -L output: $out"
fi
n=$(psql -XAtc "SELECT count(*) FROM kafkapg.topics")
if echo "$out" | grep -q "^ $n topics:"; then
	echo "ok - kcat -L shows $n topics, as many as kafkapg.topics"
else
	echo "not ok - kcat -L topic count (kafkapg.topics has $n): $out"
fi
section=$(echo "$out" | awk -v t="  topic \"$topic\" " \
	'index($0, t) == 1 { p = 1; print; next } /^  topic / { p = 0 } p')
want="  topic \"$topic\" with 3 partitions:
    partition 0, leader 1, replicas: 1, isrs: 1
    partition 1, leader 1, replicas: 1, isrs: 1
    partition 2, leader 1, replicas: 1, isrs: 1"
if [ "$section" = "$want" ]; then
	echo "ok - kcat -L shows the SQL-created topic with 3 partitions led by broker 1"
else
	echo "not ok - kcat -L does not show $topic with 3 partitions: $section"
fi
