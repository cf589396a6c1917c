'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { context } = require('..')
const { fileLogger, stripTime } = require('./helpers')

test('audit, security, performance and business records as the core builds them', (t) => {
  const { logger, read } = fileLogger(t, { name: 'svc', performance: { operations: { db_query: { warnMs: 100, errorMs: 500 } } } })
  context.run({ correlation_id: 'c-1' }, () => {
    logger.audit({ action: 'delete', resourceType: 'invoice', resourceId: 'inv-9', userId: 'u-1', details: { reason: 'dup' } })
    logger.audit('approve', 'payment', 'p-2', { result: 'denied' })
    logger.security('login_failed', { severity: 'warning', clientIp: '10.1.2.3', userId: 'u-2', details: { attempts: 3 } })
    logger.security('token_theft', { severity: 'critical' })
    logger.performance('db_query', 20, { rows: 3 })
    logger.performance('db_query', 150)
    logger.performance('db_query', 900, { success: false })
    logger.business('order_placed', { order_id: 'o-1', amount: 12.5 })
  })
  const got = read().map((r) => stripTime(assert, r))
  const base = { logger: 'svc', correlation_id: 'c-1' }
  assert.deepEqual(got[0], { level: 'INFO', ...base, message: 'audit: delete on invoice/inv-9 -> success', log_type: 'audit', action: 'delete', resource_type: 'invoice', resource_id: 'inv-9', user_id: 'u-1', result: 'success', reason: 'dup' })
  assert.equal(got[1].level, 'WARNING')
  assert.equal(got[1].result, 'denied')
  assert.deepEqual([got[2].level, got[2].log_type, got[2].security_event, got[2].severity, got[2].client_ip, got[2].user_id, got[2].attempts], ['WARNING', 'security', 'login_failed', 'warning', '10.1.2.3', 'u-2', 3])
  assert.equal(got[3].level, 'CRITICAL')
  assert.deepEqual(got.slice(4, 7).map((r) => [r.level, r.operation, r.duration_ms, r.success]), [
    ['INFO', 'db_query', 20, true], ['WARNING', 'db_query', 150, true], ['ERROR', 'db_query', 900, false]])
  assert.equal(got[4].rows, 3)
  assert.equal(got[4].log_type, 'performance')
  assert.deepEqual([got[7].level, got[7].log_type, got[7].event, got[7].order_id, got[7].amount], ['INFO', 'business', 'order_placed', 'o-1', 12.5])
})

test('typed records honour the logger level', (t) => {
  const { logger, read } = fileLogger(t, { level: 'warn' })
  logger.performance('api', 10)
  logger.performance('api', 4000)
  logger.business('ignored')
  assert.deepEqual(read().map((r) => [r.level, r.duration_ms]), [['WARNING', 4000]])
})

test('startTimer and measure log performance records', async (t) => {
  const { logger, read } = fileLogger(t)
  const timer = logger.startTimer()
  await new Promise((resolve) => setTimeout(resolve, 20))
  const ms = timer.done('sleep', { step: 1 })
  assert.ok(ms >= 15)
  assert.equal(await logger.measure('compute', async () => 42, { kind: 'sum' }), 42)
  await assert.rejects(logger.measure('explode', () => { throw new TypeError('boom') }), TypeError)
  const [a, b, c] = read()
  assert.deepEqual([a.operation, a.step, a.success, a.duration_ms], ['sleep', 1, true, ms])
  assert.deepEqual([b.operation, b.kind, b.success], ['compute', 'sum', true])
  assert.deepEqual([c.operation, c.success, c.error_type, c.error], ['explode', false, 'TypeError', 'boom'])
})

test('disabled record types are not written and are counted', (t) => {
  const { logger, read } = fileLogger(t, { audit: { enabled: false } })
  logger.audit('read', 'doc', 'd1')
  logger.info('kept')
  assert.deepEqual(read().map((r) => r.message), ['kept'])
  const s = logger.metrics().samples.find((x) => x.name === 'logfort_records_dropped_total' && x.labels.reason === 'audit_disabled')
  assert.equal(s.value, 1)
})

test('schema policy strict: a violation is the caller\'s error', (t) => {
  const { logger, read } = fileLogger(t, { schema: { policy: 'strict' } })
  assert.throws(() => logger.security('x', { severity: 'apocalyptic' }), { code: 'LOGFORT_SCHEMA' })
  logger.info('fine')
  assert.deepEqual(read().map((r) => r.message), ['fine'])
})
