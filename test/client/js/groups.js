// kafkajs 2.2.4 consumer groups against kafkapg's group coordinator.
//
// Proves that:
//   - two kafkajs consumers of one group (round robin assigner, offsets
//     committed by the test after every batch, awaited) on a 4-partition
//     topic own 2 partitions each and read every record exactly once: 200
//     produced before they join, 200 after; the later ones each by the
//     owner of its partition;
//   - admin.fetchOffsets() and kafkapg.consumer_offsets hold 100 per
//     partition; admin.listGroups() lists the group; admin.describeGroups()
//     says Stable, consumer, RoundRobinAssigner, with both members and the
//     assignments they were given (GROUP_JOIN events); after both
//     disconnect (LeaveGroup), Empty with no members;
//   - a new consumer in the group (fromBeginning) is assigned all 4
//     partitions and reads nothing old; deleteGroups() meanwhile fails with
//     NON_EMPTY_GROUP; 8 new records are all it reads;
//   - with the group Empty, admin.setOffsets() moves partition 0 to 50
//     (fetchOffsets and SQL agree); admin.deleteGroups() then removes the
//     group from listGroups() and its offsets from SQL.
'use strict'

const crypto = require('crypto')
const { Kafka, logLevel, AssignerProtocol } = require('kafkajs')
const { ok, psql, exitStatus } = require('./kptap')

const RUN = crypto.randomBytes(4).toString('hex')
const TOPIC = `kp-groups-js-${RUN}`
const GROUP = `kp-group-js-${RUN}`
const NPART = 4

const logs = []
const logCreator = () => ({ level, log }) => {
  // kafkajs logs a rebalance it is told of (REBALANCE_IN_PROGRESS) at ERROR
  if (level <= logLevel.ERROR && !/The group is rebalancing, re-joining/.test(log.message)) {
    logs.push(`${log.message} ${log.error || ''}`)
  }
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function waitFor (pred, ms) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (pred()) return true
    await sleep(50)
  }
  return pred()
}

async function rejection (promise) {
  try {
    await promise
    return null
  } catch (e) {
    return e
  }
}

// One member: records "partition:value" per message, commits each batch's
// end offset before returning, tracks its assignment from GROUP_JOIN.
async function member (kafka, name) {
  const m = { name, records: [], assignment: [], memberId: null, fetches: 0, errors: [] }
  m.consumer = kafka.consumer({
    groupId: GROUP,
    sessionTimeout: 6000,
    rebalanceTimeout: 10000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 100,
    retry: { retries: 5, initialRetryTime: 100 }
  })
  const { GROUP_JOIN, FETCH, CRASH } = m.consumer.events
  m.consumer.on(GROUP_JOIN, e => {
    m.memberId = e.payload.memberId
    m.assignment = (e.payload.memberAssignment[TOPIC] || []).slice().sort()
  })
  m.consumer.on(FETCH, () => { m.fetches++ })
  m.consumer.on(CRASH, e => m.errors.push(String(e.payload.error)))
  await m.consumer.connect()
  await m.consumer.subscribe({ topics: [TOPIC], fromBeginning: true })
  await m.consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return
      for (const msg of batch.messages) m.records.push(`${batch.partition}:${msg.value}`)
      const last = batch.messages[batch.messages.length - 1].offset
      try {
        await m.consumer.commitOffsets([{
          topic: TOPIC, partition: batch.partition, offset: String(Number(last) + 1)
        }])
      } catch (e) {
        m.errors.push(`commit: ${e.type || e.message}`)
        throw e
      }
    }
  })
  return m
}

async function produce (producer, start, count) {
  const values = []
  const messages = []
  for (let i = start; i < start + count; i++) {
    values.push(`${i % NPART}:${RUN}-${i}`)
    messages.push({ partition: i % NPART, value: `${RUN}-${i}` })
  }
  await producer.send({ topic: TOPIC, acks: -1, messages })
  return values
}

const read = ms => ms.flatMap(m => m.records)
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b)
const sorted = a => a.slice().sort()

function sqlOffsets () {
  return psql(`SELECT string_agg(partition || ':' || committed_offset, ' ' ORDER BY partition)
               FROM kafkapg.consumer_offsets WHERE group_id = '${GROUP}'`)
}

async function fetched (admin) {
  const r = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] })
  return r.length === 1 ? r[0].partitions.map(p => `${p.partition}:${p.offset}`).sort().join(' ') : r
}

