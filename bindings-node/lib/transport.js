'use strict'
// `LogfortTransport`: a Winston transport that hands each `info` to the
// logfort core. Winston keeps its levels, `defaultMeta`, child loggers and
// formats upstream; masking, encoding and I/O happen in the core, off the
// JS thread. It replaces `transports.File` one for one (same option names)
// and `transports.Console` (`{console: true}`, the default without a file).

const Transport = require('winston-transport')
const native = require('./native')
const { call, mapError } = require('./errors')
const { stringify, safeString, throwsText } = require('./serialize')
const { currentHandle, currentContext } = require('./context')
const lifecycle = require('./lifecycle')
const { Logger, exceptionOf, kNative, LOG } = require('./logger')

const LEVEL = Symbol.for('level')
const levelCache = new Map()

/** Winston level name → shared scale, by the core's one mapping. */
function levelOf (name) {
  let n = levelCache.get(name)
  if (n === undefined) {
    n = native.levelFromWinston(String(name)) ?? native.parseLevel(String(name)) ?? -1
    levelCache.set(name, n)
  }
  return n
}

/** The core document for Winston File/Console options. */
function documentFor (opts) {
  const doc = opts.config ? { ...opts.config } : {}
  if (doc.level === undefined) doc.level = 'trace' // Winston filters first
  if (doc.sinks === undefined) {
    const sinks = []
    if (opts.filename !== undefined) {
      const path = opts.dirname ? require('node:path').join(opts.dirname, opts.filename) : String(opts.filename)
      const sink = { type: 'file', path }
      // As in Winston, maxFiles and zippedArchive only matter with maxsize.
      if (opts.maxsize !== undefined) {
        sink.max_bytes = opts.maxsize
        if (opts.maxFiles !== undefined) sink.backups = opts.maxFiles
        if (opts.zippedArchive !== undefined) sink.compress = opts.zippedArchive
      }
      sinks.push(sink)
    }
    if (opts.console === true || opts.stream === 'stdout') sinks.push({ type: 'stdout' })
    if (opts.stream === 'stderr') sinks.push({ type: 'stderr' })
    if (sinks.length === 0) sinks.push({ type: 'stdout' })
    doc.sinks = sinks
  }
  return doc
}

class LogfortTransport extends Transport {
  /**
   * @param {object} [opts] Winston transport options (`level`, `format`,
   *   `silent`, `handleExceptions`), Winston File options (`filename`,
   *   `dirname`, `maxsize`, `maxFiles`, `zippedArchive`), `console: true`
   *   or `stream: 'stdout'|'stderr'`; `config`: a full logfort document
   *   (its sinks replace the file/console options); `logger`: an existing
   *   logfort `Logger` to share; `name`: the record's `logger` when the
   *   info has no `logger` or `service` (default `winston`).
   */
  constructor (opts = {}) {
    super(opts)
    this.name = opts.transportName ?? 'logfort'
    let nat
    if (opts.logger instanceof Logger) {
      nat = opts.logger[kNative]
    } else {
      nat = call(() => new native.NativeLogger(JSON.stringify(documentFor(opts))))
      lifecycle.track(nat)
    }
    this._native = nat
    this._defaultName = opts.name ?? 'winston'
    this._channels = new Map()
  }

  /** One channel per logger name (Winston's `service` meta, usually). */
  _channel (name) {
    let ch = this._channels.get(name)
    if (ch === undefined) {
      const channel = new native.Channel(this._native, name, undefined)
      ch = { channel, handle: channel.handle() }
      this._channels.set(name, ch)
    }
    return ch
  }

  log (info, callback) {
    try {
      this._record(info)
    } catch (err) {
      if (err?.code === 'LOGFORT_SCHEMA' || String(err?.message).startsWith('LOGFORT_SCHEMA: ')) {
        // Policy `strict`: the violation surfaces as a transport warning.
        this.emit('warn', mapError(err))
      } else {
        // A hostile info (a getter that throws): write what can be read.
        this._fallback(info, err)
      }
    }
    if (this.listenerCount('logged') > 0) this.emit('logged', info)
    callback()
  }

  _record (info) {
    const levelName = info[LEVEL] ?? info.level
    let level = levelOf(levelName)
    const fields = {}
    let any = false
    let name = this._defaultName
    let exception
    let stackUsed = false
    if (info instanceof Error) {
      exception = exceptionOf(info)
      stackUsed = true
    } else if (typeof info.stack === 'string') {
      const type = typeof info.name === 'string' ? info.name : 'Error'
      const code = info.code
      exception = { type, message: safeString(() => info.message), traceback: info.stack, code: code === undefined || code === null ? undefined : String(code) }
      stackUsed = true
    }
    let flat = true
    for (const k in info) {
      if (k === 'level' || k === 'message') continue
      const v = info[k]
      if (k === 'service' || k === 'logger') {
        if (typeof v === 'string' && (k === 'logger' || name === this._defaultName)) {
          name = v
          continue
        }
      } else if (k === 'timestamp' && typeof v === 'string') {
        continue // the record has its own timestamp
      } else if (stackUsed && (k === 'stack' || k === 'name' || k === 'code')) {
        continue
      }
      fields[k] = v
      any = true
      // The serializer's flatness test, done here in the same pass.
      const t = typeof v
      if (t === 'number' ? v - v !== 0 : t === 'object' ? v !== null : t === 'bigint' || t === 'function' || t === 'symbol') flat = false
    }
    if (level < 0) {
      fields.level_name = String(levelName)
      any = true
      level = 20
    }
    const m = info.message
    const msg = typeof m === 'string' ? m : m === undefined || m === null ? '' : safeString(() => typeof m === 'object' ? stringify(m) : String(m))
    const json = !any ? undefined : flat ? JSON.stringify(fields) : stringify(fields)
    const ch = this._channel(name)
    if (exception === undefined) LOG(ch.handle, level, msg, json, currentHandle())
    else ch.channel.logExtra(level, msg, json, currentContext(), { exception })
  }

  _fallback (info, err) {
    let level = 20
    let msg = ''
    try {
      level = levelOf(info[LEVEL] ?? info.level)
      if (level < 0) level = 20
    } catch {}
    try {
      msg = String(info.message)
    } catch {}
    const ch = this._channel(this._defaultName)
    LOG(ch.handle, level, msg, JSON.stringify({ logging_error: throwsText(err) }), currentHandle())
  }

  /** Resolves once everything logged so far is written. */
  flush (timeoutMs) {
    return this._native.flush(timeoutMs).catch((err) => { throw mapError(err) })
  }

  flushSync (timeoutMs) {
    call(() => this._native.flushSync(timeoutMs))
  }

  /**
   * Winston calls this when the transport is removed or the logger is
   * closed: everything queued is written before it returns. The core
   * stays open (a shared `logger` may still be in use).
   */
  close () {
    try {
      this._native.flushSync()
    } catch (err) {
      this.emit('warn', mapError(err))
    }
  }
}

module.exports = { LogfortTransport, documentFor }
