/**
 * Documents combined per (binding, key) as Flow's runtime combines them within a transaction:
 * each document reduced into the key's earlier ones with the collection's reduce annotations,
 * as an associative reduction (a step that is not associative keeps the document apart, to be
 * reduced later), and the keys drained in binding and packed-key order (Flow's key order).
 * The materialization runner reduces the result onto loaded documents; the derivation runner
 * publishes it.
 */
import { DocumentError, ReduceError } from '../errors.ts'
import { locate, parsePointer } from '../json/pointer.ts'
import type { Reducer } from '../json/reduce.ts'
import { packTuple, type TupleValue } from '../json/tuple.ts'

/** What combining needs of one binding (or derived collection). */
export interface CombinePlan {
  readonly index: number
  readonly collection: string
  /** Parsed pointers of the collection key (the key fields' locations, in key order). */
  readonly key: readonly (readonly string[])[]
  readonly reducer: Reducer
}

/** The documents of one key in a transaction. */
export interface CombinedKey {
  readonly binding: number
  readonly key: readonly unknown[]
  readonly packed: Buffer
  /** Combined documents, in order: more than one only where a reduction had to wait for a full one. */
  readonly docs: unknown[]
  /** The last document given, whole. */
  last: unknown
}

/** The components of a key as Flow packs them: arrays and objects as the bytes of their JSON text. */
export function tupleOf(values: readonly unknown[]): TupleValue[] {
  return values.map((value) => (value !== null && typeof value === 'object' ? Buffer.from(JSON.stringify(value)) : (value as TupleValue)))
}

/** Parsed pointers. */
export function parsePointers(pointers: readonly string[]): string[][] {
  return pointers.map((pointer) => parsePointer(pointer))
}

/** The values at the plan's key pointers. Throws a DocumentError naming the first missing one. */
export function keyOf(plan: CombinePlan, doc: unknown): unknown[] {
  return plan.key.map((tokens) => {
    const at = locate(doc, tokens)
    if (!at.found) throw new DocumentError(`a document of ${plan.collection} (binding ${plan.index}) has no value at its key location /${tokens.join('/')}`)
    return at.value
  })
}

/**
 * One transaction's combiner. `extend` makes the entry of a new key (the materialization runner
 * adds what it tracks of Loads to it); entries are kept in memory until the transaction ends.
 */
export class Combiner<E extends CombinedKey = CombinedKey> {
  readonly #plans: readonly CombinePlan[]
  readonly #extend: (entry: CombinedKey) => E
  readonly #entries = new Map<string, E>()

  constructor(plans: readonly CombinePlan[], extend: (entry: CombinedKey) => E = (entry) => entry as E) {
    this.#plans = plans
    this.#extend = extend
  }

  /** Distinct (binding, key) pairs. */
  get size(): number {
    return this.#entries.size
  }

  /** Adds a document of `binding`, combined into the key's earlier ones. Throws a DocumentError for a document without a key location, a ReduceError for documents that do not reduce. */
  add(binding: number, doc: unknown): void {
    const plan = this.#plans[binding] as CombinePlan
    const key = keyOf(plan, doc)
    const id = `${binding}:${JSON.stringify(key)}`
    const entry = this.#entries.get(id)
    if (entry === undefined) {
      this.#entries.set(id, this.#extend({ binding, key, packed: Buffer.from(packTuple(tupleOf(key))), docs: [doc], last: doc }))
      return
    }
    entry.last = doc
    const previous = entry.docs[entry.docs.length - 1]
    try {
      entry.docs[entry.docs.length - 1] = plan.reducer.reduce(previous, doc)
    } catch (error) {
      if (!(error instanceof ReduceError && error.code === 'REDUCE_NOT_ASSOCIATIVE')) throw error
      entry.docs.push(doc) // kept apart, to be reduced in a full reduction
    }
  }

  /** The entry of a key of `binding`, if the transaction has one. */
  find(binding: number, key: readonly unknown[]): E | undefined {
    return this.#entries.get(`${binding}:${JSON.stringify(key)}`)
  }

  /** Every entry, in binding and packed-key order. */
  sorted(): E[] {
    return [...this.#entries.values()].sort((a, b) => a.binding - b.binding || Buffer.compare(a.packed, b.packed))
  }
}
