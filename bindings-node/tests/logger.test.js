'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { Logger } = require('..')
const { fileLogger, stripTime, lines } = require('./helpers')

test('pino calling convention: message, object + message, interpolation', (t) => {
  const { logger, read } = fileLogger(t, { name: 'app.auth' })
  logger.info('plain')
  logger.info({ user: 'u1', n: 2 }, 'with fields')
  logger.warn('hello %s, %d items', 'bob', 3)
  logger.error({ a: 1 }, 'id=%s', 'x1')
  logger.info({ msg: 'from the object', k: true })
  logger.info(42)
  const got = read().map((r) => stripTime(assert, r))
  assert.deepEqual(got, [
    { level: 'INFO', logger: 'app.auth', message: 'plain' },
    { level: 'INFO', logger: 'app.auth', message: 'with fields', user: 'u1', n: 2 },
    { level: 'WARNING', logger: 'app.auth', message: 'hello bob, 3 items' },
    { level: 'ERROR', logger: 'app.auth', message: 'id=x1', a: 1 },
    { level: 'INFO', logger: 'app.auth', message: 'from the object', k: true },
    { level: 'INFO', logger: 'app.auth', message: '42' }
  ])
})

test('levels: threshold, setter, isLevelEnabled, every method', (t) => {
  const { logger, read } = fileLogger(t, { level: 'warn' })
  assert.equal(logger.level, 'warn')
  assert.equal(logger.isLevelEnabled('info'), false)
  assert.equal(logger.isLevelEnabled('error'), true)
  logger.info('dropped')
  logger.level = 'trace'
  assert.equal(logger.levelValue, 5)
  for (const m of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) logger[m](m)
  assert.deepEqual(read().map((r) => [r.level, r.message]), [
    ['TRACE', 'trace'], ['DEBUG', 'debug'], ['INFO', 'info'],
    ['WARNING', 'warn'], ['ERROR', 'error'], ['CRITICAL', 'fatal']
  ])
  assert.throws(() => { logger.level = 'loud' }, { code: 'LOGFORT_CONFIG', message: /unknown level "loud"/ })
})

test('sink min_level raises the cheap check; other sinks still get everything', (t) => {
  const { tmpdir, records } = require('./helpers')
  const path = require('node:path')
  const dir = tmpdir(t)
  const errors = path.join(dir, 'error.log')
  const all = path.join(dir, 'all.log')
  const only = new Logger({ level: 'debug', sinks: [{ type: 'file', path: errors, minLevel: 'error' }] })
  assert.equal(only.isLevelEnabled('warn'), false)
  assert.equal(only.isLevelEnabled('error'), true)
  const both = new Logger({ level: 'debug', sinks: [{ type: 'file', path: errors, min_level: 'error' }, { type: 'file', path: all }] })
  both.debug('d')
  both.error('e')
  both.flushSync()
  only.close()
  both.close()
  assert.deepEqual(records(errors).map((r) => r.message), ['e'])
  assert.deepEqual(records(all).map((r) => r.message), ['d', 'e'])
})

test('child loggers: bindings first, nested children, own level and name', (t) => {
  const { logger, read } = fileLogger(t, { name: 'svc' })
  const child = logger.child({ request: 'r1', tenant: 't' })
  const grand = child.child({ step: 2 }, { name: 'db', level: 'error' })
  child.info({ extra: 1 }, 'child record')
  grand.info('below its level')
  grand.error('grandchild record')
  assert.deepEqual(grand.bindings(), { request: 'r1', tenant: 't', step: 2 })
  assert.equal(grand.name, 'svc.db')
  assert.deepEqual(read().map((r) => stripTime(assert, r)), [
    { level: 'INFO', logger: 'svc', message: 'child record', request: 'r1', tenant: 't', extra: 1 },
    { level: 'ERROR', logger: 'svc.db', message: 'grandchild record', request: 'r1', tenant: 't', step: 2 }
  ])
})

