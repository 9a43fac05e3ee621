/**
 * Small helpers for JSON values as JSON.parse makes them: an object is a non-null, non-array
 * object, and an own `__proto__` member is an ordinary member.
 */

export type JsonObject = Record<string, unknown>

/** True for a JSON object: not null, not an array. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const hasOwn = Object.prototype.hasOwnProperty

/** The own member `key` of `object`, or undefined when it has none. */
export function member(object: JsonObject, key: string): unknown {
  return hasOwn.call(object, key) ? object[key] : undefined
}

/** True when `object` has an own member `key`. */
export function hasMember(object: JsonObject, key: string): boolean {
  return hasOwn.call(object, key)
}

/** Sets an own member, also for the key `__proto__` (plain assignment would set the prototype). */
export function setMember(object: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
  } else {
    object[key] = value
  }
}

/** A short description of a value for an error message: its kind, and a scalar's value. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
    case 'number':
    case 'boolean':
    case 'bigint':
      return `the ${typeof value} ${String(value)}`
    case 'undefined':
      return 'undefined'
    case 'object':
      return 'an object'
    default:
      return `a ${typeof value}`
  }
}
