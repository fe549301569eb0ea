#!/usr/bin/env bash
# make test: builds, installs, runs every test layer (each in private
# instances on free ports) and ends with "N passed, M failed" over all
# layers.  Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -rf test/results
mkdir -p test/results

if ! make -s all || ! make -s install >/dev/null; then
	echo "build or install failed"
	echo "0 passed, 1 failed"
	exit 1
fi

layers=(unitcheck installcheck prove clientcheck)
names=(unit regress tap client)
for t in "${layers[@]}"; do
	echo "=== make $t"
	make -s "$t" || true
done

total_p=0; total_f=0
echo
echo "=== summary"
for n in "${names[@]}"; do
	if [ -f "test/results/$n.counts" ]; then
		read -r p f < "test/results/$n.counts"
	else
		p=0; f=1
	fi
	printf '  %-8s %4d passed, %d failed\n' "$n" "$p" "$f"
	total_p=$((total_p + p)); total_f=$((total_f + f))
done
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
