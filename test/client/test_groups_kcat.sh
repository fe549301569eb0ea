#!/usr/bin/env bash
# kcat (librdkafka 2.0.2) as a consumer group member (kcat -G) against
# kafkapg's group coordinator.
#
# Proves that, on a 3-partition topic with 30 records (10 per partition):
#  - kcat -G <group> -e (join, read to the end of every assigned partition,
#    commit on close) reads each of the 30 records exactly once and exits 0;
#  - its commits are in kafkapg.consumer_offsets (10 per partition) and
#    kafkapg.consumer_lag shows lag 0;
#  - a second kcat -G run in the same group is assigned all 3 partitions
#    (kcat's rebalance notice) and reads nothing;
#  - after 15 more records (5 per partition), kafkapg.consumer_lag shows lag
#    5 per partition, and a third run reads exactly those 15, then lag 0;
#  - kcat -G in another group reads all 45 (offsets are per group).
set -u
B=$KP_BOOTSTRAP
RUN=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
T=kp-groups-kcat-$RUN
G=kp-group-kcat-$RUN
failures=0

ok() {	# ok <condition-status> <description> [detail]
	if [ "$1" -eq 0 ]; then
		echo "ok - $2"
	else
		failures=$((failures + 1))
		echo "not ok - $2${3:+ -- $3}"
	fi
}

sql() { psql -XAtc "$1"; }

produce() {	# produce <first> <count>: values r<i> to partition i % 3
	local p i
	for p in 0 1 2; do
		for ((i = $1; i < $1 + $2; i++)); do
			[ $((i % 3)) -eq "$p" ] && echo "r$i"
		done | timeout 30 kcat -P -b "$B" -t "$T" -p "$p" 2>&1
	done
}

expected() {	# expected <first> <count>: sorted "partition:value" lines
	local i
	for ((i = $1; i < $1 + $2; i++)); do echo "$((i % 3)):r$i"; done | sort
}

consume() {	# consume <group>: sets got (sorted "partition:value" lines), rc
	timeout 30 kcat -C -b "$B" -G "$1" "$T" -e -f '%p:%s\n' \
		-X auto.offset.reset=earliest -X session.timeout.ms=6000 \
		-X heartbeat.interval.ms=300 >"$outf" 2>"$errf"
	rc=$?
	got=$(sed '/^$/d' "$outf" | sort)
}

assigned() {	# whether the last run was assigned all 3 partitions (kcat's notice)
	grep -q "rebalanced (memberid .*): assigned: $T \\[0\\], $T \\[1\\], $T \\[2\\]$" "$errf"
}

offsets() {	# offsets <view> <column>: "partition:value" per partition of group G
	sql "SELECT string_agg(partition || ':' || $2, ' ' ORDER BY partition)
	     FROM kafkapg.$1 WHERE group_id = '$G'"
}

errf=$(mktemp)
outf=$(mktemp)
trap 'rm -f "$errf" "$outf"' EXIT
sql "SELECT kafkapg.create_topic('$T', 3)" >/dev/null
produce 0 30

consume "$G"; want=$(expected 0 30)
[ "$rc" -eq 0 ] && [ "$got" = "$want" ]
ok $? "kcat -G -e (first run) reads the 30 records exactly once and exits 0" \
	"rc=$rc lines=$(echo "$got" | sed '/^$/d' | wc -l) $(head -3 "$errf")"
got=$(offsets consumer_offsets committed_offset)
[ "$got" = "0:10 1:10 2:10" ]
ok $? "kafkapg.consumer_offsets: its commits, 10 on each partition" "$got"
got=$(offsets consumer_lag lag)
[ "$got" = "0:0 1:0 2:0" ]
ok $? "kafkapg.consumer_lag: lag 0 on each partition" "$got"

consume "$G"
[ "$rc" -eq 0 ] && [ -z "$got" ] && assigned
ok $? "kcat -G -e (second run, same group) is assigned the 3 partitions and reads nothing" \
	"rc=$rc $got $(head -5 "$errf")"

produce 30 15
got=$(offsets consumer_lag lag)
[ "$got" = "0:5 1:5 2:5" ]
ok $? "after 15 more records kafkapg.consumer_lag shows lag 5 on each partition" "$got"
consume "$G"; want=$(expected 30 15)
[ "$rc" -eq 0 ] && [ "$got" = "$want" ]
ok $? "kcat -G -e (third run) reads exactly the 15 new records" \
	"rc=$rc got=$(echo $got) $(head -3 "$errf")"
got=$(offsets consumer_lag "committed_offset || '/' || lag")
[ "$got" = "0:15/0 1:15/0 2:15/0" ]
ok $? "... and commits them: offset 15, lag 0 on each partition" "$got"

consume "$G-other"; want=$(expected 0 45)
[ "$rc" -eq 0 ] && [ "$got" = "$want" ]
ok $? "kcat -G in another group reads all 45 records" \
	"rc=$rc lines=$(echo "$got" | sed '/^$/d' | wc -l)"

[ "$failures" -eq 0 ]
