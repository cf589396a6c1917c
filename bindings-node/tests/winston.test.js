'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const winston = require('winston')
const { LogfortTransport, Logger, context } = require('..')
const { tmpdir, records, lines } = require('./helpers')

// The seed's setup: a per-service logger factory with JSON format,
// combined.log and error.log, and performance/security/business helpers.
// Only `transports` differs between the two runs below.
function createServiceLogger (service, transports) {
  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      winston.format.json()
    ),
    defaultMeta: { service },
    transports
  })
  logger.logPerformance = (operation, duration, meta = {}) =>
    logger.info('Performance metric', { operation, duration, ...meta })
  logger.logSecurity = (event, meta = {}) => logger.warn('Security event', { event, ...meta })
  logger.logBusiness = (event, meta = {}) => logger.info('Business event', { event, ...meta })
  return logger
}

// The call sites, untouched between the two runs.
function callSites (logger) {
  logger.info('User logged in', { userId: 'u-1', ip: '10.0.0.1' })
  logger.debug('Cache miss', { key: 'user:u-1' })
  logger.warn('Slow request', { path: '/api/v1/orders', ms: 812 })
  const err = new Error('card declined')
  err.code = 'E_DECLINED'
  logger.error('Payment failed', err)
  logger.error(new Error('bare error'))
  logger.child({ requestId: 'req-9' }).info('Child record', { step: 2 })
  logger.http('GET /health 200')
  logger.verbose('verbose detail')
  logger.silly('silly detail')
  logger.logPerformance('db_query', 45.5, { rows: 3 })
  logger.logSecurity('login_failed', { userId: 'u-2' })
  logger.logBusiness('order_placed', { orderId: 'o-1', amount: 12.5 })
}

// 5 MB x 5, as the seed configures them.
const ROTATION = { maxsize: 5242880, maxFiles: 5 }

function fileTransports (dir) {
  return [
    new winston.transports.File({ filename: path.join(dir, 'error.log'), level: 'error', ...ROTATION }),
    new winston.transports.File({ filename: path.join(dir, 'combined.log'), ...ROTATION })
  ]
}

// The same lines with the class name changed.
function logfortTransports (dir) {
  return [
    new LogfortTransport({ filename: path.join(dir, 'error.log'), level: 'error', ...ROTATION }),
    new LogfortTransport({ filename: path.join(dir, 'combined.log'), ...ROTATION })
  ]
}

function closed (logger) {
  return new Promise((resolve) => {
    logger.on('finish', () => setImmediate(resolve))
    logger.end()
  })
}

/** The record reduced to what both outputs carry, in a common spelling. */
function winstonView (r) {
  const { timestamp: _t, level, message, service, stack, ...meta } = r
  return { level, message, service, error: stack !== undefined, meta }
}

const LEVEL = { TRACE: 'silly', DEBUG: 'debug', INFO: 'info', WARNING: 'warn', ERROR: 'error' }

function logfortView (r) {
  const { timestamp: _t, schema_version: _s, level, logger, message, exception, ...meta } = r
  // The error's code sits in `exception` rather than among the fields.
  if (exception?.code !== undefined) meta.code = exception.code
  return { level: LEVEL[level], message, service: logger, error: exception !== undefined, meta }
}

test('seed setup switched to LogfortTransport changes no call site', async (t) => {
  const dir = tmpdir(t)
  const before = path.join(dir, 'winston')
  const after = path.join(dir, 'logfort')
  require('node:fs').mkdirSync(before)
  const w = createServiceLogger('payment-service', fileTransports(before))
  callSites(w)
  await closed(w)
  const l = createServiceLogger('payment-service', logfortTransports(after))
  callSites(l)
  await closed(l)

  for (const file of ['combined.log', 'error.log']) {
    const expected = records(path.join(before, file)).map(winstonView)
    const got = records(path.join(after, file)).map(logfortView)
    // Winston's File transport maps http/verbose to their own names; the
    // core maps them onto INFO and DEBUG.
    const norm = (v) => ({ ...v, level: { http: 'info', verbose: 'debug' }[v.level] ?? v.level })
    assert.deepEqual(got, expected.map(norm), file)
  }
  const combined = records(path.join(after, 'combined.log'))
  assert.equal(combined.length, 11) // silly is below the logger's level
  const failed = combined.find((r) => r.message === 'Payment failed card declined')
  assert.equal(failed.level, 'ERROR')
  assert.equal(failed.exception.type, 'Error')
  assert.equal(failed.exception.code, 'E_DECLINED')
  assert.match(failed.exception.traceback, /^Error: card declined\n {4}at /)
  const bare = combined.find((r) => r.message === 'bare error')
  assert.equal(bare.exception.message, 'bare error')
  assert.deepEqual(combined.map((r) => r.level), [
    'INFO', 'DEBUG', 'WARNING', 'ERROR', 'ERROR', 'INFO', 'INFO', 'DEBUG', 'INFO', 'WARNING', 'INFO'
  ])
  assert.deepEqual(records(path.join(after, 'error.log')).map((r) => r.message), ['Payment failed card declined', 'bare error'])
})

