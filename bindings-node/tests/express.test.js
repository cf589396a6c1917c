'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const express = require('express')
const { middleware } = require('..')
const { fileLogger } = require('./helpers')

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

async function serve (t, app) {
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  t.after(() => new Promise((resolve) => server.close(resolve)))
  return `http://127.0.0.1:${server.address().port}`
}

function app (logger) {
  const a = express()
  a.use(middleware.express())
  a.get('/work/:n', async (req, res) => {
    logger.info({ n: Number(req.params.n) }, 'start')
    // Interleave requests: each waits a different time before logging again.
    await new Promise((resolve) => setTimeout(resolve, (Number(req.params.n) * 7) % 13))
    logger.child({ step: 'db' }).info({ n: Number(req.params.n) }, 'query')
    await new Promise((resolve) => setImmediate(resolve))
    logger.info({ n: Number(req.params.n) }, 'done')
    res.json({ n: Number(req.params.n) })
  })
  return a
}

test('Express: ids per request, never mixed, echoed', async (t) => {
  const { logger, read } = fileLogger(t)
  const base = await serve(t, app(logger))
  const N = 40
  const responses = await Promise.all(Array.from({ length: N }, (_, n) =>
    fetch(`${base}/work/${n}`, { headers: n % 2 === 0 ? { 'X-Correlation-ID': `client-${n}` } : {} })
      .then(async (r) => ({ n, id: r.headers.get('x-correlation-id'), body: await r.json() }))))
  const idOf = new Map()
  for (const r of responses) {
    assert.equal(r.body.n, r.n)
    if (r.n % 2 === 0) assert.equal(r.id, `client-${r.n}`)
    else assert.match(r.id, UUID7)
    idOf.set(r.n, r.id)
  }
  assert.equal(new Set(idOf.values()).size, N)
  const recs = read()
  assert.equal(recs.length, 3 * N)
  for (const rec of recs) assert.equal(rec.correlation_id, idOf.get(rec.n), `record ${JSON.stringify(rec)}`)
  for (let n = 0; n < N; n++) {
    assert.deepEqual(recs.filter((r) => r.n === n).map((r) => r.message).sort(), ['done', 'query', 'start'])
  }
})

test('Express: hostile headers are replaced, traceparent is read', async (t) => {
  const { logger, read } = fileLogger(t)
  const base = await serve(t, app(logger))
  const hostile = ['x'.repeat(129), 'a b', '../../etc/passwd', 'id;rm -rf', '{"json":1}', 'ünïcode']
  const res = await Promise.all(hostile.map((h, n) =>
    fetch(`${base}/work/${n}`, { headers: { 'X-Correlation-ID': encodeURI(h) === h ? h : h } })
      .then((r) => ({ n, id: r.headers.get('x-correlation-id') }))
      .catch(() => ({ n, id: null }))))
  const recs = read()
  for (const { n, id } of res) {
    if (id === null) continue // the client refused to send the header
    assert.match(id, UUID7)
    const mine = recs.filter((r) => r.n === n)
    assert.equal(mine.length, 3)
    for (const r of mine) {
      assert.equal(r.correlation_id, id)
      assert.equal(r.correlation_id_rejected, true)
    }
  }
  assert.ok(res.filter((r) => r.id !== null).length >= 5)
})

test('Express: traceparent sets the trace ids; a bad one is ignored', async (t) => {
  const { logger, read } = fileLogger(t)
  const base = await serve(t, app(logger))
  const traced = await fetch(`${base}/work/100`, { headers: { traceparent: TRACEPARENT } })
  const both = await fetch(`${base}/work/101`, { headers: { traceparent: TRACEPARENT, 'x-correlation-id': 'mine-1' } })
  const bad = await fetch(`${base}/work/102`, { headers: { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' } })
  assert.equal(traced.headers.get('x-correlation-id'), '4bf92f3577b34da6a3ce929d0e0e4736')
  assert.equal(both.headers.get('x-correlation-id'), 'mine-1')
  assert.match(bad.headers.get('x-correlation-id'), UUID7)
  const recs = read()
  const ids = (n) => recs.filter((r) => r.n === n).map((r) => [r.correlation_id, r.trace_id, r.span_id])
  const trace = ['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7']
  assert.deepEqual(ids(100), Array(3).fill([trace[0], ...trace]))
  assert.deepEqual(ids(101), Array(3).fill(['mine-1', ...trace]))
  assert.deepEqual(ids(102), Array(3).fill([bad.headers.get('x-correlation-id'), undefined, undefined]))
})
