'use strict'
// Turns the caller's object into one JSON text on the JS thread, the only
// formatting the binding does; parsing, masking and encoding happen on
// the core's writer thread. Never throws.
//
// Three tiers, one set of rules:
// 1. a flat object of strings, numbers, booleans and nulls: plain
//    `JSON.stringify` (the common case);
// 2. anything nested: `JSON.stringify` with a replacer that turns BigInt
//    into its decimal text, NaN and the infinities into "NaN",
//    "Infinity" and "-Infinity" (as the core writes non-finite floats),
//    Map into an object, Set into an array and Error into {type,
//    message, stack, code};
// 3. if that throws (a cycle, a getter or toJSON that throws): a careful
//    walk with the same conversions, "[Circular]" for a reference to an
//    ancestor and "[Throws: message]" for a value that cannot be read.
// Buffers and Dates keep their own toJSON ({type: 'Buffer', data} and the
// ISO string), as JSON.stringify, pino and Winston write them.

/** A JSON-safe description of an Error nested in the fields. */
function errorObject (e) {
  const out = { type: safeName(e), message: safeString(() => e.message) }
  const stack = safeString(() => e.stack)
  if (stack) out.stack = stack
  const code = safeGet(e, 'code')
  if (code !== undefined && code !== null) out.code = String(code)
  return out
}

function safeName (e) {
  const n = safeString(() => e.name)
  return n || 'Error'
}

function safeString (fn) {
  try {
    const v = fn()
    return v === undefined || v === null ? '' : String(v)
  } catch (err) {
    return throwsText(err)
  }
}

function safeGet (obj, key) {
  try {
    return obj[key]
  } catch {
    return undefined
  }
}

function throwsText (err) {
  let m
  try {
    m = err instanceof Error ? err.message : String(err)
  } catch {
    m = 'unknown'
  }
  return `[Throws: ${m}]`
}

function mapToObject (map) {
  const out = {}
  for (const [k, v] of map) out[typeof k === 'string' ? k : String(k)] = v
  return out
}

function replacer (_key, value) {
  switch (typeof value) {
    case 'bigint':
      return value.toString()
    case 'number':
      return value - value === 0 ? value : String(value)
    case 'object':
      if (value === null) return null
      if (value instanceof Map) return mapToObject(value)
      if (value instanceof Set) return Array.from(value)
      if (value instanceof Error) return errorObject(value)
      return value
    default:
      return value
  }
}

/** True when JSON.stringify alone writes `obj` exactly as tier 2 would. */
function isFlat (obj) {
  for (const k in obj) {
    const v = obj[k]
    const t = typeof v
    if (t === 'number' ? v - v !== 0 : t === 'object' ? v !== null : t === 'bigint' || t === 'function' || t === 'symbol') return false
  }
  return true
}

/** The JSON object text of the caller's fields. */
function stringify (obj) {
  try {
    if (isFlat(obj)) return JSON.stringify(obj)
    return JSON.stringify(obj, replacer)
  } catch {
    return careful(obj)
  }
}

// Tier 3 -------------------------------------------------------------------

/** The core cuts deeper values anyway; stopping here keeps the stack safe. */
const MAX_DEPTH = 64

function careful (root) {
  const ancestors = []
  const walk = (holder, key, value) => {
    // toJSON first, as JSON.stringify does.
    if (value !== null && (typeof value === 'object' || typeof value === 'bigint')) {
      let toJSON
      try {
        toJSON = value.toJSON
      } catch (err) {
        return throwsText(err)
      }
      if (typeof toJSON === 'function') {
        try {
          value = toJSON.call(value, key)
        } catch (err) {
          return throwsText(err)
        }
      }
    }
    value = replacer(key, value)
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value
      case 'number':
        return value
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined
      case 'object':
        break
      default:
        return String(value)
    }
    if (value === null) return null
    if (ancestors.includes(value)) return '[Circular]'
    if (ancestors.length >= MAX_DEPTH) return '[depth limit]'
    ancestors.push(value)
    try {
      if (Array.isArray(value)) {
        const out = new Array(value.length)
        for (let i = 0; i < value.length; i++) {
          let item
          try {
            item = walk(value, String(i), value[i])
          } catch (err) {
            item = throwsText(err)
          }
          out[i] = item === undefined ? null : item
        }
        return out
      }
      const out = {}
      let keys
      try {
        keys = Object.keys(value)
      } catch (err) {
        return throwsText(err)
      }
      for (const k of keys) {
        let item
        try {
          item = walk(value, k, value[k])
        } catch (err) {
          item = throwsText(err)
        }
        if (item !== undefined) out[k] = item
      }
      return out
    } finally {
      ancestors.pop()
    }
  }
  try {
    const tree = walk({ '': root }, '', root)
    if (tree === undefined) return '{}'
    // The caller's fields are an object; a root that could not be read
    // as one says why instead.
    return JSON.stringify(typeof tree === 'object' && tree !== null && !Array.isArray(tree) ? tree : { serialization_error: tree })
  } catch (err) {
    // Only reachable through a Proxy that throws on every trap.
    return JSON.stringify({ serialization_error: throwsText(err) })
  }
}

module.exports = { stringify, errorObject, careful, safeString, safeGet, throwsText }
