#!/usr/bin/env bash
# kafkajs consumer groups (test/client/js/groups.js, kafkajs installed by
# run.sh with npm) against kafkapg's group coordinator: two consumers
# reading every record once with commits, describe/list/fetchOffsets/
# setOffsets/deleteGroups through the admin client, a new member resuming
# from the commits.  See the banner of js/groups.js.
cd "$(dirname "$0")/js" || exit 1
if [ ! -d node_modules/kafkajs ]; then
	echo "not ok - kafkajs is not installed (npm install in test/client/js failed)"
	exit 1
fi
timeout 120 node groups.js
