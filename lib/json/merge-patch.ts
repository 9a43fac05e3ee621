/**
 * JSON merge patches (RFC 7396): applying one, and composing two into one where that is
 * possible. Connector state updates are merge patches, so checkpoints can be merged only as far
 * as their patches compose.
 *
 * Both functions treat their inputs as JSON values: an object is a non-null, non-array object;
 * a member whose value is `undefined` counts as absent (JSON.stringify drops it); an own
 * `__proto__` member (which JSON.parse creates) is an ordinary member. Neither mutates its
 * inputs, and neither copies more than it must: a result may share unchanged members (objects,
 * arrays, scalars) with its inputs, so treat results as immutable too.
 */

import { hasMember, isObject, member, setMember, type JsonObject } from './values.ts'

/**
 * Applies `patch` to `target` as RFC 7396 defines it and returns the result: a patch that is not
 * an object replaces the target whole; an object patch turns a non-object target into `{}`, then
 * removes the members it sets to null and merges each other member recursively. Objects in the
 * result that differ from the target's are new; the inputs are left as they were.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch
  const result: JsonObject = isObject(target) ? { ...target } : {}
  for (const key of Object.keys(patch)) {
    const value = patch[key]
    if (value === undefined) continue
    if (value === null) {
      if (hasMember(result, key)) delete result[key]
    } else {
      setMember(result, key, applyMergePatch(member(result, key), value))
    }
  }
  return result
}

/**
 * Composes two merge patches: returns `{ patch: c }` such that, for every JSON value `s`,
 * `applyMergePatch(applyMergePatch(s, a), b)` deep-equals `applyMergePatch(s, c)`; or undefined
 * when no merge patch has that effect on every `s`.
 *
 * The rules, and why they are exact:
 * - `b` not an object: applying `b` yields `b` whatever came before, so c = b.
 * - `b` an object, `a` not: the result is always `b` applied to `{}` (a fresh object), but a
 *   merge patch that yields an object keeps the members of `s` it does not name, and a patch
 *   names finitely many: no c exists.
 * - both objects: members are independent, so c is `a` with each member of `b` composed in:
 *   a member only in `a` keeps a's value; a member of `b` that is null, a scalar or an array
 *   replaces a's (its effect does not depend on what came before); an object member of `b`
 *   over a member absent from `a` is taken as is; over an object member of `a` the two compose
 *   recursively (and if they cannot, neither can `a` and `b`); over a null, scalar or array
 *   member of `a` it would again build a fresh object at that key, which no patch can express.
 * So the composition fails exactly when, at some path reached through objects in both, `a`
 * holds a non-object (a deletion included) and `b` an object.
 */
export function composeMergePatches(a: unknown, b: unknown): { patch: unknown } | undefined {
  if (!isObject(b)) return { patch: b }
  if (!isObject(a)) return undefined
  const patch = composeObjects(a, b)
  return patch === undefined ? undefined : { patch }
}

function composeObjects(a: JsonObject, b: JsonObject): JsonObject | undefined {
  const result: JsonObject = { ...a }
  for (const key of Object.keys(b)) {
    const later = b[key]
    if (later === undefined) continue
    if (!isObject(later)) {
      setMember(result, key, later)
      continue
    }
    const earlier = member(a, key)
    if (earlier === undefined) {
      setMember(result, key, later)
    } else if (isObject(earlier)) {
      const composed = composeObjects(earlier, later)
      if (composed === undefined) return undefined
      setMember(result, key, composed)
    } else {
      return undefined
    }
  }
  return result
}
