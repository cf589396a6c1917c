'use strict'
// The Node step of the demo: an Express service on 127.0.0.1. The
// correlation id arrives in X-Correlation-ID (middleware.express() binds
// it for the request), records with secrets and an audit event go
// through the logfort core, and the C worker runs with the same id.
//
//   DEMO_LOG_DIR=... DEMO_PORT_FILE=... DEMO_C_WORKER=... node app.js

const fs = require('node:fs')
const { execFile } = require('node:child_process')
const express = require('express')
const { Logger, middleware, context } = require('logfort')

const dir = process.env.DEMO_LOG_DIR
const log = new Logger({
  name: 'node.api',
  service: 'node-api',
  sinks: [
    { type: 'file', path: `${dir}/node.log` },
    { type: 'audit', path: `${dir}/node.audit.log` }
  ]
})

const app = express()
app.use(express.json())
app.use(middleware.express())

app.post('/charge', async (req, res) => {
  const cid = context.correlationId()
  const started = Date.now()
  log.info({ card_number: req.body.card, api_key: 'sk-live-abcdef123456' },
    `charge requested for card ${req.body.card}`)
  log.audit({
    action: 'charge',
    resourceType: 'payment',
    resourceId: 'order-42',
    userId: 'u-123',
    result: 'success',
    details: { client_ip: '127.0.0.1' }
  })
  execFile(process.env.DEMO_C_WORKER, [cid, dir], async (err, stdout, stderr) => {
    if (err) {
      log.error({ err, stderr }, 'C worker failed')
      await log.flush()
      res.status(500).json({ ok: false })
      return
    }
    log.info({ operation: 'charge', duration_ms: Date.now() - started }, 'charge done')
    await log.flush()
    res.json({ ok: true, correlation_id: cid })
  })
})

const server = app.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(process.env.DEMO_PORT_FILE, String(server.address().port))
})

process.on('SIGTERM', () => {
  server.close()
  log.close()
  process.exit(0)
})
