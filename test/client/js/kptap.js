// Shared helpers for the kafkajs tests: TAP-style result lines and psql
// against the test instance (PGHOST, PGPORT, ... set by run.sh).
'use strict'

const { execFileSync } = require('child_process')

let failures = 0

// Prints "ok - desc" or "not ok - desc -- detail"; returns cond.
function ok (cond, desc, detail) {
  if (cond) {
    console.log(`ok - ${desc}`)
  } else {
    failures++
    console.log(`not ok - ${desc}` + (detail === undefined ? '' : ` -- ${JSON.stringify(detail)}`))
  }
  return cond
}

// Runs one SQL statement; returns its unaligned, tuples-only output.
function psql (sql) {
  return execFileSync('psql', ['-XAtc', sql], { encoding: 'utf8' }).trim()
}

function exitStatus () {
  return failures ? 1 : 0
}

module.exports = { ok, psql, exitStatus }
