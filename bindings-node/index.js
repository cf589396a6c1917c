'use strict'
// logfort for Node: `Logger` (pino-class), `LogfortTransport` (Winston),
// `context` (AsyncLocalStorage), `middleware` (Express, Fastify), `mask`.

const native = require('./lib/native')
const { Logger } = require('./lib/logger')
const context = require('./lib/context')
const middleware = require('./lib/middleware')
const lifecycle = require('./lib/lifecycle')

module.exports = {
  Logger,
  context,
  middleware,
  /** Flushes every live logger now, blocking (what the exit hook does). */
  flushAllSync: lifecycle.flushAllSync,
  /** `text` with the default masking rules (LOG_CONFIG / LOG_* aware). */
  mask: (text) => native.mask(String(text)),
  version: native.version(),
  // Loaded on first use: it pulls in winston-transport.
  get LogfortTransport () {
    return require('./lib/transport').LogfortTransport
  }
}
