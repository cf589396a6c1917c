'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const Fastify = require('fastify')
const { middleware, context } = require('..')
const { fileLogger } = require('./helpers')

test('Fastify plugin: ids per request, echoed, hostile replaced', async (t) => {
  const { logger, read } = fileLogger(t)
  const app = Fastify()
  await app.register(middleware.fastify)
  app.get('/r/:n', async (req) => {
    const n = Number(req.params.n)
    await new Promise((resolve) => setTimeout(resolve, (n * 5) % 11))
    logger.info({ n }, 'handled')
    return { n, seen: context.correlationId() }
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(() => app.close())
  const base = `http://127.0.0.1:${app.server.address().port}`
  const res = await Promise.all(Array.from({ length: 20 }, (_, n) =>
    fetch(`${base}/r/${n}`, { headers: n === 19 ? { 'x-correlation-id': 'bad id with spaces' } : n % 2 ? { 'x-correlation-id': `fc-${n}` } : {} })
      .then(async (r) => ({ n, id: r.headers.get('x-correlation-id'), body: await r.json() }))))
  const recs = read()
  assert.equal(recs.length, 20)
  for (const { n, id, body } of res) {
    if (n % 2 && n !== 19) assert.equal(id, `fc-${n}`)
    else assert.match(id, /^[0-9a-f-]{36}$/)
    assert.equal(body.seen, id)
    const rec = recs.find((r) => r.n === n)
    assert.equal(rec.correlation_id, id)
    assert.equal(rec.correlation_id_rejected, n === 19 ? true : undefined)
  }
})
