'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { Logger, LogfortTransport, mask } = require('..')
const winston = require('winston')
const path = require('node:path')
const { fileLogger, tmpdir, lines } = require('./helpers')

const SECRETS = ['ghp_0123456789abcdefghijklmnopqrstuvwxyzAB', 's3cr3t-token-value', 'hunter2', '4111-1111-1111-1111', '4111111111111111', 'alice@example.com', 'sk-live-abcdef', 'DE89370400440532013000']
const MESSAGE = 'login failed {"password": "hunter2"} for alice@example.com card 4111-1111-1111-1111'

function assertClean (text) {
  for (const s of SECRETS) assert.equal(text.includes(s), false, `${s} leaked in ${text}`)
}

test('secrets are masked in messages, nested objects, arrays and Error messages', (t) => {
  const { logger, file, read } = fileLogger(t)
  logger.info(MESSAGE)
  logger.info({ user: { name: 'alice', password: 'hunter2', cards: ['4111111111111111', { pan: '4111-1111-1111-1111' }] }, api_key: 'sk-live-abcdef', notes: ['mail alice@example.com'] }, 'nested')
  logger.error(new Error('token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB rejected for alice@example.com'))
  logger.warn({ err: Object.assign(new Error('iban DE89370400440532013000 invalid'), { code: 'E_IBAN' }) }, 'payment')
  logger.child({ http: { authorization: 'Bearer s3cr3t-token-value' } }).info('child bindings')
  const recs = read()
  assert.equal(recs.length, 5)
  for (const l of lines(file)) assertClean(l)
  assert.equal(recs[0].message, logger.mask(MESSAGE))
  assert.notEqual(recs[0].message, MESSAGE)
  assert.equal(recs[1].user.password, '***MASKED***')
  assert.equal(recs[1].api_key, '***MASKED***')
  assert.equal(recs[1].user.name, 'alice')
  assert.equal(recs[1].user.cards.length, 2)
  assert.equal(recs[2].exception.type, 'Error')
  assert.match(recs[2].exception.traceback, /^Error: token /)
  assert.equal(recs[3].exception.code, 'E_IBAN')
  assert.equal(recs[4].http.authorization, '***MASKED***')
  const m = logger.metrics()
  assert.ok(m.samples.some((s) => s.name.startsWith('logfort_mask') && s.value > 0), m.text)
})

test('mask(text) and logger.mask(text) use the core rules; custom rules apply', (t) => {
  assertClean(mask(MESSAGE))
  assert.equal(mask('nothing to hide here'), 'nothing to hide here')
  const { logger, read } = fileLogger(t, { mask: { keys: ['salary'], rules: [{ name: 'employee_id', pattern: 'EMP-\\d{6}', replace: 'EMP-******' }] } })
  assert.equal(logger.mask('badge EMP-123456'), 'badge EMP-******')
  logger.info({ salary: 99000, who: 'EMP-654321' }, 'hr')
  const [rec] = read()
  assert.equal(rec.salary, '***MASKED***')
  assert.equal(rec.who, 'EMP-******')
})

test('masking can be turned off, by config or LOG_MASK_SENSITIVE_DATA', (t) => {
  const { logger, read } = fileLogger(t, { mask: { enabled: false } })
  logger.info({ password: 'hunter2' }, MESSAGE)
  const [rec] = read()
  assert.equal(rec.message, MESSAGE)
  assert.equal(rec.password, 'hunter2')
  assert.equal(logger.mask(MESSAGE), MESSAGE)
})

test('Winston through LogfortTransport: masked by the core', async (t) => {
  const file = path.join(tmpdir(t), 'w.log')
  const logger = winston.createLogger({ format: winston.format.json(), transports: [new LogfortTransport({ filename: file })] })
  logger.info(MESSAGE, { password: 'hunter2', nested: [{ api_key: 'sk-live-abcdef' }] })
  logger.error('failed', new Error('card 4111111111111111 declined'))
  await new Promise((resolve) => { logger.on('finish', () => setImmediate(resolve)); logger.end() })
  const got = lines(file)
  assert.equal(got.length, 2)
  for (const l of got) assertClean(l)
})

const VECTORS = path.join(__dirname, '..', '..', 'tests', 'vectors')

test('mask.json: every case through mask() and logger.mask(), counters included', (t) => {
  const cases = JSON.parse(require('node:fs').readFileSync(path.join(VECTORS, 'mask.json'), 'utf8'))
  assert.ok(cases.length > 100)
  const loggers = new Map()
  const loggerFor = (config) => {
    const key = JSON.stringify(config ?? {})
    if (!loggers.has(key)) loggers.set(key, new Logger({ mask: config ?? {}, sinks: [{ type: 'stderr' }] }))
    return loggers.get(key)
  }
  t.after(() => { for (const l of loggers.values()) l.close() })
  const failures = []
  for (const c of cases) {
    const logger = loggerFor(c.config)
    const counted = (l) => l.metrics().samples.filter((s) => s.name === 'logfort_masked_total' && s.labels.rule === c.rule).reduce((n, s) => n + s.value, 0)
    const before = c.rule ? counted(logger) : 0
    const got = logger.mask(c.input)
    if (got !== c.expected) failures.push(`${c.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(c.expected)}`)
    if (c.rule && counted(logger) <= before) failures.push(`${c.name}: counter for ${c.rule} did not go up`)
    if (c.config === undefined && mask(c.input) !== c.expected) failures.push(`${c.name}: mask() differs`)
  }
  assert.deepEqual(failures, [])
})

test('mask_fields.json: structured fields through a record', (t) => {
  const cases = JSON.parse(require('node:fs').readFileSync(path.join(VECTORS, 'mask_fields.json'), 'utf8'))
  assert.ok(cases.length >= 10)
  const dir = tmpdir(t)
  for (const c of cases) {
    const file = path.join(dir, `${c.name}.log`)
    const logger = new Logger({ mask: c.config ?? {}, schema: { policy: 'off' }, sinks: [{ type: 'file', path: file }] })
    logger.info(c.fields, 'fields')
    logger.close()
    const [line] = lines(file)
    const { timestamp: _t, level: _l, logger: _g, message: _m, ...fields } = JSON.parse(line)
    assert.deepEqual(fields, c.expected, c.name)
  }
})
