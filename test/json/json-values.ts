// JSON values for property tests of merge patches and checkpoints: few keys, so that patches and
// states collide often; nulls, arrays, objects and scalars at every level; `__proto__` as a key.
import fc from 'fast-check'
import { applyMergePatch } from '../../lib/json/merge-patch.ts'

export type JsonObject = Record<string, unknown>

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const key = fc.constantFrom('a', 'b', 'c', '__proto__')
const scalar = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -2, max: 2 }), fc.constantFrom('', 'x'))

const values = fc.letrec((tie) => ({
  value: fc.oneof({ maxDepth: 4, depthIdentifier: 'json' }, scalar, tie('array'), tie('object'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3, depthIdentifier: 'json' }),
  // Object.fromEntries defines `__proto__` as an own member, as JSON.parse does.
  object: fc
    .uniqueArray(fc.tuple(key, tie('value')), { selector: ([k]) => k, maxLength: 4, depthIdentifier: 'json' })
    .map((entries) => Object.fromEntries(entries) as JsonObject),
}))

/** Any JSON value. */
export const json: fc.Arbitrary<unknown> = values.value
/** A merge patch: mostly objects, sometimes anything. */
export const patch: fc.Arbitrary<unknown> = fc.oneof({ weight: 4, arbitrary: values.object }, { weight: 1, arbitrary: values.value })

export function applyAll(state: unknown, patches: readonly unknown[]): unknown {
  return patches.reduce((s, p) => applyMergePatch(s, p), state)
}

/** The value at `path`, or undefined. */
export function get(value: unknown, path: readonly string[]): unknown {
  let at = value
  for (const k of path) {
    if (!isObject(at) || !Object.hasOwn(at, k)) return undefined
    at = at[k]
  }
  return at
}

/** A copy of `value` with `v` at `path`, objects created (or replacing non-objects) on the way. */
export function put(value: unknown, path: readonly string[], v: unknown): unknown {
  if (path.length === 0) return v
  const [k, ...rest] = path as [string, ...string[]]
  const base = isObject(value) ? value : {}
  return { ...base, [k]: put(Object.hasOwn(base, k) ? base[k] : undefined, rest, v) }
}

/** Paths (the root included) at which `value` holds an object, reached through objects. */
export function objectPaths(value: unknown, prefix: readonly string[] = []): string[][] {
  if (!isObject(value)) return []
  return [[...prefix], ...Object.keys(value).flatMap((k) => objectPaths(value[k], [...prefix, k]))]
}
