#!/usr/bin/env bash
# TAP layer: test/t/*.pl with PostgreSQL::Test::Cluster, run as the
# server's OS user in a private directory; every node gets free ports.
#   One test:  make prove T=002
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
filter=${1:-}

tmp=$(mktemp -d /tmp/kafkapg-tap.XXXXXX)
smallfs=
cleanup() {
	[ -n "$smallfs" ] && umount "$smallfs" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/t" "$tmp/perl" "$tmp/scripts"
cp test/t/*.pl "$tmp/t/"
cp -r test/perl/. "$tmp/perl/"
cp scripts/kp-ping.py "$tmp/scripts/"
cp test/t/py/*.py "$tmp/scripts/"
mkdir -p "$tmp/bin"
for c in test/t/c/*.c; do
	cc -O2 -Wall -Wextra -Werror -o "$tmp/bin/$(basename "$c" .c)" "$c" -lrdkafka || exit 1
done
[ "$(id -u)" -eq 0 ] && chown -R "$PG_OS_USER": "$tmp"
# a small file system for the out-of-space test, where the machine allows
if [ "$(id -u)" -eq 0 ] && mkdir -p "$tmp/smallfs" &&
	mount -t tmpfs -o size=8m,mode=0700 tmpfs "$tmp/smallfs" 2>/dev/null; then
	smallfs="$tmp/smallfs"
	chown "$PG_OS_USER": "$smallfs"
fi

files=()
for f in "$tmp"/t/[0-9]*.pl; do
	[ -n "$filter" ] && [[ $(basename "$f") != *"$filter"* ]] && continue
	files+=("$f")
done
cd "$tmp"
as_pg env PATH="$PGBIN:$PATH" TESTDIR="$tmp" PG_REGRESS=/bin/true \
	KP_SCRIPTS="$tmp/scripts" KP_BIN="$tmp/bin" KP_SMALLFS="$smallfs" PERL5LIB="/usr/lib/postgresql/15/lib/pgxs/src/test/perl:$tmp/perl" \
	perl "$tmp/t/harness.pl" "${files[@]}"
rc=$?
# keep the server logs of a failed run for inspection
if [ $rc -ne 0 ] && [ -d "$tmp/tmp_check/log" ]; then
	rm -rf "$OLDPWD/test/results/tap-logs"
	cp -r "$tmp/tmp_check/log" "$OLDPWD/test/results/tap-logs"
fi
exit $rc
