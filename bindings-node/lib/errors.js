'use strict'
// The native side reports core errors as `CODE: message`; JS callers get
// the message and `err.code` (LOGFORT_CONFIG, LOGFORT_TIMEOUT, ...).

const PREFIX = /^(LOGFORT_[A-Z_]+): /

function mapError (err) {
  if (err instanceof Error && typeof err.message === 'string') {
    const m = PREFIX.exec(err.message)
    if (m) {
      err.message = err.message.slice(m[0].length)
      err.code = m[1]
    }
  }
  return err
}

/** Calls `fn`, rethrowing a native error with its `code`. */
function call (fn) {
  try {
    return fn()
  } catch (err) {
    throw mapError(err)
  }
}

module.exports = { mapError, call }
