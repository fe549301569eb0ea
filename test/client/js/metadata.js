// kafkajs 2.x (pure JavaScript client) against kafkapg.
//
// Proves that kafkajs connects (ApiVersions v2, then Metadata v6: the
// newest versions kafkajs speaks, both inside the broker's ranges) and that:
//   - admin.describeCluster() gives brokers [{nodeId 1, host KP_HOST,
//     port KP_PORT}], controller 1 and the cluster id of
//     SELECT kafkapg.cluster_id() (passed in KP_CLUSTER_ID);
//   - admin.listTopics() is [];
//   - admin.fetchTopicMetadata() of a missing topic fails with
//     UNKNOWN_TOPIC_OR_PARTITION;
//   - kafkajs logs no error before that last, deliberate failure.
// Prints TAP-style lines; exits 1 on failure.
'use strict'

const { Kafka, logLevel } = require('kafkajs')

const host = process.env.KP_HOST
const port = Number(process.env.KP_PORT)
const clusterId = process.env.KP_CLUSTER_ID
let failures = 0

function ok (cond, desc, detail) {
  if (cond) {
    console.log(`ok - ${desc}`)
  } else {
    failures++
    console.log(`not ok - ${desc}` + (detail === undefined ? '' : ` -- ${JSON.stringify(detail)}`))
  }
}

const logs = []
const sent = new Set()
const logCreator = () => ({ level, log }) => {
  if (level <= logLevel.ERROR) logs.push(`${log.message} ${log.error || ''}`)
  // debug lines "Request ApiVersions(key: 18, version: 2)"
  const m = /^Request (\w+)\(key: \d+, version: (\d+)\)/.exec(log.message)
  if (m) sent.add(`${m[1]} v${m[2]}`)
}

async function main () {
  const kafka = new Kafka({
    clientId: 'kafkapg-kafkajs-test',
    brokers: [process.env.KP_BOOTSTRAP],
    logLevel: logLevel.DEBUG,
    logCreator,
    connectionTimeout: 5000,
    requestTimeout: 10000,
    retry: { retries: 0 }
  })
  const admin = kafka.admin()
  try {
    await admin.connect()
    ok(true, 'admin.connect() succeeds')

    const cluster = await admin.describeCluster()
    ok(JSON.stringify(cluster.brokers) === JSON.stringify([{ nodeId: 1, host, port }]),
      'describeCluster(): brokers [{nodeId 1, KP_HOST, KP_PORT}]', cluster.brokers)
    ok(cluster.controller === 1, 'describeCluster(): controller 1', cluster.controller)
    ok(cluster.clusterId === clusterId, 'describeCluster(): clusterId equals kafkapg.cluster_id()',
      [cluster.clusterId, clusterId])

    const topics = await admin.listTopics()
    ok(Array.isArray(topics) && topics.length === 0, 'listTopics() is []', topics)

    ok(sent.has('ApiVersions v2'), 'kafkajs sent ApiVersions v2', [...sent])
    ok(sent.has('Metadata v6'), 'kafkajs sent Metadata v6', [...sent])
    ok(logs.length === 0, 'kafkajs logged no errors', logs.slice(0, 3))

    let error = null
    try {
      await admin.fetchTopicMetadata({ topics: ['no-such-topic'] })
    } catch (e) {
      error = e
    }
    ok(error !== null && error.type === 'UNKNOWN_TOPIC_OR_PARTITION',
      'fetchTopicMetadata(no-such-topic) fails with UNKNOWN_TOPIC_OR_PARTITION',
      error ? [error.name, error.type, error.message] : 'no error')
  } catch (e) {
    ok(false, 'kafkajs admin session', String(e && e.stack))
  } finally {
    await admin.disconnect()
  }
  process.exit(failures ? 1 : 0)
}

main()
