#!/usr/bin/env bash
# kafkapg.consume() under concurrency, with PostgreSQL's isolation tester:
# produces 4 records to each of the 2 partitions of topic "iso" with kcat,
# then runs test/isolation/specs/consume.spec against this instance and
# compares with test/isolation/expected/consume.out.
set -uo pipefail
root=${KP_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
ISO=/usr/lib/postgresql/15/lib/pgxs/src/test/isolation/pg_isolation_regress
ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; }

psql -XAtqc "SELECT kafkapg.create_topic('iso', 2)" >/dev/null || { notok "create topic iso"; exit 1; }
for p in 0 1; do
	printf 'r%s-0\nr%s-1\nr%s-2\nr%s-3\n' "$p" "$p" "$p" "$p" |
		kcat -P -b "$KP_BOOTSTRAP" -t iso -p "$p" -X linger.ms=0 || { notok "produce to iso/$p"; exit 1; }
done
hwm=$(psql -XAtc "SELECT string_agg(high_watermark::text, ',' ORDER BY partition) FROM kafkapg.partitions WHERE topic = 'iso'")
[ "$hwm" = "4,4" ] && ok "4 records in each partition of iso" || notok "high watermarks $hwm"

out=$(mktemp -d /tmp/kafkapg-iso.XXXXXX)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/specs" "$out/expected"
cp "$root"/test/isolation/specs/*.spec "$out/specs/"
cp "$root"/test/isolation/expected/*.out "$out/expected/"
if "$ISO" --use-existing --host="$PGHOST" --port="$PGPORT" --user="$PGUSER" --dbname="$PGDATABASE" \
	--inputdir="$out" --outputdir="$out/results" consume >"$out/log" 2>&1; then
	ok "isolation spec consume: concurrent consume() callers never share a record"
else
	cat "$out/log"
	[ -f "$out/results/regression.diffs" ] && cat "$out/results/regression.diffs"
	notok "isolation spec consume"
fi
