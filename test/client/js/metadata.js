// kafkajs 2.x (pure JavaScript client) against kafkapg.
//
// Proves that kafkajs connects (ApiVersions v2, then Metadata v6: the
// newest versions kafkajs speaks, both inside the broker's ranges) and that:
//   - admin.describeCluster() gives brokers [{nodeId 1, host KP_HOST,
//     port KP_PORT}], controller 1 and the cluster id of
//     SELECT kafkapg.cluster_id() (passed in KP_CLUSTER_ID);
//   - admin.listTopics() is the topics of kafkapg.topics (including one
//     made by kafkapg.create_topic());
//   - admin.fetchTopicMetadata() of that topic gives its 2 partitions, led
//     by broker 1; of a missing topic it fails with
//     UNKNOWN_TOPIC_OR_PARTITION (the admin client never allows
//     auto-creation) and creates nothing;
//   - kafkajs logs no error before that last, deliberate failure.
// Prints TAP-style lines; exits 1 on failure.
'use strict'

const { Kafka, logLevel } = require('kafkajs')
const { ok, psql, exitStatus } = require('./kptap')

const host = process.env.KP_HOST
const port = Number(process.env.KP_PORT)
const clusterId = process.env.KP_CLUSTER_ID
const logs = []
const sent = new Set()
const logCreator = () => ({ level, log }) => {
  if (level <= logLevel.ERROR) logs.push(`${log.message} ${log.error || ''}`)
  // debug lines "Request ApiVersions(key: 18, version: 2)"
  const m = /^Request (\w+)\(key: \d+, version: (\d+)\)/.exec(log.message)
  if (m) sent.add(`${m[1]} v${m[2]}`)
}

const sqlTopic = 'kp-kafkajs-metadata-sql'
const missing = 'kp-kafkajs-metadata-missing'

async function main () {
  psql(`SELECT kafkapg.create_topic('${sqlTopic}', 2)`)
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
    const sqlTopics = psql('SELECT topic FROM kafkapg.topics').split('\n').filter(Boolean)
    ok(JSON.stringify([...topics].sort()) === JSON.stringify(sqlTopics.sort()) &&
      topics.includes(sqlTopic), 'listTopics() is the topics of kafkapg.topics', [topics, sqlTopics])

    const md = await admin.fetchTopicMetadata({ topics: [sqlTopic] })
    const parts = md.topics.length === 1 ? md.topics[0].partitions : []
    ok(md.topics.length === 1 && md.topics[0].name === sqlTopic && parts.length === 2 &&
      parts.every(p => p.leader === 1 && p.partitionErrorCode === 0),
    'fetchTopicMetadata(SQL-created topic): 2 partitions led by broker 1', md.topics)

    ok(sent.has('ApiVersions v2'), 'kafkajs sent ApiVersions v2', [...sent])
    ok(sent.has('Metadata v6'), 'kafkajs sent Metadata v6', [...sent])
    ok(logs.length === 0, 'kafkajs logged no errors', logs.slice(0, 3))

    let error = null
    try {
      await admin.fetchTopicMetadata({ topics: [missing] })
    } catch (e) {
      error = e
    }
    ok(error !== null && error.type === 'UNKNOWN_TOPIC_OR_PARTITION',
      'fetchTopicMetadata(<missing>) fails with UNKNOWN_TOPIC_OR_PARTITION',
      error ? [error.name, error.type, error.message] : 'no error')
    ok(psql(`SELECT count(*) FROM kafkapg.topics WHERE topic = '${missing}'`) === '0',
      'fetchTopicMetadata(<missing>) created nothing')
  } catch (e) {
    ok(false, 'kafkajs admin session', String(e && e.stack))
  } finally {
    await admin.disconnect()
  }
  process.exit(exitStatus())
}

main()
