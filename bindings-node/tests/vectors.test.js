'use strict'
// The shared golden records (tests/vectors/records.json) through Node:
// each case is logged through the binding (capture, queue, writer,
// encoders) into one file per profile, and every line must equal the
// case's expected line byte for byte.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Logger, context } = require('..')
const native = require('../lib/native')
const { runWith } = require('../lib/context')
const { tmpdir, lines } = require('./helpers')

const CASES = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'vectors', 'records.json'), 'utf8'))
const PROFILES = ['json', 'ecs', 'gcp', 'otel', 'text']

/**
 * The one place Node differs: JSON text cannot carry a non-finite float,
 * so the binding sends NaN and the infinities as the strings the json
 * profile writes for them ("NaN", "Infinity", "-Infinity"). json, ecs and
 * gcp write the same bytes; otel types them as strings and text leaves
 * them unquoted, as it does every plain string.
 */
function expectedFor (profile, line) {
  if (profile === 'otel') return line.replace(/\{"doubleValue":"(NaN|Infinity|-Infinity)"\}/g, '{"stringValue":"$1"}')
  if (profile === 'text') return line.replace(/="(NaN|Infinity|-Infinity)"/g, '=$1')
  return line
}

/** `{"$float": "NaN"}` and friends stand for the non-finite floats. */
function revive (v) {
  if (Array.isArray(v)) return v.map(revive)
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v)
    if (keys.length === 1 && keys[0] === '$float') return Number(v.$float)
    return Object.fromEntries(keys.map((k) => [k, revive(v[k])]))
  }
  return v
}

/** The case's fields and raw fields as the one JSON object Node passes. */
function fieldsOf (rec) {
  const parts = []
  if (rec.fields) parts.push({ ...revive(rec.fields) })
  if (rec.raw_fields) parts.push(JSON.parse(rec.raw_fields))
  if (parts.length === 0) return undefined
  return parts.length === 1 ? parts[0] : [...parts]
}

test('golden records: every profile, byte for byte', async (t) => {
  assert.ok(CASES.length >= 30)
  const dir = tmpdir(t)
  const failures = []
  let checked = 0
  for (const c of CASES) {
    const files = Object.fromEntries(PROFILES.map((p) => [p, path.join(dir, `${c.name}.${p}.log`)]))
    const logger = new Logger({
      ...c.config,
      name: c.record.logger,
      level: 'trace',
      mask: { enabled: false },
      schema: { policy: 'off' },
      sinks: PROFILES.map((p) => ({ type: 'file', path: files[p], format: p }))
    })
    const rec = c.record
    const extra = { time: Date.parse(rec.time) + Number(`0.${rec.time.split('.')[1]?.slice(3, 6) ?? '0'}`) }
    if (rec.exception) extra.exception = { ...rec.exception }
    if (rec.log_type) extra.logType = rec.log_type
    if (rec.location) extra.location = rec.location
    if (rec.stack_trace) extra.stackTrace = rec.stack_trace
    if (rec.schema_errors) extra.schemaErrors = rec.schema_errors
    const fields = fieldsOf(rec)
    const log = () => {
      if (Array.isArray(fields)) {
        // Typed fields then raw members, in one object, in that order.
        logger._logExtra(rec.level, rec.message, Object.assign({}, ...fields), extra)
      } else {
        logger._logExtra(rec.level, rec.message, fields, extra)
      }
    }
    if (rec.context) runWith(native.NativeContext.exact(JSON.stringify(rec.context)), log)
    else log()
    logger.close()
    for (const p of PROFILES) {
      if (c.expected[p] === undefined) continue
      const got = lines(files[p])
      const want = expectedFor(p, c.expected[p])
      if (got.join('\n') !== want) failures.push(`${c.name} ${p}\n  got:  ${got.join('\n')}\n  want: ${want}`)
      checked++
    }
  }
  assert.deepEqual(failures, [])
  assert.equal(checked, CASES.reduce((n, c) => n + PROFILES.filter((p) => c.expected[p] !== undefined).length, 0))
  assert.equal(context.get(), undefined)
})
