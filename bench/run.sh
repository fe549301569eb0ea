#!/usr/bin/env bash
# make bench: builds the benchmark clients, starts a private kafkapg
# instance and the reference broker (../shared/tools/refbroker) on free
# ports, and prints one table per benchmark.  BENCH_SECONDS sets the time
# per cell of the round-trip table (default 3); bench_log.c documents
# BENCH_SCALE, BENCH_PHASES and the other knobs of the produce/consume
# table, bench_durability.c those of the durability table, bench_groups.c
# those of the consumer-group table.  BENCH_ONLY=rpc, log, durability or
# groups runs one of the four tables.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
SECS=${BENCH_SECONDS:-3}
REFDIR=${REFBROKER_DIR:-../shared/tools/refbroker}

mkdir -p bench/bin
cc -O2 -Wall -Wextra -Werror -pthread -o bench/bin/bench_rpc bench/bench_rpc.c
cc -O2 -Wall -Wextra -Werror -pthread -o bench/bin/bench_log bench/bench_log.c -lrdkafka
cc -O2 -Wall -Wextra -Werror -o bench/bin/bench_disk bench/bench_disk.c
cc -O2 -Wall -Wextra -Werror -pthread -o bench/bin/bench_durability bench/bench_durability.c -lrdkafka
cc -O2 -Wall -Wextra -Werror -pthread -o bench/bin/bench_groups bench/bench_groups.c -lrdkafka
make -s -C "$REFDIR" >/dev/null

tmp=$(mktemp -d /tmp/kafkapg-bench.XXXXXX)
mkdir_pg "$tmp"
pgport=$(free_port); kport=$(free_port)
kp_initdb "$tmp/data" "$pgport" "$kport"
# WAL settings recommended for log-heavy workloads (README: Durability): every
# record byte also goes through WAL, so give it room
cat >> "$tmp/data/postgresql.conf" <<CONF
wal_buffers = '64MB'
max_wal_size = '8GB'
min_wal_size = '1GB'
checkpoint_timeout = '15min'
# groups: Kafka's default first-rebalance delay (the tests use 100 ms)
kafkapg.group_initial_rebalance_delay_ms = 3000
CONF
refpid=
cleanup() {
	[ -n "$refpid" ] && kill "$refpid" 2>/dev/null
	as_pg "$PGBIN/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
as_pg "$PGBIN/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w start >/dev/null
"$PGBIN/psql" -X -q -h 127.0.0.1 -p "$pgport" -U postgres -c "CREATE EXTENSION kafkapg" postgres
kp_wait_broker "$kport" 30

"$REFDIR/refbroker" > "$tmp/refaddr" &
refpid=$!
for _ in $(seq 50); do [ -s "$tmp/refaddr" ] && break; sleep 0.1; done
refaddr=$(head -1 "$tmp/refaddr")

only=${BENCH_ONLY:-}
if [ -z "$only" ] || [ "$only" = rpc ]; then
	echo "## Request round trips ($(date -u +%Y-%m-%d), $(nproc) cores)"
	echo
	bench/bin/bench_rpc "$SECS" "127.0.0.1:$kport" "$refaddr"
	echo
fi

if [ -z "$only" ] || [ "$only" = log ]; then
	# one worker (kafkapg.workers = 1): its RSS is read from /proc
	wpid=$("$PGBIN/psql" -X -qAt -h 127.0.0.1 -p "$pgport" -U postgres \
		-c "SELECT pid FROM kafkapg.broker_workers ORDER BY worker LIMIT 1" postgres)
	# 1,000 idle connections plus the clients' own sockets
	if [ "$(ulimit -n)" -lt 4096 ]; then ulimit -n 4096 || true; fi
	echo "## Produce, consume, end-to-end latency, memory, Metadata ($(date -u +%Y-%m-%d), $(nproc) cores)"
	echo
	bench/bin/bench_log "127.0.0.1:$kport" "$refaddr" "$wpid" "$tmp"
fi

if [ -z "$only" ] || [ "$only" = durability ]; then
	psql="$PGBIN/psql -X -qAt -h 127.0.0.1 -p $pgport -U postgres postgres"
	# start from a clean page cache (the log table leaves gigabytes dirty)
	$psql -c CHECKPOINT
	sync
	# scratch files next to PGDATA, on its file system, deleted afterwards
	disk=$(bench/bin/bench_disk "$tmp" "$tmp/data")
	[ -z "$only" ] && echo	# after the log table
	echo "## Durability: acks=-1 produce against the disk ($(date -u +%Y-%m-%d), $(nproc) cores)"
	echo
	bench/bin/bench_durability "127.0.0.1:$kport" "$psql" "$tmp/data" "$disk"
	echo
fi

if [ -z "$only" ] || [ "$only" = groups ]; then
	psql="$PGBIN/psql -X -qAt -h 127.0.0.1 -p $pgport -U postgres postgres"
	echo "## Consumer groups ($(date -u +%Y-%m-%d), $(nproc) cores)"
	echo
	bench/bin/bench_groups "127.0.0.1:$kport" "$psql" 3000
	echo
fi
