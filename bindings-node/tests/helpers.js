'use strict'
// Shared by the tests: temporary directories and reading JSON lines.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

function tmpdir (t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logfort-node-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

function lines (file) {
  if (!fs.existsSync(file)) return []
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '')
}

function records (file) {
  return lines(file).map((l) => JSON.parse(l))
}

/** A logger writing to `<dir>/<name>`, and a reader of that file. */
function fileLogger (t, options = {}) {
  const { Logger } = require('..')
  const dir = tmpdir(t)
  const file = path.join(dir, options.file ?? 'out.log')
  const { file: _f, ...rest } = options
  const logger = new Logger({ sinks: [{ type: 'file', path: file }], ...rest })
  t.after(() => logger.close())
  const read = () => {
    logger.flushSync()
    return records(file)
  }
  return { logger, file, dir, read }
}

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/

/**
 * The record without what every record carries (its timestamp, checked
 * for format, and the schema version stamp, the schema suite's concern).
 */
function stripTime (assert, rec) {
  assert.match(rec.timestamp, TIMESTAMP)
  const { timestamp: _t, schema_version: _s, ...rest } = rec
  return rest
}

module.exports = { tmpdir, lines, records, fileLogger, stripTime, TIMESTAMP }
