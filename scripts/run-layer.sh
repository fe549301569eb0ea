#!/usr/bin/env bash
# Runs one test layer and records its counts for scripts/test-all.sh.
#
#   run-layer.sh NAME COMMAND [FILTER]
#
# COMMAND must end its output with a line "N passed, M failed".  The counts
# go to test/results/NAME.counts; a command that dies without that line
# counts as one failure.  Exits with COMMAND's status (1 if no counts line).
set -uo pipefail
cd "$(dirname "$0")/.."
name=$1; shift
mkdir -p test/results
out=test/results/$name.log
"$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
if [ -z "$line" ]; then
	echo "0 1" > "test/results/$name.counts"
	echo "$name: no result line (exit status $rc)"
	exit 1
fi
passed=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
failed=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
echo "$passed $failed" > "test/results/$name.counts"
if [ "$failed" -gt 0 ] && [ "$rc" -eq 0 ]; then rc=1; fi
exit "$rc"
