'use strict'
// The DESIGN.md benchmark workload through logfort and its Node peers, in
// one run: each contender runs in its own child process (fresh heap, its
// own writer threads), rounds interleave the contenders so that drift on
// a shared machine hits them alike, and the median round counts.
//
// Workload: INFO, logger `app.auth`, the message below, five fields, a
// correlation id bound in context, written to a file. Throughput is end
// to end: the clock stops when the file holds every line. Caller-side
// latency (p50/p99/p99.9) is measured in a separate, shorter pass so that
// timing each call does not slow the throughput pass.
//
//   node bench.js [--records N] [--rounds R] [--only name,name]

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const MESSAGE = 'login failed {"password": "hunter2"} for alice@example.com card 4111-1111-1111-1111'
const FIELDS = () => ({
  user_id: 'u-123',
  client_ip: '192.168.1.1',
  duration_ms: 12.5,
  request_path: '/api/v1/login',
  api_key: 'sk-live-abcdef'
})
const CORRELATION_ID = 'req-7f3a9c2e-bench'

// The masking a team writes by hand for pino and Winston: the same
// secrets logfort masks by default (JSON password, e-mail, card number,
// API keys, sensitive keys).
const PATTERNS = [
  [/("password"\s*:\s*")[^"]*(")/gi, '$1[REDACTED]$2'],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[EMAIL]'],
  [/\b(?:\d[ -]?){12,18}\d\b/g, '[CARD]'],
  [/\bsk-(?:live|test)-[A-Za-z0-9]+/g, '[API_KEY]']
]
const SENSITIVE_KEYS = new Set(['password', 'api_key', 'apikey', 'token', 'secret', 'authorization'])
function maskText (s) {
  for (const [re, to] of PATTERNS) s = s.replace(re, to)
  return s
}

const LOGFORT = path.join(__dirname, '..', '..', 'bindings-node')

/** Each contender: setup(file) → {log(), done(): Promise}. */
const CONTENDERS = {
  'logfort Logger (masking)': (file) => {
    const { Logger, context } = require(LOGFORT)
    const logger = new Logger({ name: 'app.auth', mask: { enabled: true }, sinks: [{ type: 'file', path: file }] })
    return {
      scope: (fn) => context.run({ correlation_id: CORRELATION_ID }, fn),
      log: () => logger.info(FIELDS(), MESSAGE),
      done: () => logger.flush()
    }
  },
  'winston + LogfortTransport (masking)': (file) => {
    const winston = require('winston')
    const { LogfortTransport, context } = require(LOGFORT)
    const transport = new LogfortTransport({ filename: file, name: 'app.auth', config: { mask: { enabled: true }, sinks: [{ type: 'file', path: file }] } })
    const logger = winston.createLogger({ level: 'info', format: winston.format.json(), transports: [transport] })
    return {
      scope: (fn) => context.run({ correlation_id: CORRELATION_ID }, fn),
      log: () => logger.info(MESSAGE, FIELDS()),
      done: () => transport.flush()
    }
  },
  'pino (sync, no masking)': (file) => {
    const pino = require('pino')
    const logger = pino({ name: 'app.auth' }, pino.destination({ dest: file, sync: true }))
    const child = logger.child({ correlation_id: CORRELATION_ID })
    return { log: () => child.info(FIELDS(), MESSAGE), done: async () => {} }
  },
  'pino (redact + message hook)': (file) => {
    const pino = require('pino')
    const logger = pino({
      name: 'app.auth',
      redact: ['api_key', 'password', 'token', 'secret', '*.password', '*.api_key'],
      hooks: {
        logMethod (args, method) {
          for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = maskText(args[i])
          return method.apply(this, args)
        }
      }
    }, pino.destination({ dest: file, sync: true }))
    const child = logger.child({ correlation_id: CORRELATION_ID })
    return { log: () => child.info(FIELDS(), MESSAGE), done: async () => {} }
  },
  'winston File + json': (file) => winstonFile(file, false),
  'winston File + masking format': (file) => winstonFile(file, true)
}

function winstonFile (file, masking) {
  const winston = require('winston')
  const maskFormat = winston.format((info) => {
    if (typeof info.message === 'string') info.message = maskText(info.message)
    for (const k of Object.keys(info)) {
      if (SENSITIVE_KEYS.has(k.toLowerCase())) info[k] = '[REDACTED]'
      else if (typeof info[k] === 'string' && k !== 'level' && k !== 'message') info[k] = maskText(info[k])
    }
    return info
  })
  const format = masking ? winston.format.combine(maskFormat(), winston.format.json()) : winston.format.json()
  const logger = winston.createLogger({
    level: 'info',
    format,
    defaultMeta: { logger: 'app.auth' },
    transports: [new winston.transports.File({ filename: file })]
  }).child({ correlation_id: CORRELATION_ID })
  return {
    log: () => logger.info(MESSAGE, FIELDS()),
    // The File transport writes through a stream; waitForLines is the end.
    done: async () => {}
  }
}

/** Waits until `file` holds `n` lines, reading only the bytes added. */
async function waitForLines (file, n) {
  let offset = 0
  let lines = 0
  const buf = Buffer.allocUnsafe(1 << 20)
  for (;;) {
    if (fs.existsSync(file)) {
      const fd = fs.openSync(file, 'r')
      try {
        for (;;) {
          const got = fs.readSync(fd, buf, 0, buf.length, offset)
          if (got === 0) break
          offset += got
          const view = buf.subarray(0, got)
          for (let i = view.indexOf(10); i !== -1; i = view.indexOf(10, i + 1)) lines++
        }
      } finally {
        fs.closeSync(fd)
      }
      if (lines >= n) return
    }
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

function quantile (sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

/** One contender, in this (child) process. Prints one JSON line. */
async function runOne (name, records, latencyRecords) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logfort-bench-'))
  try {
    // Throughput pass.
    const file = path.join(dir, 'throughput.log')
    const c = CONTENDERS[name](file)
    const scope = c.scope ?? ((fn) => fn())
    for (let i = 0; i < 2000; i++) scope(c.log) // warm-up, counted in the file
    await c.done()
    await waitForLines(file, 2000)
    const t0 = process.hrtime.bigint()
    await scope(async () => {
      for (let i = 0; i < records; i++) c.log()
    })
    await c.done()
    await waitForLines(file, records + 2000)
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    const sample = fs.readFileSync(file, 'utf8').split('\n')[2000]

    // Latency pass: a fresh instance, each call timed.
    const lfile = path.join(dir, 'latency.log')
    const l = CONTENDERS[name](lfile)
    const lscope = l.scope ?? ((fn) => fn())
    const lat = new Float64Array(latencyRecords)
    lscope(() => {
      for (let i = 0; i < latencyRecords; i++) {
        const s = process.hrtime.bigint()
        l.log()
        lat[i] = Number(process.hrtime.bigint() - s)
      }
    })
    await l.done()
    lat.sort()
    process.stdout.write(JSON.stringify({
      name,
      rate: records / seconds,
      p50: quantile(lat, 0.5),
      p99: quantile(lat, 0.99),
      p999: quantile(lat, 0.999),
      sample
    }) + '\n')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function median (xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

function arg (flag, fallback) {
  const i = process.argv.indexOf(flag)
  return i === -1 ? fallback : process.argv[i + 1]
}

async function main () {
  const one = arg('--one')
  const records = Number(arg('--records', 200000))
  const latencyRecords = Number(arg('--latency-records', 50000))
  if (one) return runOne(one, records, latencyRecords)
  const rounds = Number(arg('--rounds', 3))
  const only = arg('--only')
  const names = Object.keys(CONTENDERS).filter((n) => !only || only.split(',').some((o) => n.includes(o)))
  const results = new Map(names.map((n) => [n, []]))
  console.log(`Node ${process.version}, ${os.cpus().length} CPUs; ${records} records per run, ${rounds} rounds (median), latency over ${latencyRecords} calls`)
  console.log(`workload: INFO app.auth "${MESSAGE}" + 5 fields, correlation id in context, to a file`)
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const out = execFileSync(process.execPath, [__filename, '--one', name, '--records', String(records), '--latency-records', String(latencyRecords)], { encoding: 'utf8', maxBuffer: 1 << 26 })
      results.get(name).push(JSON.parse(out.trim().split('\n').pop()))
    }
  }
  const row = (name) => {
    const rs = results.get(name)
    return { name, rate: median(rs.map((x) => x.rate)), p50: median(rs.map((x) => x.p50)), p99: median(rs.map((x) => x.p99)), p999: median(rs.map((x) => x.p999)), sample: rs[0].sample }
  }
  const rows = names.map(row)
  const pad = (s, n) => String(s).padEnd(n)
  console.log('')
  console.log(pad('contender', 40) + pad('records/s', 12) + pad('p50 ns', 9) + pad('p99 ns', 9) + 'p99.9 ns')
  for (const r of rows) {
    console.log(pad(r.name, 40) + pad(Math.round(r.rate), 12) + pad(Math.round(r.p50), 9) + pad(Math.round(r.p99), 9) + Math.round(r.p999))
  }
  const rate = (n) => rows.find((r) => r.name === n)?.rate
  const ratio = (a, b, target) => {
    if (rate(a) === undefined || rate(b) === undefined) return
    const x = rate(a) / rate(b)
    console.log(`${pad(`${a} / ${b}`, 78)} ${x.toFixed(2)}x${target ? ` (target ≥ ${target}x: ${x >= target ? 'met' : 'NOT met'})` : ''}`)
  }
  console.log('')
  ratio('logfort Logger (masking)', 'pino (sync, no masking)', 2)
  ratio('logfort Logger (masking)', 'pino (redact + message hook)')
  ratio('winston + LogfortTransport (masking)', 'winston File + masking format', 2)
  ratio('winston + LogfortTransport (masking)', 'winston File + json')
  console.log('\nsample lines (is the secret masked?):')
  for (const r of rows) console.log(`  ${r.name}: ${r.sample}`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
