/**
 * One materialization transaction's documents, as Flow's runtime holds them: combined per
 * (binding, key) with the collection's reduce annotations as they arrive, the loaded document
 * of each key reduced under them (a full reduction), and the Stores that result, in binding and
 * key order.
 */
import type { Codec } from '../codec/frames.ts'
import { DocumentError, FlowkitError, ReduceError } from '../errors.ts'
import { locate, parsePointer } from '../json/pointer.ts'
import type { Reducer } from '../json/reduce.ts'
import { packTuple, type TupleValue } from '../json/tuple.ts'
import type { MaterializeRequest } from '../protocol/index.ts'

/** What the driver knows of one binding of the materialization. */
export interface BindingPlan {
  readonly index: number
  readonly collection: string
  /** Parsed pointers of the collection key (the key fields' locations, in key order). */
  readonly key: readonly (readonly string[])[]
  /** Parsed pointers of the value fields, in the order of `values`. */
  readonly values: readonly (readonly string[])[]
  readonly deltaUpdates: boolean
  readonly reducer: Reducer
}

/** The documents of one key in a transaction. */
interface KeyEntry {
  readonly binding: number
  readonly key: readonly unknown[]
  readonly packed: Buffer
  /** Combined documents, in order: more than one only where a reduction had to wait for a full one. */
  readonly docs: unknown[]
  /** The last document given, whole (the deletion a Store of a deleted key carries). */
  last: unknown
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

/** The components of a key as Flow packs them: arrays and objects as the bytes of their JSON text. */
export function tupleOf(values: readonly unknown[]): TupleValue[] {
  return values.map((value) => (value !== null && typeof value === 'object' ? Buffer.from(JSON.stringify(value)) : (value as TupleValue)))
}

export class TransactionDocuments {
  readonly #plans: readonly BindingPlan[]
  readonly #entries = new Map<string, KeyEntry>()

  constructor(plans: readonly BindingPlan[]) {
    this.#plans = plans
  }

  get keys(): number {
    return this.#entries.size
  }

  /** Adds a document of `binding`, combined into the key's earlier ones. Throws a DocumentError for a document without a key location, a ReduceError for documents that do not reduce. */
  add(binding: number, doc: unknown): void {
    const plan = this.#plans[binding] as BindingPlan
    const key = keyOf(plan, doc)
    const id = `${binding}:${JSON.stringify(key)}`
    const entry = this.#entries.get(id)
    if (entry === undefined) {
      this.#entries.set(id, { binding, key, packed: Buffer.from(packTuple(tupleOf(key))), docs: [doc], last: doc, loadSent: false })
      return
    }
    entry.last = doc
    const previous = entry.docs[entry.docs.length - 1]
    try {
      entry.docs[entry.docs.length - 1] = plan.reducer.reduce(previous, doc)
    } catch (error) {
      if (!(error instanceof ReduceError && error.code === 'REDUCE_NOT_ASSOCIATIVE')) throw error
      entry.docs.push(doc) // kept apart, to be reduced in the full reduction
    }
  }

  /**
   * The Loads to send, marking their keys: every key of a standard binding, except, when
   * `mayExist` says so, keys that were never stored.
   */
  loads(codec: Codec, mayExist: (binding: number, packed: Buffer) => boolean): MaterializeRequest[] {
    const out: MaterializeRequest[] = []
    for (const entry of this.#sorted()) {
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
    const entry = this.#entries.get(`${binding}:${JSON.stringify(key)}`)
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
    for (const entry of this.#sorted()) {
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

  #sorted(): KeyEntry[] {
    return [...this.#entries.values()].sort((a, b) => a.binding - b.binding || Buffer.compare(a.packed, b.packed))
  }
}

/** The values at the binding's key pointers. Throws a DocumentError naming the first missing one. */
function keyOf(plan: BindingPlan, doc: unknown): unknown[] {
  return plan.key.map((tokens) => {
    const at = locate(doc, tokens)
    if (!at.found) throw new DocumentError(`a document of ${plan.collection} (binding ${plan.index}) has no value at its key location /${tokens.join('/')}`)
    return at.value
  })
}

function valueAt(doc: unknown, tokens: readonly string[]): unknown {
  const at = locate(doc, tokens)
  return at.found ? at.value : null
}

/** Parsed pointers. */
export function parsePointers(pointers: readonly string[]): string[][] {
  return pointers.map((pointer) => parsePointer(pointer))
}
