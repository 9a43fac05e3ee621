/**
 * One materialization transaction's documents, as Flow's runtime holds them: combined per
 * (binding, key) with the collection's reduce annotations as they arrive, the loaded document
 * of each key reduced under them (a full reduction), and the Stores that result, in binding and
 * key order.
 */
import type { Codec } from '../codec/frames.ts'
import { FlowkitError } from '../errors.ts'
import { locate } from '../json/pointer.ts'
import { packTuple } from '../json/tuple.ts'
import type { MaterializeRequest } from '../protocol/index.ts'
import { Combiner, keyOf, tupleOf, type CombinedKey, type CombinePlan } from './combine.ts'

export { parsePointers, tupleOf } from './combine.ts'

/** What the driver knows of one binding of the materialization. */
export interface BindingPlan extends CombinePlan {
  /** Parsed pointers of the value fields, in the order of `values`. */
  readonly values: readonly (readonly string[])[]
  readonly deltaUpdates: boolean
}

/** The documents of one key in a transaction, and its Load. */
interface KeyEntry extends CombinedKey {
  /** A Load was sent for the key. */
  loadSent: boolean
  /** The document Loaded for the key, if any. */
  loaded?: unknown
}

/** What a transaction's Stores did. */
export interface StoreCounts {
  stored: number
  deleted: number
}

export class TransactionDocuments {
  readonly #plans: readonly BindingPlan[]
  readonly #combiner: Combiner<KeyEntry>

  constructor(plans: readonly BindingPlan[]) {
    this.#plans = plans
    this.#combiner = new Combiner<KeyEntry>(plans, (entry) => Object.assign(entry, { loadSent: false }))
  }

  get keys(): number {
    return this.#combiner.size
  }

  /** Adds a document of `binding`, combined into the key's earlier ones. Throws a DocumentError for a document without a key location, a ReduceError for documents that do not reduce. */
  add(binding: number, doc: unknown): void {
    this.#combiner.add(binding, doc)
  }

  /**
   * The Loads to send, marking their keys: every key of a standard binding, except, when
   * `mayExist` says so, keys that were never stored.
   */
  loads(codec: Codec, mayExist: (binding: number, packed: Buffer) => boolean): MaterializeRequest[] {
    const out: MaterializeRequest[] = []
    for (const entry of this.#combiner.sorted()) {
      if (this.#plans[entry.binding]?.deltaUpdates || !mayExist(entry.binding, entry.packed)) continue
      entry.loadSent = true
      out.push({ load: { binding: entry.binding, ...(codec === 'proto' ? { keyPacked: entry.packed } : { keyJson: JSON.stringify(entry.key) }) } })
    }
    return out
  }

  /** Takes a Loaded document; a problem with it (not a loaded key, loaded twice) is returned as the rule it broke. */
  loaded(binding: number, doc: unknown): string | undefined {
    const plan = this.#plans[binding] as BindingPlan
    let key: unknown[]
    try {
      key = keyOf(plan, doc)
    } catch (error) {
      if (error instanceof FlowkitError) return `a Loaded document of binding ${binding} has no key: ${error.message}`
      throw error
    }
    const entry = this.#combiner.find(binding, key)
    if (!entry?.loadSent) return `Loaded for binding ${binding} key ${JSON.stringify(key)}, which was not loaded in this transaction`
    if (entry.loaded !== undefined) return `Loaded twice for binding ${binding} key ${JSON.stringify(key)}: at most once per key`
    entry.loaded = doc
    return undefined
  }

  /**
   * The Stores, in binding and key order: each key's documents reduced in full onto its loaded
   * document (or onto nothing), `exists` when one was loaded, a deletion when the reduction
   * deleted the document of a key that exists. `stored` sees the packed key of each Store of a
   * standard binding.
   */
  stores(codec: Codec, counts: StoreCounts, stored: (binding: number, packed: Buffer) => void): MaterializeRequest[] {
    const out: MaterializeRequest[] = []
    for (const entry of this.#combiner.sorted()) {
      const plan = this.#plans[entry.binding] as BindingPlan
      let doc: unknown = entry.loaded
      for (const next of entry.docs) doc = plan.reducer.reduce(doc, next, { full: true })
      const exists = entry.loaded !== undefined
      if (doc === undefined && !exists) continue
      const deleted = doc === undefined
      const values = deleted ? [] : plan.values.map((tokens) => valueAt(doc, tokens))
      out.push({
        store: {
          binding: entry.binding,
          ...(codec === 'proto' ? { keyPacked: entry.packed, valuesPacked: packTuple(tupleOf(values)) } : { keyJson: JSON.stringify(entry.key), valuesJson: JSON.stringify(values) }),
          docJson: JSON.stringify(deleted ? entry.last : doc),
          ...(exists ? { exists: true } : {}),
          ...(deleted ? { delete: true } : {}),
        },
      })
      counts[deleted ? 'deleted' : 'stored']++
      if (!deleted && !plan.deltaUpdates) stored(entry.binding, entry.packed)
    }
    return out
  }
}

function valueAt(doc: unknown, tokens: readonly string[]): unknown {
  const at = locate(doc, tokens)
  return at.found ? at.value : null
}
