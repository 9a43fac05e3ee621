/**
 * A document location being reduced: its JSON pointer, the schemas that apply there, and the
 * strategy they select. Strategies reduce child locations through it.
 */
import { ReduceError } from '../errors.ts'
import { compareJson } from './compare.ts'
import { escapePointerToken, locate } from './pointer.ts'
import { applicable, itemSchemas, propertySchemas, strategyOf, type SchemaNode, type Strategy } from './reduce-schema.ts'
import { describeValue } from './values.ts'

/** A reduced value that a full reduction deletes from its parent (or, at the root, the document). */
export class Deleted {
  constructor(readonly value: unknown) {}
}

type StrategyName = Strategy['strategy']

/** How each strategy reduces `rhs` into `lhs` (undefined when the left-hand side has no value there). */
export type StrategyTable = {
  readonly [K in StrategyName]: (at: Location, strategy: Extract<Strategy, { strategy: K }>, lhs: unknown, rhs: unknown) => unknown
}

/** Flow's default: the right-hand value replaces the left. */
const DEFAULT_STRATEGY: Strategy = { strategy: 'lastWriteWins', delete: false, associative: true }

export class Location {
  constructor(
    /** JSON pointer of the location; '' for the root. */
    readonly path: string,
    /** The schemas that apply at the location, given its right-hand value. */
    readonly nodes: readonly SchemaNode[],
    /** Whether the left-hand document is the base of the reduction (see ReduceOptions). */
    readonly full: boolean,
    private readonly strategies: StrategyTable,
  ) {}

  /** The strategy at this location: the last annotation of its schemas, or lastWriteWins. */
  get strategy(): Strategy {
    return strategyOf(this.nodes) ?? DEFAULT_STRATEGY
  }

  /** Reduces `rhs` into `lhs` here: a value, or a Deleted. */
  reduce(lhs: unknown, rhs: unknown): unknown {
    const strategy = this.strategy
    const reduce = this.strategies[strategy.strategy] as (at: Location, strategy: Strategy, lhs: unknown, rhs: unknown) => unknown
    return reduce(this, strategy, lhs, rhs)
  }

  /** The location of property `name`, where the right-hand value is `rhs`. */
  property(name: string, rhs: unknown): Location {
    return this.child(escapePointerToken(name), propertySchemas(this.nodes, name), rhs)
  }

  /** The location of item `index` of an array, where the right-hand value is `rhs`. */
  item(index: number, rhs: unknown): Location {
    return this.child(String(index), itemSchemas(this.nodes, index), rhs)
  }

  reduceProperty(name: string, lhs: unknown, rhs: unknown): unknown {
    return this.property(name, rhs).reduce(lhs, rhs)
  }

  reduceItem(index: number, lhs: unknown, rhs: unknown): unknown {
    return this.item(index, rhs).reduce(lhs, rhs)
  }

  /** REDUCE_WRONG_TYPE: the strategy here takes `expected`, not these values. */
  wrongType(expected: string, lhs: unknown, rhs: unknown): ReduceError {
    return this.error('REDUCE_WRONG_TYPE', `expects ${expected}`, lhs, rhs)
  }

  /** REDUCE_OVERFLOW: a sum that is not finite. */
  overflow(lhs: unknown, rhs: unknown): ReduceError {
    return this.error('REDUCE_OVERFLOW', 'overflows: the sum is not a finite number', lhs, rhs)
  }

  /** REDUCE_NOT_ASSOCIATIVE: only a full reduction may combine these values. */
  notAssociative(why: string, lhs: unknown, rhs: unknown): ReduceError {
    return this.error('REDUCE_NOT_ASSOCIATIVE', `cannot reduce associatively (${why}); only a full reduction may`, lhs, rhs)
  }

  private child(token: string, reaching: readonly SchemaNode[], rhs: unknown): Location {
    const nodes = reaching.length === 0 ? reaching : applicable(reaching, rhs)
    return new Location(`${this.path}/${token}`, nodes, this.full, this.strategies)
  }

  private error(code: 'REDUCE_WRONG_TYPE' | 'REDUCE_OVERFLOW' | 'REDUCE_NOT_ASSOCIATIVE', what: string, lhs: unknown, rhs: unknown): ReduceError {
    const strategy = this.strategy.strategy
    const left = lhs === undefined ? 'no value' : describeValue(lhs)
    const message = `reducing ${this.path === '' ? 'the document root' : this.path}: strategy ${strategy} ${what} (left: ${left}, right: ${describeValue(rhs)})`
    return new ReduceError(code, message, { location: this.path, strategy })
  }
}

/**
 * Orders two values by a composite key of JSON pointers relative to them: by the first pointer
 * whose values differ, where a pointer with no value orders before any value. No pointers: equal.
 */
export function compareKeyed(key: readonly (readonly string[])[], a: unknown, b: unknown): number {
  for (const tokens of key) {
    const left = locate(a, tokens)
    const right = locate(b, tokens)
    const order = left.found && right.found ? compareJson(left.value, right.value) : Number(left.found) - Number(right.found)
    if (order !== 0) return order
  }
  return 0
}

/**
 * Walks two sorted sequences together: `each` gets a left item alone, a right item alone (with
 * its index), or an equal pair, in order. Equal items pair up one to one.
 */
export function mergeJoin<T>(
  left: readonly T[],
  right: readonly T[],
  compare: (l: T, r: T) => number,
  each: (l: T | undefined, r: T | undefined, rightIndex: number) => void,
): void {
  let i = 0
  let j = 0
  while (i < left.length || j < right.length) {
    const order = i >= left.length ? 1 : j >= right.length ? -1 : compare(left[i] as T, right[j] as T)
    if (order < 0) each(left[i++], undefined, -1)
    else if (order > 0) each(undefined, right[j], j++)
    else each(left[i++], right[j], j++)
  }
}
