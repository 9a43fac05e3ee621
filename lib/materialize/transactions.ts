/**
 * The transaction loop of a materialization session, after Opened: the requests of each
 * transaction handed to the transactor as they arrive, and its responses written in the order
 * Flow requires. A request out of order is a ProtocolError PROTOCOL_ORDER naming what was
 * expected and what came.
 */
import type { MessageReader } from '../codec/frames.ts'
import { ProtocolError } from '../errors.ts'
import type { Logger } from '../io/log.ts'
import { applyMergePatch, composeMergePatches } from '../json/merge-patch.ts'
import { unpackTupleAsJson } from '../json/tuple.ts'
import { Channel } from '../ops/channel.ts'
import { runtimeCheckpoint, type ConnectorState, type MaterializeLoad, type MaterializeRequest, type MaterializeResponse, type MaterializeStore } from '../protocol/index.ts'
import type { StateUpdate } from './connector.ts'
import type { LoadedDocument, LoadKey, StoreItem, Transactor } from './transactor.ts'

export interface TransactionIo {
  readonly requests: MessageReader<MaterializeRequest>
  /** Writes responses, in order; resolves when the output has taken them. */
  readonly respond: (responses: readonly MaterializeResponse[]) => Promise<void>
  readonly bindings: number
  /** The connector state Open gave: kept up to date with every update sent. */
  readonly state: unknown
  readonly logger: Logger
}

const REQUEST_NAMES = { spec: 'Spec', validate: 'Validate', apply: 'Apply', open: 'Open', load: 'Load', flush: 'Flush', store: 'Store', startCommit: 'StartCommit', acknowledge: 'Acknowledge' } as const
type RequestKind = keyof typeof REQUEST_NAMES

/** The kind of a request: the one sub-message it carries. */
export function requestKind(request: MaterializeRequest): RequestKind | undefined {
  for (const kind of Object.keys(REQUEST_NAMES) as RequestKind[]) if (request[kind] != null) return kind
  return undefined
}

/** Most batches of Loads or Stores read ahead of the transactor. */
const CHANNEL_BATCHES = 4

/**
 * Runs transactions until stdin ends between two of them. The first request must be the
 * Acknowledge of the transaction recovered before Open.
 */
export async function runTransactions(transactor: Transactor, io: TransactionIo): Promise<void> {
  const loop = new TransactionLoop(transactor, io)
  const first = await io.requests.next()
  if (first === undefined) return
  loop.expect(first, 'acknowledge', 'after Opened')
  let acknowledged = loop.acknowledge()
  for (let transaction = 1; ; transaction++) {
    const request = await io.requests.next()
    if (request === undefined) return void (await acknowledged)
    await loop.loads(request, acknowledged, transaction)
    await loop.stores(transaction)
    const next = await io.requests.next()
    if (next === undefined) return // stopped before the commit was acknowledged: it is recovered on the next Open
    loop.expect(next, 'acknowledge', `after StartedCommit of transaction ${transaction}`)
    acknowledged = loop.acknowledge()
  }
}

class TransactionLoop {
  readonly #transactor: Transactor
  readonly #io: TransactionIo
  /** The connector state with every update sent applied. */
  #state: unknown

  constructor(transactor: Transactor, io: TransactionIo) {
    this.#transactor = transactor
    this.#io = io
    this.#state = io.state
  }

  expect(request: MaterializeRequest, kind: RequestKind, where: string, alternative?: RequestKind): void {
    const got = requestKind(request)
    if (got === kind) return
    const expected = alternative ? `${REQUEST_NAMES[alternative]} or ${REQUEST_NAMES[kind]}` : REQUEST_NAMES[kind]
    throw new ProtocolError('PROTOCOL_ORDER', `expected ${expected} ${where}, got ${got ? REQUEST_NAMES[got] : 'an empty request'}`)
  }

  /** Runs the transactor's acknowledge and writes Acknowledged; resolves once it is written. */
  acknowledge(): Promise<void> {
    const done = (async () => {
      const update = await this.#transactor.acknowledge?.()
      await this.#io.respond([{ acknowledged: this.#sent(update) }])
    })()
    done.catch(() => undefined) // observed where it is awaited
    return done
  }