test('Error objects become exception with name, message, stack and code', (t) => {
  const { logger, read } = fileLogger(t)
  class DbError extends Error {
    constructor (m) {
      super(m)
      this.name = 'DbError'
      this.code = 'ECONNREFUSED'
      this.status = 503
    }
  }
  const e = new DbError('db down')
  logger.error(e)
  logger.error(e, 'query failed')
  logger.warn({ err: e, user: 'u1' }, 'with err key')
  logger.warn({ error: new TypeError('bad type') })
  const cause = new Error('root cause')
  logger.error(new Error('outer', { cause }))
  const [a, b, c, d, f] = read()
  assert.equal(a.message, 'db down')
  assert.equal(a.status, 503)
  assert.equal(a.exception.type, 'DbError')
  assert.equal(a.exception.message, 'db down')
  assert.equal(a.exception.code, 'ECONNREFUSED')
  assert.match(a.exception.traceback, /^DbError: db down\n {4}at /)
  assert.deepEqual(Object.keys(a).filter((k) => k !== 'schema_version'), ['timestamp', 'level', 'logger', 'message', 'status', 'exception'])
  assert.equal(b.message, 'query failed')
  assert.equal(b.exception.type, 'DbError')
  assert.equal(c.message, 'with err key')
  assert.equal(c.user, 'u1')
  assert.equal(c.err, undefined)
  assert.equal(c.exception.code, 'ECONNREFUSED')
  assert.equal(d.message, 'bad type')
  assert.equal(d.exception.type, 'TypeError')
  assert.equal(d.exception.code, undefined)
  assert.match(f.exception.traceback, /^Error: outer\n[\s\S]*\nCaused by: Error: root cause\n/)
})

test('odd values produce output, never an exception', (t) => {
  const { logger, read } = fileLogger(t)
  const circular = { name: 'loop' }
  circular.self = circular
  circular.list = [circular, 1]
  const shared = { v: 1 }
  const hostile = {
    ok: 1,
    get boom () { throw new Error('getter exploded') }
  }
  const badToJSON = { toJSON () { throw new Error('no json') } }
  const values = {
    big: 12345678901234567890n,
    buf: Buffer.from('hi'),
    date: new Date(0),
    map: new Map([['a', 1], [2, 'b']]),
    set: new Set(['x', 'y']),
    nested: { deeper: { big: 1n, err: new RangeError('r') } },
    twice: [shared, shared],
    nan: NaN,
    undef: undefined,
    fn () {},
    sym: Symbol('s')
  }
  assert.doesNotThrow(() => {
    logger.info(values, 'values')
    logger.info(circular, 'circular')
    logger.info(hostile, 'hostile')
    logger.info({ inner: badToJSON, plain: 'p' }, 'toJSON throws')
    logger.info({ big: 5n, loop: circular }, 'bigint and cycle')
    logger.info(new Proxy({}, { ownKeys () { throw new Error('trap') }, get () { throw new Error('trap') } }), 'proxy')
  })
  const [v, c, h, j, bc, p] = read()
  assert.equal(v.big, '12345678901234567890')
  assert.deepEqual(v.buf, { type: 'Buffer', data: [104, 105] })
  assert.equal(v.date, '1970-01-01T00:00:00.000Z')
  assert.deepEqual(v.map, { a: 1, 2: 'b' })
  assert.deepEqual(v.set, ['x', 'y'])
  assert.equal(v.nested.deeper.big, '1')
  assert.equal(v.nested.deeper.err.type, 'RangeError')
  assert.equal(v.nested.deeper.err.message, 'r')
  assert.deepEqual(v.twice, [{ v: 1 }, { v: 1 }])
  assert.equal(v.nan, 'NaN')
  assert.deepEqual(Object.keys(v).filter((k) => ['undef', 'fn', 'sym'].includes(k)), [])
  assert.deepEqual([c.name, c.self, c.list], ['loop', '[Circular]', ['[Circular]', 1]])
  assert.deepEqual([h.ok, h.boom], [1, '[Throws: getter exploded]'])
  assert.deepEqual([j.inner, j.plain], ['[Throws: no json]', 'p'])
  assert.deepEqual([bc.big, bc.loop.self], ['5', '[Circular]'])
  assert.equal(p.message, 'proxy')
  assert.equal(p.serialization_error, '[Throws: trap]')
})

