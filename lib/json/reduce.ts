/**
 * Flow's reductions: documents with the same key combined into one, as the `reduce`
 * annotations of a collection's JSON schema say, the way Flow's runtime combines them before it
 * writes a collection, materializes it, or derives from it.
 *
 * Facts this follows (from Estuary Flow's reduction-strategy documentation and its `doc` crate,
 * `crates/doc/src/reduce/`):
 * - Reducing takes a left-hand side (LHS, the earlier document) and a right-hand side (RHS, the
 *   later one). Each location takes its strategy from the `reduce` annotations of the schemas
 *   that apply there when the RHS is validated; with none, `lastWriteWins`.
 * - Reductions must be associative, not commutative: Flow combines documents of a transaction in
 *   any grouping, then reduces the result into a base document. A *full* reduction is one into
 *   the base (the left-most document); only then are deletions applied and may
 *   non-associative steps happen. An *associative* (partial) reduction refuses them instead,
 *   and Flow keeps both documents until a full reduction; here it is a ReduceError
 *   (REDUCE_NOT_ASSOCIATIVE).
 * - A location the RHS has and the LHS lacks is reduced with no LHS: most strategies take the
 *   RHS; `sum` adds it to 0. A location only the LHS has is kept.
 * - `lastWriteWins {delete?, associative?}`: the RHS. `delete: true` removes the location in a
 *   full reduction. `associative: false` refuses, in an associative reduction, an RHS that
 *   differs from the LHS.
 * - `firstWriteWins`: the LHS.
 * - `append`: the RHS must be an array; its items follow the LHS's. An LHS of null stays null.
 * - `sum`: numbers add. Strings that spell decimal numbers add exactly and the sum is written as
 *   a string (Flow adds them with arbitrary precision; a number added to one is read from its
 *   shortest text, so 0.1 is one tenth). Anything else is REDUCE_WRONG_TYPE; a sum that is not
 *   finite, REDUCE_OVERFLOW. Numbers here are IEEE doubles, as JSON.parse gives them: integer
 *   sums are exact up to 2^53 and round beyond (Flow's 64-bit integer overflow has no
 *   counterpart).
 * - `minimize`/`maximize {key?}`: the lesser / greater under Flow's JSON order (see
 *   compare.ts), comparing the values at the `key` pointers (relative to the location; a
 *   pointer with no value orders first) or, with no key, the whole values. Equal values without
 *   a key take the RHS; equal keys deep-merge the two; a winning RHS with a key is taken as
 *   merged into nothing.
 * - `merge {key?, delete?}`: objects merge property by property, each reduced by its own
 *   strategy, in sorted property order. Arrays merge item by item at equal indexes, or, with
 *   `key`, as sorted lists joined on the key pointers (both sides must be sorted and
 *   de-duplicated by it; `[""]` orders scalars by value). An RHS scalar is REDUCE_WRONG_TYPE. An
 *   object or array RHS over a different LHS replaces it in a full reduction (its own
 *   locations reduced with no LHS) and is REDUCE_NOT_ASSOCIATIVE otherwise; a null LHS too
 *   (Flow's documentation still calls a null LHS a no-op for `merge`; its current source
 *   treats it as above, which this follows). `delete: true` removes the location in a full
 *   reduction.
 * - `set {key?}`: see reduce-set.ts.
 * - `jsonSchemaMerge`: both sides are JSON schemas (objects), and the result accepts what
 *   either accepts; see schema-union.ts for the subset of keywords it unites.
 *
 * What differs from Flow: documents are not validated against the schema (a value that does
 * not fit it is reduced by whatever annotations its locations select); schema support is the
 * subset described in reduce-schema.ts; `combine` reads a missing key value as null (Flow also
 * applies the schema's `default` there); a number added to a numeric string is read from its
 * shortest text (Flow converts the double's exact binary value); objects are built in sorted
 * property order, but JavaScript lists integer-like property names first.
 */
import { ArgumentError } from '../errors.ts'
import { compareJson, compareStrings, sortedKeys } from './compare.ts'
import { addDecimals, decimalOfNumber, formatDecimal, parseDecimal, type Decimal } from './decimal.ts'
import { locate, parsePointer } from './pointer.ts'
import { compareKeyed, Deleted, Location, mergeJoin, type StrategyTable } from './reduce-location.ts'
import { applicable, compileReduceSchema, type Strategy } from './reduce-schema.ts'
import { reduceSet } from './reduce-set.ts'
import { unionSchemas } from './schema-union.ts'
import { isObject, member, setMember, type JsonObject } from './values.ts'

