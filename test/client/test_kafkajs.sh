#!/usr/bin/env bash
# kafkajs (test/client/js, installed by run.sh with npm) against kafkapg:
#   js/metadata.js       describeCluster(), listTopics(), fetchTopicMetadata()
#                        against the broker's address and what SQL reports;
#   js/produce_admin.js  createTopics/deleteTopics, producer acks/keys/
#                        headers/gzip, fetchTopicOffsets(ByTimestamp), read
#                        back through kafkapg.read() and kcat.
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
rc=0
for js in metadata.js produce_admin.js; do
	timeout 120 node "$js" || rc=1
done
exit $rc
