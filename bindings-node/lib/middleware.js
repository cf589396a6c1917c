'use strict'
// Framework adapters: read the correlation-id and `traceparent` headers,
// let the core accept, replace or generate the ids, bind them for the
// request, and echo the correlation id on the response.

const native = require('./native')
const context = require('./context')

const DEFAULT_HEADER = 'X-Correlation-ID'

/** One header value; repeated headers arrive joined and fail validation. */
function headerValue (v) {
  if (v === undefined) return undefined
  return Array.isArray(v) ? v.join(', ') : String(v)
}

function contextFor (headers, header) {
  return native.NativeContext.fromHeaders(headerValue(headers[header]), headerValue(headers.traceparent))
}

/**
 * Express (and Connect) middleware.
 * @param {{header?: string, echo?: boolean}} [options] the correlation
 *   header name (default X-Correlation-ID) and whether to echo it.
 */
function express (options = {}) {
  const header = options.header ?? DEFAULT_HEADER
  const lower = header.toLowerCase()
  const echo = options.echo !== false
  return function logfortContext (req, res, next) {
    const ctx = contextFor(req.headers, lower)
    if (echo) res.setHeader(header, ctx.correlationId)
    context.runWith(ctx, next)
  }
}

/**
 * Fastify plugin: `app.register(middleware.fastify, {header, echo})`.
 * Hooks apply to the whole instance (the plugin skips encapsulation).
 */
function fastify (instance, options, done) {
  const header = options?.header ?? DEFAULT_HEADER
  const lower = header.toLowerCase()
  const echo = options?.echo !== false
  instance.addHook('onRequest', function logfortContext (request, reply, next) {
    const ctx = contextFor(request.headers, lower)
    if (echo) reply.header(header, ctx.correlationId)
    context.runWith(ctx, next)
  })
  done()
}
fastify[Symbol.for('skip-override')] = true
fastify[Symbol.for('fastify.display-name')] = 'logfort'

module.exports = { express, fastify }
