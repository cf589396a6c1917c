'use strict'
// Request context on AsyncLocalStorage. Each scope holds one native
// context handle (an Arc<Context> in the core); records logged in the
// scope pass the handle, so nothing is re-serialised per record. The
// ids follow the core's rules: a bad correlation id is replaced.

const { AsyncLocalStorage } = require('node:async_hooks')
const native = require('./native')
const { stringify } = require('./serialize')

const storage = new AsyncLocalStorage()

/** What one `run` scope holds. */
class Scope {
  constructor (ctx) {
    /** The NativeContext (for the slow paths and `get()`). */
    this.ctx = ctx
    /** Its raw handle, passed with every record. */
    this.handle = ctx.handle()
    this.cached = undefined
  }

  /** The bound values as a plain object (ids as the core accepted them). */
  object () {
    if (this.cached === undefined) this.cached = Object.freeze(JSON.parse(this.ctx.toJson()))
    return this.cached
  }
}

/**
 * Runs `fn(...args)` with `fields` bound on top of the current context:
 * `correlation_id`, `request_id`, `trace_id`, `span_id`, `user_id`,
 * `session_id`, `traceparent`, or any other name (a bound field). A
 * `null` value unbinds a name for the inner scope.
 */
function run (fields, fn, ...args) {
  if (typeof fn !== 'function') throw new TypeError('context.run(fields, fn): fn must be a function')
  const parent = storage.getStore()
  const json = fields && typeof fields === 'object' ? stringify(fields) : '{}'
  const ctx = native.NativeContext.bind(parent === undefined ? null : parent.ctx, json)
  return storage.run(new Scope(ctx), fn, ...args)
}

/** Runs `fn` in the scope of an existing NativeContext (middleware). */
function runWith (ctx, fn, ...args) {
  return storage.run(new Scope(ctx), fn, ...args)
}

/** The current bound values (frozen), or `undefined` outside any scope. */
function get () {
  const s = storage.getStore()
  return s === undefined ? undefined : s.object()
}

/** The current correlation id, or `undefined`. */
function correlationId () {
  const s = storage.getStore()
  return s === undefined ? undefined : (s.ctx.correlationId ?? undefined)
}

/** Hot path: the native handle of the current scope, or `undefined`. */
function currentHandle () {
  const s = storage.getStore()
  return s === undefined ? undefined : s.handle
}

/** Slow paths: the current NativeContext, or `undefined`. */
function currentContext () {
  const s = storage.getStore()
  return s === undefined ? undefined : s.ctx
}

module.exports = { run, runWith, get, correlationId, currentHandle, currentContext, storage }
