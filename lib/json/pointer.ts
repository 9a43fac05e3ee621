/**
 * JSON pointers (RFC 6901): `/a/b~1c/0` names a location in a JSON document. Used for
 * resource path pointers, collection keys and local `$ref`s.
 */
import { ArgumentError, ConfigError } from '../errors.ts'
import { isObject } from './values.ts'

/** The reference tokens of a pointer, unescaped. Throws an ArgumentError on a malformed pointer, saying why. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return []
  if (!pointer.startsWith('/')) throw new ArgumentError(`${JSON.stringify(pointer)} is not a JSON pointer: it must be empty or start with "/"`)
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~(?![01])/.test(token)) throw new ArgumentError(`${JSON.stringify(pointer)} is not a JSON pointer: "~" must be followed by 0 or 1 (in ${JSON.stringify(token)})`)
      return token.replace(/~1/g, '/').replace(/~0/g, '~')
    })
}

/** A reference token escaped for a pointer. */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1')
}

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/

/** The value at parsed pointer tokens: an object's own property, an array's index within bounds. */
export function locate(document: unknown, tokens: readonly string[]): { found: boolean; value?: unknown } {
  let value = document
  for (const token of tokens) {
    if (Array.isArray(value)) {
      if (!ARRAY_INDEX.test(token) || Number(token) >= value.length) return { found: false }
      value = value[Number(token)]
    } else if (isObject(value) && Object.hasOwn(value, token)) {
      value = value[token]
    } else {
      return { found: false }
    }
  }
  return { found: true, value }
}

/** The value at `pointer` in `document`; undefined when there is none. Throws an ArgumentError on a malformed pointer. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  return locate(document, parsePointer(pointer)).value
}

/**
 * The values at `pointers` in `document`, each as a string (a string as it is, any other value
 * as its JSON): how a resource path is made from a connector's `resourcePathPointers`. Throws a
 * ConfigError, prefixed with `where`, naming a pointer with no value.
 */
export function stringsAtPointers(document: unknown, pointers: readonly string[], where: string): string[] {
  return pointers.map((pointer) => {
    const value = resolvePointer(document, pointer)
    if (value === undefined) throw new ConfigError(`${where}: the resource config has no value at resource path pointer ${pointer}`)
    return typeof value === 'string' ? value : JSON.stringify(value)
  })
}

/** Resource paths, one per binding, must differ: a ConfigError names the first two bindings that share one. */
export function checkDistinctPaths(paths: readonly (readonly string[])[]): void {
  const seen = new Map<string, number>()
  paths.forEach((path, index) => {
    const key = JSON.stringify(path)
    const other = seen.get(key)
    if (other !== undefined) throw new ConfigError(`bindings ${other} and ${index} have the same resource path ${key}`)
    seen.set(key, index)
  })
}
