'use strict'
// Nothing is lost at exit: every live native logger is flushed when the
// event loop drains (`beforeExit`) and, synchronously, in the `exit`
// handler, which also runs after `process.exit()`. Flushing blocks the JS
// thread until the core's writer has written everything queued, which is
// exactly what an exit handler needs. One pair of handlers per process
// (per worker thread, each with its own `process` events) serves every
// logger; the registry holds weak references so it keeps nothing alive.

/** Longest an exit handler waits for one logger's writer. */
const EXIT_FLUSH_MS = 30000

const live = new Set()
let installed = false

function flushAllSync () {
  for (const ref of live) {
    const logger = ref.deref()
    if (logger === undefined) {
      live.delete(ref)
      continue
    }
    if (logger.isShutDown) continue
    try {
      logger.flushSync(EXIT_FLUSH_MS)
    } catch (err) {
      // An exit handler must not throw; say what happened once.
      process.stderr.write(`logfort: flush at exit failed: ${err.message}\n`)
    }
  }
}

function install () {
  if (installed) return
  installed = true
  // Synchronous here too: scheduling async work in `beforeExit` would
  // wake the loop and emit `beforeExit` again.
  process.on('beforeExit', flushAllSync)
  process.on('exit', flushAllSync)
}

/** Adds a native logger to the set flushed at exit. */
function track (nativeLogger) {
  live.add(new WeakRef(nativeLogger))
  install()
}

module.exports = { track, flushAllSync, EXIT_FLUSH_MS }
