'use strict'
// `Logger`: a pino-class logger on the logfort core. The hot path checks
// the level (a number compare), serialises the caller's object once,
// and makes one native call with the level, the message, that JSON text
// and the context handle. Masking, validation, encoding and I/O happen on
// the core's writer thread.

const { format } = require('node:util')
const native = require('./native')
const { call, mapError } = require('./errors')
const { stringify, safeString, safeGet, throwsText } = require('./serialize')
const { currentHandle, currentContext } = require('./context')
const lifecycle = require('./lifecycle')

/** pino's method names on the shared numeric scale. */
const METHODS = { trace: 5, debug: 10, info: 20, warn: 30, error: 40, fatal: 50 }
const NAMES = new Map([[5, 'trace'], [10, 'debug'], [20, 'info'], [25, 'notice'], [30, 'warn'], [40, 'error'], [50, 'fatal']])
/** Options this binding reads; everything else is the core's document. */
const JS_OPTIONS = ['name']
/** How deep an Error's `cause` chain is written into the traceback. */
const MAX_CAUSES = 8

const kNative = Symbol('logfort.native')
const kChannel = Symbol('logfort.channel')
const kHandle = Symbol('logfort.handle')
/** The per-record native function: (handle, level, message, fields, context). */
const LOG = native.logFunction()
const kLevel = Symbol('logfort.level')
const kThreshold = Symbol('logfort.threshold')
const kBindings = Symbol('logfort.bindings')

const levelCache = new Map()

/** A level name or number on the shared scale; throws on anything else. */
function levelNumber (level) {
  const key = typeof level === 'number' ? String(level) : level
  let n = levelCache.get(key)
  if (n === undefined) {
    n = typeof key === 'string' ? native.parseLevel(key) : null
    if (n === null || n === undefined) {
      const err = new TypeError(`unknown level ${JSON.stringify(level)}: expected trace, debug, info, notice, warn, error, fatal or a number`)
      err.code = 'LOGFORT_CONFIG'
      throw err
    }
    levelCache.set(key, n)
  }
  return n
}

/** {type, message, traceback, code} for the record's `exception`. */
function exceptionOf (err) {
  let traceback = safeString(() => err.stack) || undefined
  let cause = safeGet(err, 'cause')
  for (let i = 0; i < MAX_CAUSES && cause !== undefined && cause !== null; i++) {
    const text = cause instanceof Error ? (safeString(() => cause.stack) || safeString(() => `${cause.name}: ${cause.message}`)) : safeString(() => String(cause))
    traceback = `${traceback ?? ''}\nCaused by: ${text}`
    cause = cause instanceof Error ? safeGet(cause, 'cause') : undefined
  }
  const code = safeGet(err, 'code')
  return {
    type: safeString(() => err.name) || 'Error',
    message: safeString(() => err.message),
    traceback,
    code: code === undefined || code === null ? undefined : safeString(() => String(code))
  }
}

const ERROR_OWN = new Set(['name', 'message', 'stack', 'code', 'cause'])

/** An Error's other own enumerable properties (`status`, `details`...). */
function errorExtras (err) {
  let keys
  try {
    keys = Object.keys(err)
  } catch {
    return undefined
  }
  let out
  for (const k of keys) {
    if (ERROR_OWN.has(k)) continue
    out ??= {}
    try {
      out[k] = err[k]
    } catch (e) {
      out[k] = throwsText(e)
    }
  }
  return out
}

/** `err` or `error` holding an Error, as pino's `err` serializer sees it. */
function errorKey (obj) {
  try {
    if (obj.err instanceof Error) return 'err'
    if (obj.error instanceof Error) return 'error'
  } catch {}
  return undefined
}

/** A shallow copy of `obj` without `key`; unreadable values say why. */
function without (obj, key) {
  const out = {}
  for (const k of Object.keys(obj)) {
    if (k === key) continue
    try {
      out[k] = obj[k]
    } catch (err) {
      out[k] = throwsText(err)
    }
  }
  return out
}

function optString (v) {
  return v === undefined || v === null ? undefined : String(v)
}

/** Details of a typed record as JSON text, or `undefined`. */
function detailsJson (details) {
  return details !== null && typeof details === 'object' ? stringify(details) : undefined
}

function formatFrom (args, start) {
  const rest = new Array(args.length - start)
  for (let i = start; i < args.length; i++) rest[i - start] = args[i]
  try {
    return format(...rest)
  } catch (err) {
    return safeString(() => rest[0]) + ` [format failed: ${safeString(() => err.message)}]`
  }
}