test('one transport, two sinks: the core fans out by min_level', async (t) => {
  const dir = tmpdir(t)
  const combined = path.join(dir, 'combined.log')
  const errors = path.join(dir, 'error.log')
  const transport = new LogfortTransport({
    config: { sinks: [{ type: 'file', path: combined }, { type: 'file', path: errors, minLevel: 'error' }] }
  })
  const logger = createServiceLogger('orders', [transport])
  logger.info('a')
  logger.error('b')
  await closed(logger)
  assert.deepEqual(records(combined).map((r) => r.message), ['a', 'b'])
  assert.deepEqual(records(errors).map((r) => r.message), ['b'])
})

test('transport shares a Logger, reads the context, maps custom levels', async (t) => {
  const dir = tmpdir(t)
  const file = path.join(dir, 'shared.log')
  const shared = new Logger({ name: 'shared', sinks: [{ type: 'file', path: file }] })
  t.after(() => shared.close())
  const logger = winston.createLogger({
    levels: { alert: 0, error: 1, audit: 2, info: 3 },
    level: 'info',
    transports: [new LogfortTransport({ logger: shared, name: 'web' })]
  })
  context.run({ correlation_id: 'corr-42' }, () => {
    logger.alert('wake up')
    logger.audit('custom level', { who: 'u1' })
    logger.info({ message: 'object form', extra: true })
  })
  shared.info('from the Logger')
  await closed(logger)
  shared.flushSync()
  const recs = records(file)
  assert.deepEqual(recs.map((r) => [r.level, r.logger, r.message, r.correlation_id]), [
    ['CRITICAL', 'web', 'wake up', 'corr-42'],
    ['INFO', 'web', 'custom level', 'corr-42'],
    ['INFO', 'web', 'object form', 'corr-42'],
    ['INFO', 'shared', 'from the Logger', undefined]
  ])
  assert.equal(recs[1].level_name, 'audit')
  assert.equal(recs[1].who, 'u1')
  assert.equal(recs[2].extra, true)
})

test('Winston File rotation options become the core\'s rotating file sink', async (t) => {
  const { documentFor } = require('../lib/transport')
  assert.deepEqual(documentFor({ filename: 'app.log', dirname: 'logs', maxsize: 1024, maxFiles: 3, zippedArchive: true }).sinks,
    [{ type: 'file', path: path.join('logs', 'app.log'), max_bytes: 1024, backups: 3, compress: true }])
  assert.deepEqual(documentFor({ filename: 'app.log', maxFiles: 3 }).sinks, [{ type: 'file', path: 'app.log' }])
  const dir = tmpdir(t)
  const file = path.join(dir, 'rot.log')
  const logger = winston.createLogger({ transports: [new LogfortTransport({ filename: file, maxsize: 4096, maxFiles: 2 })] })
  for (let i = 0; i < 200; i++) logger.info('rotate me', { i, pad: 'x'.repeat(100) })
  await closed(logger)
  const fs = require('node:fs')
  // The current file and two backups (the core's lock file aside).
  const names = fs.readdirSync(dir).filter((n) => !n.endsWith('.lock')).sort()
  assert.deepEqual(names, ['rot.log', 'rot.log.1', 'rot.log.2'])
  for (const n of names) {
    assert.ok(fs.statSync(path.join(dir, n)).size <= 4096, n)
    for (const l of lines(path.join(dir, n))) assert.equal(JSON.parse(l).message, 'rotate me')
  }
  // The newest records are in the current file.
  assert.equal(JSON.parse(lines(file).pop()).i, 199)
})

test('bad transport configuration throws with the key named', () => {
  assert.throws(() => new LogfortTransport({ config: { sinks: [{ type: 'carrier-pigeon' }] } }),
    { code: 'LOGFORT_CONFIG', message: /`sinks\[0\]\.type`: got "carrier-pigeon"/ })
})

test('a hostile info is still written, with what could be read', async (t) => {
  const dir = tmpdir(t)
  const file = path.join(dir, 'hostile.log')
  const transport = new LogfortTransport({ filename: file })
  const logger = winston.createLogger({ transports: [transport] })
  logger.info('odd meta', { big: 10n, when: new Date(0), tags: new Set(['a']) })
  // Winston itself throws copying such meta; an info built elsewhere
  // (a custom format) can still reach the transport.
  const info = { level: 'info', message: 'getter', get boom () { throw new Error('no access') } }
  let called = false
  transport.log(info, () => { called = true })
  assert.equal(called, true)
  await closed(logger)
  const [odd, hostile] = records(file)
  assert.deepEqual([odd.big, odd.when, odd.tags], ['10', '1970-01-01T00:00:00.000Z', ['a']])
  assert.equal(hostile.message, 'getter')
  assert.equal(hostile.level, 'INFO')
  assert.equal(hostile.logging_error, '[Throws: no access]')
})

test('replaces the Console transport: JSON lines on stdout', () => {
  const { execFileSync } = require('node:child_process')
  const script = `
    const winston = require(${JSON.stringify(require.resolve('winston'))})
    const { LogfortTransport } = require(${JSON.stringify(require.resolve('..'))})
    const logger = winston.createLogger({ defaultMeta: { service: 'cli' }, transports: [new LogfortTransport({ console: true })] })
    logger.warn('to stdout', { n: 1 })
    process.exit(0)`
  const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })
  const recs = out.trim().split('\n').map((l) => JSON.parse(l))
  assert.deepEqual(recs.map((r) => [r.level, r.logger, r.message, r.n]), [['WARNING', 'cli', 'to stdout', 1]])
})
