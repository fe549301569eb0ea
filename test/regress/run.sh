#!/usr/bin/env bash
# pg_regress layer: the SQL tests in sql/*.sql (expected output in
# expected/), each group in a private temporary instance on free ports.
#
#   Tests named nopreload_*.sql run in an instance WITHOUT kafkapg in
#   shared_preload_libraries; all others in one that preloads it.
#   One test:  make installcheck T=extension
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
filter=${1:-}
PG_REGRESS=/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress

tmp=$(mktemp -d /tmp/kafkapg-regress.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir_pg "$tmp"
as_pg mkdir -p "$tmp/sql" "$tmp/expected"
for f in sql/*.sql; do
	case $(basename "$f") in kafkapg--*) continue ;; esac
	cp "$f" "$tmp/sql/"
done
cp expected/*.out "$tmp/expected/" 2>/dev/null
[ "$(id -u)" -eq 0 ] && chown -R "$PG_OS_USER": "$tmp"

preload=(); nopreload=()
for f in "$tmp"/sql/*.sql; do
	t=$(basename "$f" .sql)
	[ -n "$filter" ] && [[ $t != *"$filter"* ]] && continue
	case $t in nopreload_*) nopreload+=("$t") ;; *) preload+=("$t") ;; esac
done

passed=0; failed=0
rm -f test/results/regression-*.diffs
run_group() {
	local label=$1; shift
	local conf=$tmp/$label.conf
	[ $# -eq 0 ] && return
	{
		[ "$label" = preload ] && echo "shared_preload_libraries = 'kafkapg'"
		echo "kafkapg.port = $(free_port)"
		echo "kafkapg.listen_addresses = '127.0.0.1'"
		echo "kafkapg.database = 'contrib_regression'"
	} | as_pg tee "$conf" >/dev/null
	as_pg "$PG_REGRESS" --temp-instance="$tmp/inst_$label" --temp-config="$conf" \
		--inputdir="$tmp" --outputdir="$tmp/out_$label" --bindir="$PGBIN" \
		--port="$(free_port)" --dbname=contrib_regression "$@" > "$tmp/$label.out" 2>&1
	cat "$tmp/$label.out"
	local ok bad
	ok=$(grep -cE '^(test| ) *[a-z_0-9]+ +\.\.\. ok' "$tmp/$label.out")
	bad=$(grep -cE '\.\.\. FAILED' "$tmp/$label.out")
	if [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ]; then bad=$#; fi
	passed=$((passed + ok)); failed=$((failed + bad))
	if [ -f "$tmp/out_$label/regression.diffs" ]; then
		cp "$tmp/out_$label/regression.diffs" "test/results/regression-$label.diffs"
		cat "$tmp/out_$label/regression.diffs"
	fi
}
run_group preload "${preload[@]}"
run_group nopreload "${nopreload[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