  /** Load* then Flush, from `request` on: the keys to `load`, its documents as Loaded (after Acknowledged), then Flushed. */
  async loads(request: MaterializeRequest, acknowledged: Promise<void>, transaction: number): Promise<void> {
    const keys = new Channel<LoadKey>(CHANNEL_BATCHES)
    const found = this.#transactor.load?.(keys)
    const loading = found ? this.#writeLoaded(found, acknowledged) : drain(keys)
    let failure: unknown
    loading.catch((error: unknown) => (failure ??= error ?? new Error('load failed')))
    const where = `in transaction ${transaction}`
    for (let next: MaterializeRequest | undefined = request; ; ) {
      if (next === undefined) throw new ProtocolError('PROTOCOL_ORDER', `stdin ended during the Loads of transaction ${transaction}, before its Flush`)
      if (requestKind(next) !== 'load') {
        this.expect(next, 'flush', where, 'load')
        break
      }
      const batch = [this.#loadKey(next.load!)]
      for (let more = this.#io.requests.nextIfReady(isLoad); more; more = this.#io.requests.nextIfReady(isLoad)) batch.push(this.#loadKey(more.load!))
      if (failure === undefined) await keys.push(batch)
      next = await this.#io.requests.next()
    }
    keys.end()
    await loading
    await acknowledged
    const update = await this.#transactor.flush?.()
    await this.#io.respond([{ flushed: this.#sent(update) }])
  }

  /** Store* then StartCommit: the stores to `store`, then `startCommit`, then StartedCommit. */
  async stores(transaction: number): Promise<void> {
    const items = new Channel<StoreItem>(CHANNEL_BATCHES)
    const storing = this.#transactor.store(items)
    let failure: unknown
    storing.catch((error: unknown) => (failure ??= error ?? new Error('store failed')))
    let next = await this.#io.requests.next()
    for (;;) {
      if (next === undefined) throw new ProtocolError('PROTOCOL_ORDER', `stdin ended during the Stores of transaction ${transaction}, before its StartCommit`)
      if (requestKind(next) !== 'store') {
        this.expect(next, 'startCommit', `after the Flush of transaction ${transaction}`, 'store')
        break
      }
      const batch = [this.#storeItem(next.store!)]
      for (let more = this.#io.requests.nextIfReady(isStore); more; more = this.#io.requests.nextIfReady(isStore)) batch.push(this.#storeItem(more.store!))
      if (failure === undefined) await items.push(batch)
      next = await this.#io.requests.next()
    }
    items.end()
    const stored = await storing
    const checkpoint = next.startCommit?.runtimeCheckpoint
    const committed = await this.#transactor.startCommit(runtimeCheckpoint.toProto(checkpoint ?? {}))
    await this.#io.respond([{ startedCommit: this.#sent(this.#combined(stored, committed)) }])
  }

  async #writeLoaded(found: AsyncIterable<LoadedDocument | readonly LoadedDocument[]>, acknowledged: Promise<void>): Promise<void> {
    let waited = false
    for await (const item of found) {
      if (!waited) await acknowledged // Loaded must follow the previous transaction's Acknowledged
      waited = true
      const items: readonly LoadedDocument[] = isLoadedList(item) ? item : [item]
      await this.#io.respond(items.map((loaded) => ({ loaded: { binding: this.#binding(loaded.binding, 'Loaded'), docJson: typeof loaded.doc === 'string' ? loaded.doc : JSON.stringify(loaded.doc) } })))
    }
  }

  /** A state update on the wire (absent for none), applied to the state kept. */
  #sent(update: StateUpdate | void | undefined): { state?: ConnectorState } {
    if (!update) return {}
    const merge = update.mergePatch !== false
    this.#state = merge ? applyMergePatch(this.#state, update.updated) : update.updated
    const updatedJson = JSON.stringify(update.updated ?? {})
    return { state: merge ? { updatedJson, mergePatch: true } : { updatedJson } }
  }

  /** Two state updates made in turn, as one: a merge patch when they compose, else the state they give, whole. */
  #combined(first: StateUpdate | void, second: StateUpdate | void): StateUpdate | undefined {
    if (!first) return second ?? undefined
    if (!second) return first
    if (first.mergePatch !== false && second.mergePatch !== false) {
      const composed = composeMergePatches(first.updated, second.updated)
      if (composed) return { updated: composed.patch }
    }
    const after = (state: unknown, update: StateUpdate) => (update.mergePatch === false ? update.updated : applyMergePatch(state, update.updated))
    return { updated: after(after(this.#state, first), second), mergePatch: false }
  }

  #loadKey(load: MaterializeLoad): LoadKey {
    return { binding: this.#binding(load.binding ?? 0, 'Load'), key: components(load.keyPacked, load.keyJson) }
  }

  #storeItem(store: MaterializeStore): StoreItem {
    return {
      binding: this.#binding(store.binding ?? 0, 'Store'),
      key: components(store.keyPacked, store.keyJson),
      values: components(store.valuesPacked, store.valuesJson),
      doc: store.docJson ?? '',
      exists: store.exists ?? false,
      delete: store.delete ?? false,
    }
  }

  #binding(binding: number, what: string): number {
    if (Number.isInteger(binding) && binding >= 0 && binding < this.#io.bindings) return binding
    throw new ProtocolError('PROTOCOL_VIOLATION', `${what} for binding ${binding}, but the materialization has ${this.#io.bindings} bindings`)
  }
}

const isLoad = (request: MaterializeRequest) => request.load != null
const isStore = (request: MaterializeRequest) => request.store != null

function isLoadedList(item: LoadedDocument | readonly LoadedDocument[]): item is readonly LoadedDocument[] {
  return Array.isArray(item)
}

async function drain(source: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of source);
}

/** Key or value components: packed (protobuf codec) or a JSON array (JSON codec), whichever Flow filled. */
function components(packed: Uint8Array | null | undefined, json: string | null | undefined): unknown[] {
  if (packed && packed.length > 0) return unpackTupleAsJson(packed)
  if (!json) return []
  const value: unknown = JSON.parse(json)
  if (!Array.isArray(value)) throw new ProtocolError('PROTOCOL_VIOLATION', `a key or values field is not a JSON array: ${json.slice(0, 80)}`)
  return value
}
