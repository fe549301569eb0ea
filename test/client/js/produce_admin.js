// kafkajs 2.2.4: admin and producer against kafkapg.  What kafkajs
// produces is read back through kafkapg.read() and kcat (kafkajs consumers,
// which need a consumer group, are in groups.js).
//
// Proves that:
//   - admin.createTopics() creates a topic (true) that kafkapg.topics lists
//     with its partitions and configs; an existing topic gives false;
//     validateOnly creates nothing; errors reject with the protocol error
//     type: INVALID_REPLICATION_FACTOR (rf 3), INVALID_PARTITIONS (0),
//     INVALID_TOPIC_EXCEPTION (bad name), INVALID_CONFIG (unknown key);
//   - a producer (acks -1, 1 and 0; keys, null key, null value, headers;
//     explicit timestamps; gzip) gets base offsets 0, 3 and nothing for
//     acks 0, and kafkapg.read() and kcat -C return all nine records as
//     sent;
//   - sending to a missing topic creates it (kafkajs allows auto-creation);
//   - a batch larger than the topic's max.message.bytes is rejected with
//     MESSAGE_TOO_LARGE;
//   - admin.fetchTopicOffsets() gives kafkapg.partitions' high watermarks,
//     fetchTopicOffsetsByTimestamp() the first offset at or after a time;
//   - admin.deleteTopics() removes the topic from kafkapg.topics, and
//     deleting an unknown topic fails with UNKNOWN_TOPIC_OR_PARTITION.
'use strict'

const { execFileSync } = require('child_process')
const { Kafka, logLevel, CompressionTypes } = require('kafkajs')
const { ok, psql, exitStatus } = require('./kptap')

const P = 'kp-kafkajs'
const TS = 1700000000000

async function rejection (promise) {
  try {
    await promise
    return null
  } catch (e) {
    return e
  }
}

// Error types of a rejection (an aggregate or a single protocol error).
function types (e) {
  if (!e) return []
  if (Array.isArray(e.errors)) return e.errors.map(x => x.type)
  if (e.cause) return [e.type, ...types(e.cause)]     // KafkaJSNumberOfRetriesExceeded
  return [e.type]
}

// Waits (up to 5 s) until SQL says the partition's high watermark is want:
// an acks=0 send resolves before the broker has appended.
function waitHighWatermark (topic, partition, want) {
  const until = Date.now() + 5000
  let hw
  do {
    hw = psql(`SELECT high_watermark FROM kafkapg.partitions
               WHERE topic = '${topic}' AND partition = ${partition}`)
  } while (hw !== String(want) && Date.now() < until)
  return hw
}

function sqlRows (topic, partition) {
  return psql(`SELECT "offset" || '|' || coalesce(convert_from(key, 'UTF8'), 'NULL') || '|' ||
                      coalesce(convert_from(value, 'UTF8'), 'NULL') || '|' || headers || '|' ||
                      (extract(epoch FROM timestamp) * 1000)::bigint
               FROM kafkapg.read('${topic}', ${partition})`).split('\n').filter(Boolean)
}

async function testAdmin (admin) {
  const created = await admin.createTopics({
    topics: [{
      topic: `${P}-a`,
      numPartitions: 3,
      configEntries: [{ name: 'retention.ms', value: '86400000' }]
    }]
  })
  const row = psql(`SELECT partitions || '|' || config FROM kafkapg.topics WHERE topic = '${P}-a'`)
  ok(created === true && row === '3|{"retention.ms": "86400000"}',
    'createTopics: true; kafkapg.topics has 3 partitions and the config', [created, row])
  const again = await admin.createTopics({ topics: [{ topic: `${P}-a`, numPartitions: 3 }] })
  ok(again === false, 'createTopics of an existing topic: false', again)
  const validated = await admin.createTopics({
    validateOnly: true, waitForLeaders: false, topics: [{ topic: `${P}-validate`, numPartitions: 2 }]
  })
  ok(validated === true && psql(`SELECT count(*) FROM kafkapg.topics WHERE topic = '${P}-validate'`) === '0',
    'createTopics validateOnly: nothing created', validated)
  const cases = [
    [{ topic: `${P}-rf3`, numPartitions: 1, replicationFactor: 3 }, 'INVALID_REPLICATION_FACTOR'],
    [{ topic: `${P}-zero`, numPartitions: 0 }, 'INVALID_PARTITIONS'],
    [{ topic: 'kp kafkajs bad', numPartitions: 1 }, 'INVALID_TOPIC_EXCEPTION'],
    [{ topic: `${P}-badcfg`, numPartitions: 1, configEntries: [{ name: 'no.such', value: '1' }] },
      'INVALID_CONFIG']
  ]
  for (const [topic, type] of cases) {
    const e = await rejection(admin.createTopics({ topics: [topic], waitForLeaders: false }))
    ok(JSON.stringify(types(e)) === JSON.stringify([type]),
      `createTopics ${topic.topic}: rejected with ${type}`, e && [e.name, e.message, types(e)])
  }
  const made = psql(`SELECT count(*) FROM kafkapg.topics WHERE topic IN
                     ('${P}-rf3', '${P}-zero', 'kp kafkajs bad', '${P}-badcfg')`)
  ok(made === '0', 'none of the rejected topics exists', made)
}

const HEADERS = { h1: 'one', h2: 'two' }