/** Options of a reduction: whether it is full (into the first document of a key) or associative. */
export interface ReduceOptions {
  /**
   * Whether the left-hand document is the base of the reduction (the first of all documents of
   * its key), as when Flow reduces into a materialized document: deletions take effect and
   * non-associative steps are allowed. Default false: an associative reduction, whose result
   * can still be reduced into an earlier document.
   */
  readonly full?: boolean
}

/**
 * The reduction of one schema's `reduce` annotations, as Flow applies them, compiled once by
 * `compileReducer`.
 */
export interface Reducer {
  /**
   * Reduces `right` (the later document) into `left` and returns the result; undefined when a
   * full reduction deletes the whole document (a `delete: true` strategy at the root). Throws a
   * ReduceError naming the location and strategy of values it cannot reduce. Neither input is
   * changed; the result may share unchanged parts with them.
   */
  reduce(left: unknown, right: unknown, options?: ReduceOptions): unknown
  /**
   * Groups `documents` by their values at `keyPointers` (a pointer with no value counts as null)
   * and reduces each group in the order given, returning one document per key in key order
   * (Flow's JSON order over the key values). A key whose last reduction deleted its document
   * has none. Throws an ArgumentError for a malformed pointer, and what `reduce` throws.
   */
  combine(documents: Iterable<unknown>, keyPointers: readonly string[], options?: ReduceOptions): unknown[]
}

/**
 * Compiles a collection schema's `reduce` annotations. Throws an ArgumentError naming the schema
 * location of an invalid annotation or an unsupported `$ref`.
 */
export function compileReducer(schema: unknown): Reducer {
  const root = compileReduceSchema(schema)
  const reduceRoot = (left: unknown, right: unknown, full: boolean) => new Location('', applicable([root], right), full, STRATEGIES).reduce(left, right)
  return {
    reduce(left, right, options) {
      const reduced = reduceRoot(left, right, options?.full ?? false)
      return reduced instanceof Deleted ? undefined : reduced
    },
    combine(documents, keyPointers, options) {
      return combineDocuments(documents, keyPointers, (left, right) => reduceRoot(left, right, options?.full ?? false))
    },
  }
}

// ---------------------------------------------------------------------------------------------
// combine

function combineDocuments(documents: Iterable<unknown>, keyPointers: readonly string[], reduce: (left: unknown, right: unknown) => unknown): unknown[] {
  const keys = keyPointers.map((pointer) => parsePointer(pointer))
  const keyed = Array.from(documents, (document) => ({ document, key: keys.map((tokens) => valueAt(document, tokens)) }))
  keyed.sort((a, b) => compareJson(a.key, b.key)) // stable: a key's documents keep their order
  const out: unknown[] = []
  let group: { key: unknown[]; document: unknown; deleted: boolean } | undefined
  for (const { document, key } of keyed) {
    if (group && compareJson(group.key, key) === 0) {
      const reduced = reduce(group.document, document)
      group.deleted = reduced instanceof Deleted
      group.document = reduced instanceof Deleted ? reduced.value : reduced
    } else {
      if (group && !group.deleted) out.push(group.document)
      group = { key, document, deleted: false }
    }
  }
  if (group && !group.deleted) out.push(group.document)
  return out
}

function valueAt(document: unknown, tokens: readonly string[]): unknown {
  const at = locate(document, tokens)
  return at.found ? at.value : null
}

// ---------------------------------------------------------------------------------------------
// Strategies. Each gets the location, its annotation, the LHS (undefined when there is none)
// and the RHS, and returns the reduced value or a Deleted.

type Of<K extends Strategy['strategy']> = Extract<Strategy, { strategy: K }>

const STRATEGIES: StrategyTable = {
  append,
  firstWriteWins: (_at, _strategy, lhs, rhs) => (lhs === undefined ? rhs : lhs),
  lastWriteWins,
  minimize: (at, strategy, lhs, rhs) => extremum(at, strategy, lhs, rhs, -1),
  maximize: (at, strategy, lhs, rhs) => extremum(at, strategy, lhs, rhs, 1),
  merge,
  set: reduceSet,
  sum,
  jsonSchemaMerge,
}

function lastWriteWins(at: Location, strategy: Of<'lastWriteWins'>, lhs: unknown, rhs: unknown): unknown {
  if (!strategy.associative && !at.full && lhs !== undefined && compareJson(lhs, rhs) !== 0) {
    throw at.notAssociative('associative: false, and the values differ', lhs, rhs)
  }
  return at.full && strategy.delete ? new Deleted(rhs) : rhs
}

function append(at: Location, _strategy: Of<'append'>, lhs: unknown, rhs: unknown): unknown {
  if (!Array.isArray(rhs) || (lhs !== undefined && lhs !== null && !Array.isArray(lhs))) throw at.wrongType('arrays (or a null left-hand side)', lhs, rhs)
  if (lhs === undefined) return rhs
  return lhs === null ? null : [...(lhs as unknown[]), ...rhs]
}

