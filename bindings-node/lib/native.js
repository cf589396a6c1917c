'use strict'
// Loads the addon `napi build --platform --release` left beside this
// package (logfort.<platform>-<arch>[-<abi>].node).
const { existsSync } = require('node:fs')
const { join } = require('node:path')

function candidates () {
  const { platform, arch } = process
  if (platform === 'linux') {
    const glibc = process.report?.getReport?.().header?.glibcVersionRuntime
    return glibc ? [`linux-${arch}-gnu`, `linux-${arch}-musl`] : [`linux-${arch}-musl`, `linux-${arch}-gnu`]
  }
  if (platform === 'darwin') return [`darwin-${arch}`, 'darwin-universal']
  if (platform === 'win32') return [`win32-${arch}-msvc`, `win32-${arch}-gnu`]
  return [`${platform}-${arch}`]
}

function load () {
  const root = join(__dirname, '..')
  const override = process.env.LOGFORT_NATIVE
  const tried = override ? [override] : candidates().map((c) => join(root, `logfort.${c}.node`))
  for (const file of tried) {
    if (existsSync(file)) return require(file)
  }
  const err = new Error(
    `logfort: no native addon for ${process.platform}-${process.arch} (looked for ${tried.join(', ')}); ` +
    `build it with \`npm run build\` in ${root} (needs cargo)`
  )
  err.code = 'LOGFORT_NO_ADDON'
  throw err
}

module.exports = load()
