#!/usr/bin/env bash
# kcat -L (librdkafka) lists broker 1 at the advertised address.
out=$(kcat -L -m 5 -b "$KP_BOOTSTRAP" 2>&1)
if echo "$out" | grep -q "broker 1 at $KP_BOOTSTRAP (controller)"; then
	echo "ok - kcat -L lists broker 1 at $KP_BOOTSTRAP as controller"
else
	echo "not ok - kcat -L output: $out"
fi
if echo "$out" | grep -q " 0 topics:"; then
	echo "ok - kcat -L shows no topics on a new cluster"
else
	echo "not ok - kcat -L topic count: $out"
fi
