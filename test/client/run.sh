#!/usr/bin/env bash
# Client layer: real Kafka clients against one private kafkapg instance on
# free ports.  Each test is an executable test/client/test_* (shell,
# /usr/bin/python3, node) or a C program test/client/c/test_*.c linked with
# librdkafka.  Tests print TAP-style lines "ok - ..." / "not ok - ...";
# a test that exits non-zero without a "not ok" line counts one failure.
#
# Environment given to tests: KP_HOST, KP_PORT, KP_BOOTSTRAP (host:port),
# PGHOST, PGPORT, PGUSER, PGDATABASE (psql works as is), KP_LOG (server log).
#   One test:  make clientcheck T=kcat
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
filter=${1:-}
ROOT=$(pwd)

# C programs on librdkafka
mkdir -p test/client/bin
for src in test/client/c/test_*.c; do
	[ -e "$src" ] || continue
	bin=test/client/bin/$(basename "$src" .c)
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ test/client/c/kptest.h -nt "$bin" ]; then
		cc -std=gnu99 -O1 -g -Wall -Wextra -Werror -o "$bin" "$src" -lrdkafka || exit 1
	fi
done

# kafkajs from the npm registry (once)
if [ -f test/client/js/package.json ] && [ ! -d test/client/js/node_modules/kafkajs ]; then
	(cd test/client/js && npm install --no-audit --no-fund --silent >/dev/null 2>&1) ||
		echo "warning: npm install of kafkajs failed"
fi

tmp=$(mktemp -d /tmp/kafkapg-client.XXXXXX)
mkdir_pg "$tmp"
export PGPORT KP_PORT
PGPORT=$(free_port)
KP_PORT=$(free_port)
while [ "$KP_PORT" = "$PGPORT" ]; do KP_PORT=$(free_port); done
kp_initdb "$tmp/data" "$PGPORT" "$KP_PORT"
export KP_LOG=$tmp/server.log
as_pg touch "$KP_LOG"
cleanup() {
	as_pg "$PGBIN/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
as_pg "$PGBIN/pg_ctl" -D "$tmp/data" -l "$KP_LOG" -w start >/dev/null
export PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=postgres
"$PGBIN/psql" -X -q -c "CREATE EXTENSION kafkapg" >/dev/null
export KP_HOST=127.0.0.1 KP_BOOTSTRAP=127.0.0.1:$KP_PORT KP_ROOT=$ROOT
if ! kp_wait_broker "$KP_PORT" 30; then
	echo "broker did not start"; tail -20 "$KP_LOG"
	echo "0 passed, 1 failed"; exit 1
fi

tests=()
for t in test/client/test_* test/client/bin/test_*; do
	[ -x "$t" ] || continue
	[ -n "$filter" ] && [[ $(basename "$t") != *"$filter"* ]] && continue
	tests+=("$t")
done

passed=0; failed=0
for t in "${tests[@]}"; do
	echo "--- $(basename "$t")"
	out=$(timeout 300 "$t" 2>&1); rc=$?
	echo "$out"
	ok=$(echo "$out" | grep -cE '^ok ')
	bad=$(echo "$out" | grep -cE '^not ok ')
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1; echo "not ok - $(basename "$t") exited with status $rc"
	fi
	passed=$((passed + ok)); failed=$((failed + bad))
done
if [ "$failed" -gt 0 ]; then
	echo "--- server log (tail)"; tail -40 "$KP_LOG"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