async function twoMembers (kafka, admin, producer) {
  let produced = await produce(producer, 0, 200)
  const members = await Promise.all([member(kafka, 'a'), member(kafka, 'b')])
  const [a, b] = members
  const settled = () => a.assignment.length === 2 && b.assignment.length === 2 &&
    same(sorted([...a.assignment, ...b.assignment]), [0, 1, 2, 3])
  ok(await waitFor(() => settled() && read(members).length >= 200, 25000),
    '2 consumers own 2 partitions each and read the 200 earlier records',
    [a.assignment, b.assignment, read(members).length])
  produced = produced.concat(await produce(producer, 200, 200))
  ok(await waitFor(() => read(members).length >= 400, 20000), 'the 2 consumers read 400 records',
    read(members).length)
  await sleep(500)
  const got = read(members)
  ok(same(sorted(got), sorted(produced)) && new Set(got).size === got.length,
    'each of the 400 records read exactly once across the 2 consumers',
    [got.length, new Set(got).size, produced.filter(v => !got.includes(v)).slice(0, 3)])
  const misrouted = members.flatMap(m => m.records.filter(r =>
    Number(r.split('-').pop()) >= 200 && !m.assignment.includes(Number(r.split(':')[0]))))
  ok(settled() && misrouted.length === 0,
    'records produced after the group settled were read by their partition\'s owner',
    misrouted.slice(0, 3))

  const want = '0:100 1:100 2:100 3:100'
  ok((await fetched(admin)) === want, 'admin.fetchOffsets(): 100 on every partition',
    await fetched(admin))
  ok(sqlOffsets() === want, 'kafkapg.consumer_offsets: 100 on every partition', sqlOffsets())
  const { groups: listed } = await admin.listGroups()
  ok(listed.some(g => g.groupId === GROUP && g.protocolType === 'consumer'),
    'admin.listGroups() lists the group (protocol type consumer)', listed)
  const { groups } = await admin.describeGroups([GROUP])
  const g = groups[0] || {}
  ok(groups.length === 1 && g.errorCode === 0 && g.state === 'Stable' &&
    g.protocolType === 'consumer' && g.protocol === 'RoundRobinAssigner',
  'admin.describeGroups(): Stable, consumer, RoundRobinAssigner',
  [g.errorCode, g.state, g.protocolType, g.protocol])
  const described = {}
  for (const mi of g.members || []) {
    const asg = AssignerProtocol.MemberAssignment.decode(mi.memberAssignment)
    described[mi.memberId] = sorted((asg && asg.assignment[TOPIC]) || [])
  }
  const mine = { [a.memberId]: a.assignment, [b.memberId]: b.assignment }
  ok(same(Object.keys(described).sort(), Object.keys(mine).sort()) &&
    Object.keys(mine).every(id => same(described[id], mine[id])),
  'admin.describeGroups(): both members, each with the assignment it joined with',
  [described, mine])

  await Promise.all(members.map(m => m.consumer.disconnect()))
  const { groups: after } = await admin.describeGroups([GROUP])
  ok(after.length === 1 && after[0].state === 'Empty' && after[0].members.length === 0,
    'after both consumers disconnect (LeaveGroup) the group is Empty with no members',
    after.map(x => [x.state, x.members.length]))
  return members
}

async function newMember (kafka, admin, producer) {
  const c = await member(kafka, 'c')
  ok(await waitFor(() => same(c.assignment, [0, 1, 2, 3]), 15000),
    'a new consumer in the group is assigned all 4 partitions', c.assignment)
  const since = c.fetches
  await waitFor(() => c.fetches >= since + 3, 5000)
  ok(c.fetches >= since + 3 && c.records.length === 0,
    'it fetches from the committed offsets and reads nothing old',
    [c.fetches - since, c.records.slice(0, 3)])
  const e = await rejection(admin.deleteGroups([GROUP]))
  const types = e && Array.isArray(e.groups) ? e.groups.map(x => x.error && x.error.type) : []
  ok(same(types, ['NON_EMPTY_GROUP']), 'deleteGroups() of a group with a live member: NON_EMPTY_GROUP',
    e ? [e.name, e.message, types] : 'resolved')
  const fresh = await produce(producer, 400, 8)
  await waitFor(() => c.records.length >= 8, 10000)
  await sleep(300)
  ok(same(sorted(c.records), sorted(fresh)), 'it reads exactly the 8 records produced after it joined',
    c.records)
  await c.consumer.disconnect()
  return c
}

async function adminOffsets (admin) {
  ok(sqlOffsets() === '0:102 1:102 2:102 3:102', 'the new consumer committed 102 per partition',
    sqlOffsets())
  await admin.setOffsets({ groupId: GROUP, topic: TOPIC, partitions: [{ partition: 0, offset: '50' }] })
  const want = '0:50 1:102 2:102 3:102'
  ok((await fetched(admin)) === want && sqlOffsets() === want,
    'admin.setOffsets() on the Empty group: partition 0 at 50 (fetchOffsets and SQL)',
    [await fetched(admin), sqlOffsets()])
  const r = await rejection(admin.deleteGroups([GROUP]))
  ok(r === null, 'admin.deleteGroups() of the Empty group succeeds', r && [r.name, r.message])
  const { groups } = await admin.listGroups()
  ok(!groups.some(g => g.groupId === GROUP), 'the deleted group is not in listGroups()', groups)
  const n = psql(`SELECT count(*) FROM kafkapg.consumer_offsets WHERE group_id = '${GROUP}'`)
  ok(n === '0', 'the deleted group\'s offsets are gone from kafkapg.consumer_offsets', n)
}

async function main () {
  psql(`SELECT kafkapg.create_topic('${TOPIC}', ${NPART})`)
  const kafka = new Kafka({
    clientId: 'kp-groups-kafkajs',
    brokers: [process.env.KP_BOOTSTRAP],
    logLevel: logLevel.ERROR,
    logCreator
  })
  const admin = kafka.admin()
  const producer = kafka.producer()
  await admin.connect()
  await producer.connect()
  try {
    const members = await twoMembers(kafka, admin, producer)
    members.push(await newMember(kafka, admin, producer))
    await adminOffsets(admin)
    const errors = members.flatMap(m => m.errors.map(e => `${m.name}: ${e}`))
    ok(errors.length === 0, 'no consumer crashed or failed a commit', errors)
  } finally {
    await producer.disconnect()
    await admin.disconnect()
  }
  ok(logs.length === 0, 'kafkajs logged no errors', logs.slice(0, 5))
}

main().catch(e => {
  ok(false, 'groups.js raised', String(e && e.stack))
}).finally(() => process.exit(exitStatus()))