/** minimize (`keep` -1) and maximize (`keep` 1). */
function extremum(at: Location, strategy: Of<'minimize' | 'maximize'>, lhs: unknown, rhs: unknown, keep: -1 | 1): unknown {
  if (lhs === undefined) return rhs
  const order = strategy.key.length === 0 ? compareJson(lhs, rhs) : compareKeyed(strategy.key, lhs, rhs)
  if (Math.sign(order) === keep) return lhs
  if (strategy.key.length === 0) return rhs
  return mergeValues(at, order === 0 ? lhs : undefined, rhs, [])
}

function merge(at: Location, strategy: Of<'merge'>, lhs: unknown, rhs: unknown): unknown {
  const merged = mergeValues(at, lhs, rhs, strategy.key)
  return at.full && strategy.delete ? new Deleted(merged) : merged
}

function mergeValues(at: Location, lhs: unknown, rhs: unknown, key: readonly (readonly string[])[]): unknown {
  if (isObject(rhs)) {
    if (isObject(lhs)) return mergeObjects(at, lhs, rhs)
    if (at.full) return mergeObjects(at, {}, rhs)
  } else if (Array.isArray(rhs)) {
    if (Array.isArray(lhs)) return key.length === 0 ? mergeByIndex(at, lhs, rhs) : mergeByKey(at, lhs, rhs, key)
    if (at.full) return mergeByIndex(at, [], rhs)
  } else {
    throw at.wrongType('objects or arrays', lhs, rhs)
  }
  if (lhs === undefined) return rhs
  throw at.notAssociative('a different kind of value is on the left', lhs, rhs)
}

function mergeObjects(at: Location, lhs: JsonObject, rhs: JsonObject): JsonObject {
  const out: JsonObject = {}
  mergeJoin(sortedKeys(lhs), sortedKeys(rhs), compareStrings, (l, r) => {
    const name = (r ?? l) as string
    const value = r === undefined ? lhs[name] : at.reduceProperty(name, member(lhs, name), rhs[name])
    if (!(value instanceof Deleted)) setMember(out, name, value)
  })
  return out
}

function mergeByIndex(at: Location, lhs: readonly unknown[], rhs: readonly unknown[]): unknown[] {
  const out: unknown[] = []
  for (let i = 0; i < Math.max(lhs.length, rhs.length); i++) {
    const value = i < rhs.length ? at.reduceItem(i, lhs[i], rhs[i]) : lhs[i]
    if (!(value instanceof Deleted)) out.push(value)
  }
  return out
}

function mergeByKey(at: Location, lhs: readonly unknown[], rhs: readonly unknown[], key: readonly (readonly string[])[]): unknown[] {
  const out: unknown[] = []
  const items = (list: readonly unknown[]) => list.map((value, index) => ({ value, index }))
  mergeJoin(items(lhs), items(rhs), (l, r) => compareKeyed(key, l.value, r.value), (l, r) => {
    const value = r === undefined ? l?.value : at.reduceItem(r.index, l?.value, r.value)
    if (!(value instanceof Deleted)) out.push(value)
  })
  return out
}

function sum(at: Location, _strategy: Of<'sum'>, lhs: unknown, rhs: unknown): unknown {
  const left = lhs === undefined ? 0 : summand(lhs)
  const right = summand(rhs)
  if (left === undefined || right === undefined) throw at.wrongType('numbers or strings of decimal numbers', lhs, rhs)
  if (typeof left === 'number' && typeof right === 'number') {
    const total = left + right
    if (!Number.isFinite(total)) throw at.overflow(lhs, rhs)
    return total
  }
  return formatDecimal(addDecimals(asDecimal(left), asDecimal(right)))
}

function summand(value: unknown): number | Decimal | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  return typeof value === 'string' ? parseDecimal(value) : undefined
}

function asDecimal(value: number | Decimal): Decimal {
  return typeof value === 'number' ? decimalOfNumber(value) : value
}

function jsonSchemaMerge(at: Location, _strategy: Of<'jsonSchemaMerge'>, lhs: unknown, rhs: unknown): unknown {
  if (!isObject(rhs) || (lhs !== undefined && !isObject(lhs))) throw at.wrongType('objects that are JSON schemas', lhs, rhs)
  try {
    // With no left-hand schema, the union of the right-hand one with itself checks it.
    const united = unionSchemas(lhs ?? rhs, rhs)
    return lhs === undefined ? rhs : united
  } catch (error) {
    if (error instanceof ArgumentError) throw at.wrongType(`JSON schemas: ${error.message}`, lhs, rhs)
    throw error
  }
}
