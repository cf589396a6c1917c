'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { Worker } = require('node:worker_threads')
const { tmpdir, lines, records } = require('./helpers')

const PKG = JSON.stringify(require.resolve('..'))

function runChild (script) {
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

test('process.exit(0) right after 200,000 records loses none', (t) => {
  const file = path.join(tmpdir(t), 'burst.log')
  runChild(`
    const { Logger } = require(${PKG})
    const logger = new Logger({ name: 'burst', sinks: [{ type: 'file', path: ${JSON.stringify(file)} }] })
    for (let i = 0; i < 200000; i++) logger.info({ i, user: 'u-' + (i % 97) }, 'burst record')
    process.exit(0)`)
  const got = lines(file)
  assert.equal(got.length, 200000)
  assert.deepEqual(JSON.parse(got[0]).i, 0)
  assert.deepEqual(JSON.parse(got[199999]).i, 199999)
})

test('records are flushed when the event loop drains (beforeExit)', (t) => {
  const file = path.join(tmpdir(t), 'drain.log')
  runChild(`
    const { Logger } = require(${PKG})
    const logger = new Logger({ sinks: [{ type: 'file', path: ${JSON.stringify(file)} }] })
    setTimeout(() => { for (let i = 0; i < 5000; i++) logger.info({ i }, 'late') }, 10)
    process.on('beforeExit', () => { require('node:fs').writeFileSync(${JSON.stringify(file + '.count')}, String(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8').split('\\n').length - 1)) })`)
  assert.equal(lines(file).length, 5000)
  // Our beforeExit handler ran first (registered first), theirs saw the file complete.
  assert.equal(require('node:fs').readFileSync(file + '.count', 'utf8'), '5000')
})

test('an uncaught exception still leaves every record on disk', (t) => {
  const file = path.join(tmpdir(t), 'crash.log')
  assert.throws(() => runChild(`
    const { Logger } = require(${PKG})
    const logger = new Logger({ sinks: [{ type: 'file', path: ${JSON.stringify(file)} }] })
    for (let i = 0; i < 20000; i++) logger.info({ i }, 'before crash')
    throw new Error('crash')`), /crash/)
  assert.equal(lines(file).length, 20000)
})

test('worker threads: each worker its own logger; exit flushes', async (t) => {
  const dir = tmpdir(t)
  const files = [0, 1, 2].map((i) => path.join(dir, `w${i}.log`))
  const code = `
    const { workerData } = require('node:worker_threads')
    const { Logger, context } = require(${PKG})
    const logger = new Logger({ name: 'worker', sinks: [{ type: 'file', path: workerData.file }] })
    context.run({ correlation_id: 'w-' + workerData.i }, () => {
      for (let k = 0; k < 10000; k++) logger.info({ k, w: workerData.i }, 'from worker')
    })
    if (workerData.i === 2) process.exit(0)`
  await Promise.all(files.map((file, i) => new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { file, i } })
    w.on('error', reject)
    w.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`worker exit ${c}`))))
  })))
  files.forEach((file, i) => {
    const recs = records(file)
    assert.equal(recs.length, 10000)
    assert.ok(recs.every((r) => r.correlation_id === `w-${i}` && r.w === i))
  })
})