/** The slow branches: errors, interpolation, odd first arguments. */
function writeSlow (logger, num, args) {
  const a = args[0]
  if (a === null || typeof a !== 'object') {
    const msg = args.length === 0 ? '' : typeof a === 'string' ? formatFrom(args, 0) : formatFrom([safeString(() => String(a)), ...Array.prototype.slice.call(args, 1)], 0)
    LOG(logger[kHandle], num, msg, undefined, currentHandle())
    return
  }
  let msg = typeof args[1] === 'string' ? (args.length > 2 ? formatFrom(args, 1) : args[1]) : args[1] === undefined ? undefined : safeString(() => String(args[1]))
  let fields = a
  let err
  if (a instanceof Error) {
    err = a
    fields = errorExtras(a)
  } else {
    const key = errorKey(a)
    if (key !== undefined) {
      err = a[key]
      fields = without(a, key)
    }
    if (msg === undefined) {
      const m = safeGet(a, 'msg')
      if (typeof m === 'string') {
        msg = m
        fields = without(fields, 'msg')
      }
    }
  }
  if (msg === undefined) msg = err === undefined ? '' : safeString(() => err.message)
  const json = fields === undefined ? undefined : stringify(fields)
  if (err === undefined) LOG(logger[kHandle], num, msg, json, currentHandle())
  else logger[kChannel].logExtra(num, msg, json, currentContext(), { exception: exceptionOf(err) })
}

function method (num) {
  return function (a, b) {
    if (num < this[kThreshold]) return
    try {
      if (typeof a === 'string' && arguments.length === 1) {
        LOG(this[kHandle], num, a, undefined, currentHandle())
      } else if (arguments.length === 2 && typeof b === 'string' && a !== null && typeof a === 'object' &&
        !(a instanceof Error) && a.err === undefined && a.error === undefined) {
        LOG(this[kHandle], num, b, stringify(a), currentHandle())
      } else {
        writeSlow(this, num, arguments)
      }
    } catch (err) {
      // A schema violation under policy `strict` is the caller's error.
      if (isSchemaError(err)) throw mapError(err)
      // Otherwise only a hostile object (a Proxy or getter that throws
      // on the checks above) gets here: write what can be written.
      writeFallback(this, num, arguments, err)
    }
    if (num >= 50) {
      try {
        this.flushSync()
      } catch {}
    }
  }
}

function isSchemaError (err) {
  return err?.code === 'LOGFORT_SCHEMA' || (typeof err?.message === 'string' && err.message.startsWith('LOGFORT_SCHEMA: '))
}

function writeFallback (logger, num, args, err) {
  try {
    writeSlow(logger, num, args)
  } catch (again) {
    if (isSchemaError(again)) throw mapError(again)
    const msg = typeof args[1] === 'string' ? args[1] : typeof args[0] === 'string' ? args[0] : ''
    LOG(logger[kHandle], num, msg, JSON.stringify({ logging_error: throwsText(err) }), currentHandle())
  }
}

class Logger {
  /**
   * @param {object} [config] the DESIGN.md configuration document in JS
   *   spelling, plus `name` (the record's `logger`, default `root`);
   *   `LOG_CONFIG` and `LOG_*` apply on top.
   */
  constructor (config) {
    const doc = {}
    let name = 'root'
    if (config !== undefined && config !== null) {
      if (typeof config !== 'object') throw new TypeError('new Logger(config): config must be an object')
      for (const k of Object.keys(config)) {
        if (!JS_OPTIONS.includes(k)) doc[k] = config[k]
      }
      if (config.name !== undefined) name = String(config.name)
    }
    const json = Object.keys(doc).length === 0 ? undefined : JSON.stringify(doc)
    const nat = call(() => new native.NativeLogger(json))
    lifecycle.track(nat)
    this[kNative] = nat
    this[kBindings] = undefined
    this[kChannel] = new native.Channel(nat, name, undefined)
    this[kHandle] = this[kChannel].handle()
    this[kLevel] = nat.level
    this[kThreshold] = Math.max(nat.level, nat.floor)
  }

  /** The record's `logger` name. */
  get name () {
    return this[kChannel].name
  }

  /** The level name (pino spelling); assign a name or a number. */
  get level () {
    const n = this[kLevel]
    return NAMES.get(n) ?? String(n)
  }

  set level (level) {
    const n = levelNumber(level)
    this[kLevel] = n
    this[kThreshold] = Math.max(n, this[kNative].floor)
  }

  /** The level as a number on the shared scale. */
  get levelValue () {
    return this[kLevel]
  }

  isLevelEnabled (level) {
    return levelNumber(level) >= this[kThreshold]
  }

