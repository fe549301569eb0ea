#!/usr/bin/env bash
# make bench: builds the benchmark clients, starts a private kafkapg
# instance and the reference broker (../shared/tools/refbroker) on free
# ports, and prints one table per benchmark.  BENCH_SECONDS sets the time
# per cell (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
SECS=${BENCH_SECONDS:-3}
REFDIR=${REFBROKER_DIR:-../shared/tools/refbroker}

mkdir -p bench/bin
cc -O2 -Wall -Wextra -Werror -pthread -o bench/bin/bench_rpc bench/bench_rpc.c
make -s -C "$REFDIR" >/dev/null

tmp=$(mktemp -d /tmp/kafkapg-bench.XXXXXX)
mkdir_pg "$tmp"
pgport=$(free_port); kport=$(free_port)
kp_initdb "$tmp/data" "$pgport" "$kport"
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

echo "## Request round trips ($(date -u +%Y-%m-%d), $(nproc) cores)"
echo
bench/bin/bench_rpc "$SECS" "127.0.0.1:$kport" "$refaddr"
