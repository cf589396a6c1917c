// Types of the `logfort` package (the JS API in lib/, not the raw addon).

import TransportStream = require('winston-transport')

export type LevelName = 'trace' | 'debug' | 'info' | 'notice' | 'warn' | 'warning' | 'error' | 'fatal' | 'critical'
export type Level = LevelName | number

/** A sink of the core configuration (DESIGN.md); keys in any spelling. */
export interface SinkConfig {
  type: 'stdout' | 'stderr' | 'file' | string
  path?: string
  minLevel?: Level
  min_level?: Level
  format?: string
  [key: string]: unknown
}

/**
 * The DESIGN.md configuration document, JS spelling. `LOG_CONFIG` and the
 * `LOG_*` environment variables apply on top. Unknown keys are errors.
 */
export interface LoggerConfig {
  /** The record's `logger` (default `root`). */
  name?: string
  level?: Level
  format?: string
  service?: string
  environment?: string
  version?: string
  includeCorrelationId?: boolean
  mask?: { enabled?: boolean, keys?: string[], rules?: Array<{ name: string, pattern: string, replace?: string }>, [key: string]: unknown }
  schema?: { policy?: 'annotate' | 'drop' | 'strict' | string, [key: string]: unknown }
  performance?: { enabled?: boolean, warnMs?: number, errorMs?: number, operations?: Record<string, { warnMs?: number, errorMs?: number }>, [key: string]: unknown }
  audit?: { enabled?: boolean, [key: string]: unknown }
  queue?: { capacity?: number, overflow?: 'block' | 'drop' }
  sinks?: SinkConfig[]
  [key: string]: unknown
}

/** An error thrown by logfort: `code` is LOGFORT_CONFIG, LOGFORT_TIMEOUT, ... */
export interface LogfortError extends Error {
  code: 'LOGFORT_CONFIG' | 'LOGFORT_SCHEMA' | 'LOGFORT_SHUTDOWN' | 'LOGFORT_TIMEOUT' | 'LOGFORT_IO' | 'LOGFORT_NO_ADDON'
}

export interface LogFn {
  (msg: string, ...args: unknown[]): void
  (obj: object | Error, msg?: string, ...args: unknown[]): void
  (value: unknown, ...args: unknown[]): void
}

export interface MetricSample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Metrics {
  /** Prometheus text exposition format. */
  text: string
  samples: MetricSample[]
}

export interface Timer {
  /** Milliseconds since `startTimer()`. */
  elapsed(): number
  /** Logs a performance record for `operation` and returns its duration. */
  done(operation: string, meta?: Record<string, unknown>): number
}

export interface AuditEvent {
  action: string
  resourceType: string
  resourceId: string
  userId?: string
  result?: string
  details?: Record<string, unknown>
}

export interface SecurityEvent {
  severity?: 'info' | 'warning' | 'critical' | string
  clientIp?: string
  userId?: string
  details?: Record<string, unknown>
}

export class Logger {
  constructor(config?: LoggerConfig)
  readonly name: string
  /** pino spelling; assign a name or a number on the shared scale. */
  level: LevelName | string
  readonly levelValue: number
  trace: LogFn
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
  /** Logs at CRITICAL and blocks until the record is written. */
  fatal: LogFn
  isLevelEnabled(level: Level): boolean
  child(bindings?: Record<string, unknown>, options?: { name?: string, level?: Level }): Logger
  bindings(): Record<string, unknown>
  audit(event: AuditEvent): void
  audit(action: string, resourceType: string, resourceId: string, options?: Omit<AuditEvent, 'action' | 'resourceType' | 'resourceId'>): void
  performance(operation: string, durationMs: number, meta?: Record<string, unknown> & { success?: boolean }): void
  security(event: string, options?: SecurityEvent): void
  business(event: string, details?: Record<string, unknown>): void
  startTimer(): Timer
  /** Runs `fn`, logs its duration (success or failure) and returns its result. */
  measure<T>(operation: string, fn: () => T | Promise<T>, meta?: Record<string, unknown>): Promise<T>
  /** The text with this logger's masking rules applied. */
  mask(text: string): string
  flush(timeoutMs?: number): Promise<void>
  flushSync(timeoutMs?: number): void
  /** Writes what is queued and stops the writer (for every child too). */
  close(timeoutMs?: number): void
  metrics(): Metrics
}

export interface TransportOptions extends TransportStream.TransportStreamOptions {
  filename?: string
  dirname?: string
  maxsize?: number
  maxFiles?: number
  zippedArchive?: boolean
  console?: boolean
  stream?: 'stdout' | 'stderr'
  /** A full core document; its sinks replace the file/console options. */
  config?: LoggerConfig
  /** Share an existing Logger's core. */
  logger?: Logger
  /** The record's `logger` when the info has no `logger` or `service`. */
  name?: string
  transportName?: string
}

export class LogfortTransport extends TransportStream {
  constructor(options?: TransportOptions)
  log(info: any, callback: () => void): void
  flush(timeoutMs?: number): Promise<void>
  flushSync(timeoutMs?: number): void
  close(): void
}

export interface ContextFields {
  correlation_id?: string | null
  request_id?: string | null
  trace_id?: string | null
  span_id?: string | null
  user_id?: string | null
  session_id?: string | null
  traceparent?: string | null
  [field: string]: unknown
}

export const context: {
  run<R, A extends unknown[]>(fields: ContextFields, fn: (...args: A) => R, ...args: A): R
  get(): Readonly<Record<string, unknown>> | undefined
  correlationId(): string | undefined
}

export interface MiddlewareOptions {
  /** Correlation header name (default X-Correlation-ID). */
  header?: string
  /** Echo the correlation id on the response (default true). */
  echo?: boolean
}

export const middleware: {
  express(options?: MiddlewareOptions): (req: any, res: any, next: (err?: unknown) => void) => void
  fastify: ((instance: any, options: MiddlewareOptions, done: (err?: Error) => void) => void)
}

/** The text with the default masking rules applied. */
export function mask(text: string): string
/** Flushes every live logger now, blocking (what the exit hook does). */
export function flushAllSync(): void
export const version: string