  /**
   * A logger writing to the same core with `bindings` on every record.
   * `options.name` appends a dotted segment to the logger name,
   * `options.level` sets the child's own level.
   */
  child (bindings, options) {
    const child = Object.create(Logger.prototype)
    const merged = bindings && typeof bindings === 'object' ? { ...this[kBindings], ...bindings } : this[kBindings]
    const name = options?.name ? `${this.name}.${options.name}` : this.name
    child[kNative] = this[kNative]
    child[kBindings] = merged
    child[kChannel] = new native.Channel(this[kNative], name, merged === undefined ? undefined : stringify(merged))
    child[kHandle] = child[kChannel].handle()
    child[kLevel] = this[kLevel]
    child[kThreshold] = this[kThreshold]
    if (options?.level !== undefined) child.level = options.level
    return child
  }

  /** The child bindings of this logger. */
  bindings () {
    return { ...this[kBindings] }
  }

  /** Resolves once every record logged before the call is written. */
  flush (timeoutMs) {
    return this[kNative].flush(timeoutMs).catch((err) => { throw mapError(err) })
  }

  /** Blocks until every record logged before the call is written. */
  flushSync (timeoutMs) {
    call(() => this[kNative].flushSync(timeoutMs))
  }

  /** Writes what is queued and stops the writer (every child too). */
  close (timeoutMs) {
    call(() => this[kNative].shutdown(timeoutMs))
  }

  /** The core's counters: `text` (Prometheus format) and `samples`. */
  metrics () {
    const text = this[kNative].metricsText()
    return { text, samples: parsePrometheus(text) }
  }

  /**
   * Who did what to which resource: `audit({action, resourceType,
   * resourceId, userId, result, details})` or `audit(action,
   * resourceType, resourceId, {userId, result, details})`. The core sets
   * the fields, message, level (WARNING for a failed result) and
   * `log_type`.
   */
  audit (action, resourceType, resourceId, options) {
    const ev = action !== null && typeof action === 'object' ? action : { ...options, action, resourceType, resourceId }
    call(() => this[kChannel].audit(this[kThreshold],
      String(ev.action), String(ev.resourceType ?? ''), String(ev.resourceId ?? ''),
      optString(ev.userId), String(ev.result ?? 'success'), detailsJson(ev.details), currentContext()))
  }

  /** A security event; the severity (info, warning, critical) sets the level. */
  security (event, options = {}) {
    call(() => this[kChannel].security(this[kThreshold],
      String(event), String(options.severity ?? 'warning'), optString(options.clientIp),
      optString(options.userId), detailsJson(options.details), currentContext()))
  }

  /**
   * How long an operation took; the level follows the configured
   * thresholds (`performance.warn_ms`, `error_ms`, per operation). `meta`
   * may say `success: false`; the rest is written as details.
   */
  performance (operation, durationMs, meta) {
    let success = true
    let details = meta
    if (meta !== null && typeof meta === 'object' && 'success' in meta) {
      success = meta.success !== false
      details = without(meta, 'success')
    }
    call(() => this[kChannel].performance(this[kThreshold], String(operation), Number(durationMs), success, detailsJson(details), currentContext()))
  }

  /** A business event. */
  business (event, details) {
    call(() => this[kChannel].business(this[kThreshold], String(event), detailsJson(details), currentContext()))
  }

  /** A timer whose `done(operation, meta)` logs a performance record. */
  startTimer () {
    const start = process.hrtime.bigint()
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e6
    return {
      elapsed,
      done: (operation, meta) => {
        const ms = elapsed()
        this.performance(operation, ms, meta)
        return ms
      }
    }
  }

  /**
   * Runs `fn` (sync or async), logs a performance record for `operation`
   * with `success` and, on failure, the error; returns or rethrows.
   */
  async measure (operation, fn, meta) {
    const timer = this.startTimer()
    try {
      const result = await fn()
      timer.done(operation, { ...meta, success: true })
      return result
    } catch (err) {
      const e = err instanceof Error ? { error_type: safeString(() => err.name), error: safeString(() => err.message) } : { error: safeString(() => String(err)) }
      timer.done(operation, { ...meta, ...e, success: false })
      throw err
    }
  }

  /** `text` with this logger's masking rules applied (unchanged when masking is off). */
  mask (text) {
    return this[kNative].mask(String(text))
  }

  /** Internal: a record with the rarely used parts (tests fix `time`). */
  _logExtra (level, msg, fields, extra) {
    const num = levelNumber(level)
    call(() => this[kChannel].logExtra(num, String(msg), fields === undefined ? undefined : stringify(fields), currentContext(), extra))
  }
}

for (const [name, num] of Object.entries(METHODS)) {
  Object.defineProperty(Logger.prototype, name, { value: method(num), writable: true, configurable: true })
}

/** Samples of the Prometheus text: {name, labels, value}. */
function parsePrometheus (text) {
  const out = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) continue
    const labels = {}
    if (m[2]) {
      for (const l of m[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1')
    }
    out.push({ name: m[1], labels, value: Number(m[3]) })
  }
  return out
}

module.exports = { Logger, levelNumber, exceptionOf, METHODS, LOG, kNative, kChannel, kThreshold }
