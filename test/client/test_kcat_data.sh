#!/usr/bin/env bash
# kcat (librdkafka 2.0.2) producing and consuming against kafkapg, with no
# consumer group (kcat -C without -G).
#
# Proves that:
#  - kcat -P with keys (-K:), headers (-H), an empty key and an empty value
#    sent as NULL (-Z), under each codec (none, gzip, snappy, lz4, zstd),
#    is read back by kcat -C exactly (offset, key, value, headers) and by
#    kafkapg.read() (NULL key and value, headers as JSON);
#  - kcat -C positions: -o beginning, -o <offset>, -o -<n> (from the end),
#    -o end (nothing), -c <count>, and -o s@<ms> (by timestamp, through
#    ListOffsets) starting at the first record produced at or after it;
#  - kcat -P to a missing topic creates it (the producer allows
#    auto-creation) with one partition, visible in kafkapg.topics;
#  - after kafkapg.delete_topic(), kcat -C fails with "Unknown topic or
#    partition" and kcat -P (allow.auto.create.topics=false) gets a
#    delivery failure with the same error, and nothing re-creates it.
set -u
B=$KP_BOOTSTRAP
P=kp-kcat
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

consume() {	# consume <topic> <kcat -C options...>
	local t=$1; shift
	timeout 30 kcat -C -b "$B" -t "$t" -p 0 -e -q -Z -f '%o|%k|%s|%h\n' "$@" 2>&1
}

# ---- codecs, keys, headers, NULLs
want_kcat='0|k1|v1|h1=x,h2=y
1|NULL|no key|h1=x,h2=y
2|k3|NULL|h1=x,h2=y'
want_sql='0|k1|v1|[{"key": "h1", "value": "x"}, {"key": "h2", "value": "y"}]
1|NULL|no key|[{"key": "h1", "value": "x"}, {"key": "h2", "value": "y"}]
2|k3|NULL|[{"key": "h1", "value": "x"}, {"key": "h2", "value": "y"}]'
for codec in none gzip snappy lz4 zstd; do
	t=$P-$codec
	sql "SELECT kafkapg.create_topic('$t', 1)" >/dev/null
	printf 'k1:v1\n:no key\nk3:\n' |
		timeout 30 kcat -P -b "$B" -t "$t" -p 0 -K: -Z -H h1=x -H h2=y -z "$codec" 2>&1
	ok $? "kcat -P -z $codec: three records produced"
	got=$(consume "$t" -o beginning)
	[ "$got" = "$want_kcat" ]
	ok $? "kcat -z $codec: kcat -C reads back keys, NULL key, NULL value, headers" "$got"
	got=$(sql "SELECT \"offset\" || '|' || coalesce(convert_from(key, 'UTF8'), 'NULL') || '|' ||
	              coalesce(convert_from(value, 'UTF8'), 'NULL') || '|' || headers
	           FROM kafkapg.read('$t', 0)")
	[ "$got" = "$want_sql" ]
	ok $? "kcat -z $codec: kafkapg.read() gives the same records" "$got"
done

# ---- positions
t=$P-positions
sql "SELECT kafkapg.create_topic('$t', 1)" >/dev/null
seq 0 4 | sed 's/^/m/' | timeout 30 kcat -P -b "$B" -t "$t" -p 0
sleep 0.2
split_ms=$(date +%s%3N)
sleep 0.2
seq 5 9 | sed 's/^/m/' | timeout 30 kcat -P -b "$B" -t "$t" -p 0
fmt='%o:%s\n'
c() { timeout 30 kcat -C -b "$B" -t "$t" -p 0 -e -q -f "$fmt" "$@" 2>&1 | tr '\n' ' '; }
got=$(c -o beginning); [ "$got" = "0:m0 1:m1 2:m2 3:m3 4:m4 5:m5 6:m6 7:m7 8:m8 9:m9 " ]
ok $? "kcat -C -o beginning: offsets 0-9" "$got"
got=$(c -o 7); [ "$got" = "7:m7 8:m8 9:m9 " ]
ok $? "kcat -C -o 7: m7 m8 m9" "$got"
got=$(c -o -3); [ "$got" = "7:m7 8:m8 9:m9 " ]
ok $? "kcat -C -o -3 (three from the end): m7 m8 m9" "$got"
got=$(c -o end); [ "$got" = "" ]
ok $? "kcat -C -o end -e: nothing" "$got"
got=$(c -o beginning -c 2); [ "$got" = "0:m0 1:m1 " ]
ok $? "kcat -C -c 2: m0 m1" "$got"
got=$(c -o "s@$split_ms"); [ "$got" = "5:m5 6:m6 7:m7 8:m8 9:m9 " ]
ok $? "kcat -C -o s@<time between m4 and m5>: from m5 (ListOffsets by timestamp)" "$got"
ts=$(timeout 30 kcat -C -b "$B" -t "$t" -p 0 -e -q -o 5 -c 1 -f '%T')
sqlts=$(sql "SELECT (extract(epoch FROM timestamp) * 1000)::bigint FROM kafkapg.read('$t', 0, 5, 1)")
[ -n "$ts" ] && [ "$ts" = "$sqlts" ] && [ "$ts" -ge "$split_ms" ]
ok $? "record 5's timestamp: kcat %T equals kafkapg.read(), after the split time" "$ts $sqlts $split_ms"

# ---- auto-creation by the producer
t=$P-auto
echo created | timeout 30 kcat -P -b "$B" -t "$t" -p 0 2>&1
got=$(sql "SELECT partitions || '|' || (SELECT high_watermark FROM kafkapg.partitions
           WHERE topic = '$t') FROM kafkapg.topics WHERE topic = '$t'")
[ "$got" = "1|1" ]
ok $? "kcat -P to a missing topic creates it: 1 partition, 1 record" "$got"

# ---- a topic deleted through SQL
t=$P-deleted
sql "SELECT kafkapg.create_topic('$t', 1)" >/dev/null
echo before | timeout 30 kcat -P -b "$B" -t "$t" -p 0 2>&1
sql "SELECT kafkapg.delete_topic('$t')" >/dev/null
out=$(timeout 30 kcat -C -b "$B" -t "$t" -p 0 -o beginning -e -q 2>&1); rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q "Unknown topic or partition"
ok $? "after kafkapg.delete_topic(): kcat -C fails with Unknown topic or partition" "rc=$rc $out"
out=$(echo after | timeout 30 kcat -P -b "$B" -t "$t" -p 0 -X allow.auto.create.topics=false \
	-X topic.metadata.propagation.max.ms=100 -X message.timeout.ms=10000 2>&1); rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q "Delivery failed.*Unknown topic or partition"
ok $? "... and kcat -P (no auto-creation) gets a delivery failure: Unknown topic or partition" \
	"rc=$rc $out"
got=$(sql "SELECT count(*) FROM kafkapg.topics WHERE topic = '$t'")
[ "$got" = "0" ]
ok $? "... and the topic was not re-created" "$got"

[ "$failures" -eq 0 ]
