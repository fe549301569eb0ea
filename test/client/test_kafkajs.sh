#!/usr/bin/env bash
# kafkajs (test/client/js, installed by run.sh with npm) against kafkapg:
# js/metadata.js checks describeCluster() and listTopics() against the
# broker's address and the cluster id that SQL reports.
cd "$(dirname "$0")/js" || exit 1
if [ ! -d node_modules/kafkajs ]; then
	echo "not ok - kafkajs is not installed (npm install in test/client/js failed)"
	exit 1
fi
KP_CLUSTER_ID=$(psql -XAtc 'SELECT kafkapg.cluster_id()') || {
	echo "not ok - psql could not read kafkapg.cluster_id()"
	exit 1
}
export KP_CLUSTER_ID
exec node metadata.js
