'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { context } = require('..')
const { fileLogger } = require('./helpers')

test('context.run binds ids and fields for every record inside, across awaits', async (t) => {
  const { logger, read } = fileLogger(t)
  assert.equal(context.get(), undefined)
  await context.run({ correlation_id: 'req-1', user_id: 'u7', tenant: 'acme' }, async () => {
    logger.info('first')
    await new Promise((resolve) => setTimeout(resolve, 5))
    logger.info({ tenant: 'override' }, 'after await')
    assert.deepEqual(context.get(), { correlation_id: 'req-1', user_id: 'u7', tenant: 'acme' })
    assert.equal(context.correlationId(), 'req-1')
  })
  logger.info('outside')
  const got = read().map(({ timestamp, schema_version: _s, logger: _l, level: _v, ...r }) => r)
  assert.deepEqual(got, [
    { message: 'first', correlation_id: 'req-1', user_id: 'u7', tenant: 'acme' },
    { message: 'after await', correlation_id: 'req-1', user_id: 'u7', tenant: 'override' },
    { message: 'outside' }
  ])
})

test('nested scopes inherit, override and unbind', (t) => {
  const { logger, read } = fileLogger(t)
  context.run({ correlation_id: 'outer', a: 1, b: 2 }, () => {
    context.run({ request_id: 'r2', b: null, c: [1, 2] }, () => {
      assert.deepEqual(context.get(), { correlation_id: 'outer', request_id: 'r2', a: 1, c: [1, 2] })
      logger.info('inner')
    })
    logger.info('outer again')
  })
  const [inner, outer] = read()
  assert.deepEqual([inner.correlation_id, inner.request_id, inner.a, inner.b, inner.c], ['outer', 'r2', 1, undefined, [1, 2]])
  assert.deepEqual([outer.request_id, outer.b], [undefined, 2])
})

test('a hostile correlation id is replaced by the core and flagged', (t) => {
  const { logger, read } = fileLogger(t)
  context.run({ correlation_id: 'evil"\n{"admin":true}' }, () => logger.info('x'))
  const [rec] = read()
  assert.match(rec.correlation_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  assert.equal(rec.correlation_id_rejected, true)
  assert.equal(JSON.stringify(rec).includes('evil'), false)
})

test('concurrent async scopes never mix', async (t) => {
  const { logger, read } = fileLogger(t)
  const jobs = []
  for (let i = 0; i < 50; i++) {
    jobs.push(context.run({ correlation_id: `job-${i}` }, async () => {
      for (let k = 0; k < 5; k++) {
        await new Promise((resolve) => setImmediate(resolve))
        logger.info({ job: i }, 'step')
      }
    }))
  }
  await Promise.all(jobs)
  const recs = read()
  assert.equal(recs.length, 250)
  for (const r of recs) assert.equal(r.correlation_id, `job-${r.job}`)
})

test('a traceparent bound in context sets the trace ids by the core\'s rules', (t) => {
  const { logger, read } = fileLogger(t)
  context.run({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, () => {
    logger.info('traced')
    assert.equal(context.get().trace_id, '4bf92f3577b34da6a3ce929d0e0e4736')
  })
  context.run({ traceparent: 'not-a-traceparent' }, () => logger.info('untraced'))
  const [a, b] = read()
  assert.deepEqual([a.trace_id, a.span_id], ['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7'])
  assert.deepEqual([b.trace_id, b.span_id], [undefined, undefined])
})