async function testProduce (kafka, admin) {
  const topic = `${P}-a`
  const producer = kafka.producer({ allowAutoTopicCreation: true })
  await producer.connect()
  try {
    const sent = []
    for (const [n, acks] of [[0, -1], [1, 1], [2, 0]]) {
      const messages = [
        { key: `k${acks}`, value: `v${acks}`, headers: HEADERS, timestamp: String(TS + 10 * n) },
        { key: null, value: `null key ${acks}`, timestamp: String(TS + 10 * n + 1) },
        { key: `k2${acks}`, value: null, timestamp: String(TS + 10 * n + 2) }
      ]
      const r = await producer.send({
        topic, acks, compression: CompressionTypes.GZIP,
        messages: messages.map(m => Object.assign({ partition: 1 }, m))
      })
      sent.push(r.map(x => [x.partition, x.errorCode, x.baseOffset]))
    }
    ok(JSON.stringify(sent) === JSON.stringify([[[1, 0, '0']], [[1, 0, '3']], []]),
      'send() with acks -1, 1, 0 (gzip): base offsets 0 and 3, no response for acks 0', sent)
    waitHighWatermark(topic, 1, 9)
    const want = []
    for (const [n, acks] of [[0, -1], [1, 1], [2, 0]]) {
      want.push(`${3 * n}|k${acks}|v${acks}|[{"key": "h1", "value": "one"}, {"key": "h2", "value": "two"}]|${TS + 10 * n}`)
      want.push(`${3 * n + 1}|NULL|null key ${acks}|[]|${TS + 10 * n + 1}`)
      want.push(`${3 * n + 2}|k2${acks}|NULL|[]|${TS + 10 * n + 2}`)
    }
    const rows = sqlRows(topic, 1)
    ok(JSON.stringify(rows) === JSON.stringify(want),
      'kafkapg.read() returns the nine records: keys, nulls, headers, timestamps', [rows, want])
    const kc = execFileSync('kcat', ['-C', '-b', process.env.KP_BOOTSTRAP, '-t', topic, '-p', '1',
      '-o', 'beginning', '-e', '-q', '-Z', '-f', '%o|%k|%s|%h|%T\\n'], { encoding: 'utf8' })
    const kwant = want.map(l => l.replace(/\|\[.*\]\|/, h => '|' + (h.includes('h1')
      ? 'h1=one,h2=two' : '') + '|'))
    ok(kc.trim() === kwant.join('\n'), 'kcat -C reads the same nine records', [kc, kwant])

    const r = await producer.send({ topic: `${P}-auto`, messages: [{ value: 'auto' }] })
    ok(r.length === 1 && r[0].baseOffset === '0' &&
      psql(`SELECT partitions FROM kafkapg.topics WHERE topic = '${P}-auto'`) === '1',
    'send() to a missing topic creates it (1 partition), offset 0', r)

    psql(`SELECT kafkapg.create_topic('${P}-small', 1, '{"max.message.bytes": "2000"}')`)
    const e = await rejection(producer.send({
      topic: `${P}-small`, messages: [{ value: 'x'.repeat(5000) }]
    }))
    ok(e !== null && types(e).includes('MESSAGE_TOO_LARGE'),
      'a 5000-byte record on a max.message.bytes 2000 topic: MESSAGE_TOO_LARGE',
      e && [e.name, e.message, types(e)])
  } finally {
    await producer.disconnect()
  }

  const offsets = await admin.fetchTopicOffsets(topic)
  const hw = psql(`SELECT string_agg(partition || ':' || high_watermark, ',' ORDER BY partition)
                   FROM kafkapg.partitions WHERE topic = '${topic}'`)
  const got = offsets.sort((a, b) => a.partition - b.partition)
    .map(o => `${o.partition}:${o.high}`).join(',')
  ok(got === hw && hw === '0:0,1:9,2:0' && offsets.every(o => o.low === '0' && o.offset === o.high),
    'fetchTopicOffsets: high watermarks as kafkapg.partitions (1:9), low 0', [offsets, hw])
  const byTs = await admin.fetchTopicOffsetsByTimestamp(topic, TS + 11)
  const p1 = byTs.find(o => o.partition === 1)
  ok(p1 && p1.offset === '4', 'fetchTopicOffsetsByTimestamp(TS + 11): offset 4 on partition 1', byTs)
}

async function testDelete (admin) {
  await admin.deleteTopics({ topics: [`${P}-a`] })
  ok(psql(`SELECT count(*) FROM kafkapg.topics WHERE topic = '${P}-a'`) === '0',
    'deleteTopics: gone from kafkapg.topics')
  const e = await rejection(admin.deleteTopics({ topics: [`${P}-never`] }))
  ok(e !== null && types(e).includes('UNKNOWN_TOPIC_OR_PARTITION'),
    'deleteTopics of an unknown topic: UNKNOWN_TOPIC_OR_PARTITION', e && [e.name, e.message, types(e)])
}

async function main () {
  const kafka = new Kafka({
    clientId: 'kafkapg-kafkajs-produce',
    brokers: [process.env.KP_BOOTSTRAP],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    requestTimeout: 15000,
    retry: { retries: 0 }
  })
  const admin = kafka.admin()
  try {
    await admin.connect()
    await testAdmin(admin)
    await testProduce(kafka, admin)
    await testDelete(admin)
  } catch (e) {
    ok(false, 'kafkajs session', String(e && e.stack))
  } finally {
    await admin.disconnect()
  }
  process.exit(exitStatus())
}

main()
