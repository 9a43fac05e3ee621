/**
 * The total order Flow puts on JSON values, used to order keys and to compare values under the
 * `minimize`, `maximize`, `merge` and `set` reduction strategies.
 *
 * Values of different kinds order null < booleans < numbers < strings < arrays < objects; false
 * orders before true; numbers by value (an integer and a float of the same value are equal);
 * strings by Unicode code point, which is the order of their UTF-8 bytes; arrays item by item,
 * a prefix first; objects member by member in the order of their sorted property names,
 * comparing each name and then its value, a prefix first.
 */
import { isObject } from './values.ts'

/**
 * Compares two strings by Unicode code point (the byte order of their UTF-8 encodings), where
 * JavaScript's `<` compares UTF-16 code units: the two differ only where a surrogate (a
 * character above U+FFFF) meets a code unit in U+E000–U+FFFF.
 */
export function compareStrings(a: string, b: string): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

/** Moves surrogates above U+E000–U+FFFF, keeping each group's own order. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000
  if (unit >= 0xe000) return unit - 0x800
  return unit
}

/** Negative, zero or positive as `a` orders before, with or after `b` in Flow's order. */
export function compareJson(a: unknown, b: unknown): number {
  const kind = rank(a) - rank(b)
  if (kind !== 0) return Math.sign(kind)
  if (typeof a === 'boolean') return Number(a) - Number(b as boolean)
  if (typeof a === 'number' || typeof a === 'bigint') return compareNumbers(a, b as number | bigint)
  if (typeof a === 'string') return Math.sign(compareStrings(a, b as string))
  if (Array.isArray(a)) return compareArrays(a, b as unknown[])
  if (isObject(a) && isObject(b)) return compareObjects(a, b)
  return 0
}

function rank(value: unknown): number {
  if (value === null) return 0
  switch (typeof value) {
    case 'boolean':
      return 1
    case 'number':
    case 'bigint':
      return 2
    case 'string':
      return 3
    case 'object':
      return Array.isArray(value) ? 4 : 5
    default:
      return -1
  }
}

function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (a < b) return -1
  return a > b ? 1 : 0
}

function compareArrays(a: readonly unknown[], b: readonly unknown[]): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const order = compareJson(a[i], b[i])
    if (order !== 0) return order
  }
  return Math.sign(a.length - b.length)
}

function compareObjects(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const left = sortedKeys(a)
  const right = sortedKeys(b)
  const length = Math.min(left.length, right.length)
  for (let i = 0; i < length; i++) {
    const l = left[i] as string
    const r = right[i] as string
    const order = l === r ? compareJson(a[l], b[r]) : Math.sign(compareStrings(l, r))
    if (order !== 0) return order
  }
  return Math.sign(left.length - right.length)
}

/** An object's own property names (those with a defined value) in code point order. */
export function sortedKeys(object: Record<string, unknown>): string[] {
  return Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort(compareStrings)
}