test('configuration errors name the key and carry a code', () => {
  assert.throws(() => new Logger({ levle: 'info' }), (err) => {
    assert.equal(err.code, 'LOGFORT_CONFIG')
    assert.match(err.message, /`levle`: unknown key/)
    return true
  })
  assert.throws(() => new Logger({ queue: { overflow: 'sometimes' } }), { code: 'LOGFORT_CONFIG', message: /`queue.overflow`: got "sometimes"/ })
  assert.throws(() => new Logger('nope'), TypeError)
})

test('LOG_* environment applies on top of the options', (t) => {
  const { execFileSync } = require('node:child_process')
  const { tmpdir } = require('./helpers')
  const dir = tmpdir(t)
  const file = require('node:path').join(dir, 'env.log')
  const script = `
    const { Logger } = require(${JSON.stringify(require.resolve('..'))})
    const l = new Logger({ sinks: [{ type: 'file', path: ${JSON.stringify(file)} }] })
    l.info('info is below LOG_LEVEL'); l.warn('kept')`
  execFileSync(process.execPath, ['-e', script], { env: { ...process.env, LOG_LEVEL: 'warning', LOG_SERVICE: 'svc-env' } })
  const recs = lines(file).map((l) => JSON.parse(l))
  assert.deepEqual(recs.map((r) => [r.message, r.service]), [['kept', 'svc-env']])
})

test('flush() resolves after the records are written; close() is final', async (t) => {
  const { logger, file } = fileLogger(t)
  for (let i = 0; i < 1000; i++) logger.info({ i }, 'r')
  await logger.flush()
  assert.equal(lines(file).length, 1000)
  logger.close()
  logger.info('after close')
  logger.close()
  assert.equal(lines(file).length, 1000)
  const m = logger.metrics()
  const dropped = m.samples.find((s) => s.name === 'logfort_records_dropped_total' && s.labels.reason === 'shutdown')
  assert.equal(dropped.value, 1)
  assert.match(m.text, /^logfort_records_written_total 1000$/m)
  await assert.rejects(logger.flush(), { code: 'LOGFORT_SHUTDOWN' })
})

test('the per-record native function rejects anything but its own handles', () => {
  const native = require('../lib/native')
  const LOG = native.logFunction()
  const nat = new native.NativeLogger(JSON.stringify({ sinks: [{ type: 'stderr' }] }))
  const channel = new native.Channel(nat, 'x', undefined).handle()
  const ctx = native.NativeContext.bind(null, '{}').handle()
  const bad = { code: 'ERR_INVALID_ARG_TYPE' }
  assert.throws(() => LOG({}, 20, 'm'), { ...bad, message: 'logfort: not a channel handle' })
  assert.throws(() => LOG(ctx, 20, 'm'), { ...bad, message: 'logfort: not a channel handle' })
  assert.throws(() => LOG(channel, 'loud', 'm'), { ...bad, message: 'logfort: the level must be a number' })
  assert.throws(() => LOG(channel, 20, 42), { ...bad, message: 'logfort: the message must be a string' })
  assert.throws(() => LOG(channel, 20, 'm', {}), { ...bad, message: 'logfort: fields must be a JSON string' })
  assert.throws(() => LOG(channel, 20, 'm', null, channel), { ...bad, message: 'logfort: not a context handle' })
  nat.shutdown()
})

test('long and non-ASCII strings cross intact', (t) => {
  const { logger, read } = fileLogger(t)
  const long = 'é'.repeat(5000) + '😀'.repeat(3000) + 'end'
  const edge = 'x'.repeat(8186) + '😀' // a 4-byte character at the scratch buffer's end
  logger.info({ long }, long)
  logger.info(edge)
  logger.info('lone surrogate \ud800 here')
  const [a, b, c] = read()
  assert.equal(a.message, long)
  assert.equal(a.long, long)
  assert.equal(b.message, edge)
  assert.equal(c.message, 'lone surrogate \ufffd here')
})
