/**
 * The transaction loop of a derivation session, after Opened:
 *
 *   runtime  : Open ─ (Read* ─ Flush ─ [Flush …] ─ [StartCommit])* [Reset between transactions]
 *   connector: Opened ─ (Published* ─ Flushed ─ [Flushed …] ─ [StartedCommit])*
 *
 * Each Read goes to its transform's handler; what handlers publish is written as Published
 * frames as it comes, and all of a transaction's documents before its last Flushed. Flushed
 * answers a Flush only, StartedCommit a StartCommit only. A Flush round answered with
 * `more: true` must be followed by another Flush; after `more: false` Flow may still send
 * another round (another shard asked for it), a StartCommit (older runtimes always, newer ones
 * only to connectors that returned a runtime checkpoint), or begin the next transaction. A
 * request out of order is a ProtocolError PROTOCOL_ORDER naming what was expected and what came.
 */
import type { MessageReader } from '../codec/frames.ts'
import { ConnectorError, ProtocolError, messageOf } from '../errors.ts'
import type { Logger } from '../io/log.ts'
import { parseJsonField } from '../json/config-schema.ts'
import { unpackTupleAsJson } from '../json/tuple.ts'
import { Channel } from '../ops/channel.ts'
import { runtimeCheckpoint, type ConnectorState, type DeriveRead, type DeriveRequest, type DeriveResponse } from '../protocol/index.ts'
import type { DeriveSession, DeriveStateUpdate, Publish, Read, SessionTransform, TransformPipeline, UuidParts } from './connector.ts'
import { formatUuid, unsigned64 } from './uuid.ts'

export interface TransactionIo {
  readonly requests: MessageReader<DeriveRequest>
  /** Writes responses, in order; resolves when the output has taken them. */
  readonly respond: (responses: readonly DeriveResponse[]) => Promise<void>
  /** Writes a Published frame per document (JSON text); resolves when the output has taken them. */
  readonly publish: (documents: readonly string[]) => Promise<void>
  readonly logger: Logger
}

const REQUEST_NAMES = { spec: 'Spec', validate: 'Validate', open: 'Open', read: 'Read', flush: 'Flush', startCommit: 'StartCommit', reset: 'Reset' } as const
type RequestKind = keyof typeof REQUEST_NAMES

/** The kind of a request: the one sub-message it carries. */
export function requestKind(request: DeriveRequest): RequestKind | undefined {
  for (const kind of Object.keys(REQUEST_NAMES) as RequestKind[]) if (request[kind] != null) return kind
  return undefined
}

/** The name of a request's kind, for error messages. */
export function requestName(request: DeriveRequest): string {
  const kind = requestKind(request)
  return kind ? REQUEST_NAMES[kind] : 'an empty request'
}

/** Most batches of reads waiting for a pipeline transform. */
const CHANNEL_BATCHES = 4

/**
 * Runs transactions until stdin ends between two of them; closes the session (and any session
 * a Reset opened) at the end, failed or not.
 */
export async function runTransactions(session: DeriveSession, io: TransactionIo): Promise<void> {
  const loop = new TransactionLoop(session, io)
  try {
    await loop.run()
  } finally {
    await loop.session.derivation.close?.()
  }
}

class TransactionLoop {
  session: DeriveSession
  readonly #io: TransactionIo

  constructor(session: DeriveSession, io: TransactionIo) {
    this.session = session
    this.#io = io
  }

  async run(): Promise<void> {
    const { requests } = this.#io
    /** Between transactions: after Opened or StartedCommit (`idle`), or after a flush phase that no StartCommit closed yet (`flushed`). */
    let phase: 'idle' | 'flushed' = 'idle'
    let where = 'after Opened'
    let transaction = 1
    for (let request = await requests.next(); request !== undefined; ) {
      const kind = requestKind(request)
      if (kind === 'read' || (kind === 'flush' && phase === 'idle')) {
        if (phase === 'flushed') transaction++ // the last transaction ended without a StartCommit
        const flush = await this.#reads(request, transaction)
        request = await this.#flushes(flush, transaction)
        phase = 'flushed'
      } else if (kind === 'startCommit' && phase === 'flushed') {
        await this.#startCommit(request, transaction)
        where = `after StartedCommit of transaction ${transaction}`
        transaction++
        phase = 'idle'
        request = await requests.next()
      } else if (kind === 'reset') {
        if (phase === 'flushed') transaction++
        await this.#reset()
        where = 'after Reset'
        phase = 'idle'
        request = await requests.next()
      } else {
        const expected = phase === 'flushed' ? `Flush, StartCommit, Read or Reset after the Flush of transaction ${transaction}` : `Read, Flush or Reset ${where}`
        throw new ProtocolError('PROTOCOL_ORDER', `expected ${expected}, got ${requestName(request)}`)
      }
    }
  }

  /** Read* from `first` on, each to its transform; resolves to the Flush that ends them, once every document they gave is published. */
  async #reads(first: DeriveRequest, transaction: number): Promise<DeriveRequest> {
    const { requests } = this.#io
    const pipelines = new Map<number, PipelineRun>()
    let failure: unknown
    const fail = (error: unknown) => (failure ??= error)
    try {
      for (let request: DeriveRequest | undefined = first; ; ) {
        if (request === undefined) throw new ProtocolError('PROTOCOL_ORDER', `stdin ended during the Reads of transaction ${transaction}, before its Flush`)
        if (request.read == null) {
          if (request.flush == null) throw new ProtocolError('PROTOCOL_ORDER', `expected Read or Flush in transaction ${transaction}, got ${requestName(request)}`)
          for (const run of pipelines.values()) run.channel.end()
          await Promise.all([...pipelines.values()].map((run) => run.done))
          if (failure !== undefined) throw failure
          return request
        }
        const batch = [request.read]
        for (let more = requests.nextIfReady(isRead); more; more = requests.nextIfReady(isRead)) batch.push(more.read!)
        await this.#handle(batch, pipelines, fail)
        if (failure !== undefined) throw failure
        request = await requests.next()
      }
    } catch (error) {
      for (const run of pipelines.values()) run.channel.fail(error)
      throw error
    }
  }

  /** Hands a batch of reads to their handlers in order; publishes what the document handlers return. */
  async #handle(batch: readonly DeriveRead[], pipelines: Map<number, PipelineRun>, fail: (error: unknown) => void): Promise<void> {
    const out: string[] = []
    let piped: Map<PipelineRun, ReadRecord[]> | undefined
    for (const read of batch) {
      const transform = this.#transform(read.transform ?? 0)
      const record = new ReadRecord(transform, read)
      const { handler } = transform
      if (typeof handler !== 'function') {
        let run = pipelines.get(transform.index)
        if (!run) pipelines.set(transform.index, (run = this.#startPipeline(transform, handler, fail)))
        run.last = record
        piped ??= new Map()
        const reads = piped.get(run)
        if (reads) reads.push(record)
        else piped.set(run, [record])
        continue
      }
      try {
        const result = (handler as (doc: unknown, read: Read) => Publish | Promise<Publish>)(record.doc, record)
        const pending = gather(result, out)
        if (pending) await pending
      } catch (error) {
        throw transformError(transform, record, error)
      }
    }
    if (out.length > 0) await this.#io.publish(out)
    if (piped) for (const [run, reads] of piped) await run.channel.push(reads)
  }

  /** Starts a pipeline transform for this transaction: it publishes what it yields until its reads end. */
  #startPipeline(transform: SessionTransform, handler: TransformPipeline<never>, fail: (error: unknown) => void): PipelineRun {
    const channel = new Channel<Read>(CHANNEL_BATCHES)
    const run: PipelineRun = { channel, last: undefined, done: Promise.resolve() }
    run.done = (async () => {
      try {
        const outputs = (handler.pipeline as (reads: AsyncIterable<readonly Read[]>) => AsyncIterable<object | readonly object[]>)(channel)
        for await (const output of outputs) {
          const out: string[] = []
          const pending = gather(output as Publish, out)
          if (pending) await pending
          if (out.length > 0) await this.#io.publish(out)
        }
      } catch (error) {
        fail(transformError(transform, run.last, error))
      }
    })()
    return run
  }

  /** The flush rounds of a transaction, from its first Flush; resolves to the request after them (undefined at the end of stdin). */
  async #flushes(first: DeriveRequest, transaction: number): Promise<DeriveRequest | undefined> {
    const { requests } = this.#io
    for (let request = first, round = 1; ; round++) {
      const statePatches = parseJsonField(request.flush?.statePatchesJson, 'Flush.statePatches') ?? []
      const derivation = this.session.derivation
      let more = false
      let state: DeriveStateUpdate | undefined
      try {
        const result = await derivation.flush?.({ transaction, round, statePatches: Array.isArray(statePatches) ? statePatches : [statePatches] })
        if (result) {
          const out: string[] = []
          const pending = gather(result.publish, out)
          if (pending) await pending
          if (out.length > 0) await this.#io.publish(out)
          more = result.more === true
          state = result.state
        }
      } catch (error) {
        throw new ConnectorError(`flush of transaction ${transaction} (round ${round}) failed: ${messageOf(error)}`, { cause: error })
      }
      await this.#io.respond([{ flushed: { ...stateOf(state), ...(more ? { more: true } : {}) } }])
      const next = await requests.next()
      if (more) {
        const where = `after Flushed{more} of transaction ${transaction}, round ${round}`
        if (next === undefined) throw new ProtocolError('PROTOCOL_ORDER', `stdin ended ${where}, before the Flush it asked for`)
        if (next.flush == null) throw new ProtocolError('PROTOCOL_ORDER', `expected Flush ${where}, got ${requestName(next)}`)
      } else if (next?.flush == null) return next
      request = next
    }
  }

  async #startCommit(request: DeriveRequest, transaction: number): Promise<void> {
    const checkpoint = runtimeCheckpoint.toProto(request.startCommit?.runtimeCheckpoint ?? {})
    let update: DeriveStateUpdate | void
    try {
      update = await this.session.derivation.startCommit?.({ transaction, runtimeCheckpoint: checkpoint })
    } catch (error) {
      throw new ConnectorError(`startCommit of transaction ${transaction} failed: ${messageOf(error)}`, { cause: error })
    }
    await this.#io.respond([{ startedCommit: stateOf(update) }])
  }

  async #reset(): Promise<void> {
    const { derivation } = this.session
    if (derivation.reset) {
      await derivation.reset()
    } else {
      await derivation.close?.()
      this.session = await this.session.reopen()
    }
    this.#io.logger.info('derivation reset', { derivation: this.session.name })
  }

  #transform(index: number): SessionTransform {
    const transform = this.session.transforms[index]
    if (transform) return transform
    throw new ProtocolError('PROTOCOL_VIOLATION', `Read for transform ${index}, but the derivation has ${this.session.transforms.length} transforms`)
  }
}

interface PipelineRun {
  readonly channel: Channel<Read>
  /** The last read handed to it: named if it fails. */
  last: ReadRecord | undefined
  done: Promise<void>
}

const isRead = (request: DeriveRequest) => request.read != null

/** A read as handlers see it: the document parsed, its key and UUID decoded when first asked for. */
class ReadRecord implements Read {
  readonly transform: { readonly index: number; readonly name: string }
  readonly doc: unknown
  readonly #read: DeriveRead
  #key: readonly unknown[] | undefined
  #uuid: UuidParts | undefined

  constructor(transform: SessionTransform, read: DeriveRead) {
    this.transform = { index: transform.index, name: transform.name }
    this.#read = read
    const text = read.docJson
    if (!text) throw new ProtocolError('PROTOCOL_VIOLATION', `a Read of transform ${JSON.stringify(transform.name)} has no document`)
    this.doc = JSON.parse(text) as unknown
  }

  get key(): readonly unknown[] {
    return (this.#key ??= shuffleKey(this.#read.shuffle))
  }

  get uuid(): UuidParts {
    return (this.#uuid ??= { node: unsigned64(this.#read.uuid?.node), clock: unsigned64(this.#read.uuid?.clock) })
  }

  get uuidText(): string {
    return formatUuid(this.uuid)
  }

  toJSON() {
    return { transform: this.transform, key: this.key, uuid: this.uuidText, doc: this.doc }
  }
}

/** The shuffle key's values: unpacked (protobuf codec) or parsed (JSON codec), whichever Flow filled. */
function shuffleKey(shuffle: DeriveRead['shuffle']): unknown[] {
  const packed = shuffle?.packed
  if (packed && packed.length > 0) return unpackTupleAsJson(packed)
  const json = shuffle?.keyJson
  if (!json) return []
  const value: unknown = JSON.parse(json)
  if (!Array.isArray(value)) throw new ProtocolError('PROTOCOL_VIOLATION', `a Read's shuffle key is not a JSON array: ${json.slice(0, 80)}`)
  return value
}

function transformError(transform: SessionTransform, read: ReadRecord | undefined, error: unknown): ConnectorError {
  if (error instanceof ConnectorError && error.message.startsWith('transform ')) return error
  const what = `transform ${JSON.stringify(transform.name)} (${transform.index})`
  const on = read ? ` on the document with UUID ${read.uuidText}` : ''
  return new ConnectorError(`${what} failed${on}: ${messageOf(error)}`, { cause: error })
}

/**
 * Serializes what a handler returned into `out`, in order: nothing, a document, an array, an
 * iterable, an async iterable, or a promise of one. Returns a promise only when it must wait.
 */
function gather(output: Publish | Promise<Publish>, out: string[]): Promise<void> | undefined {
  if (output === undefined || output === null) return undefined
  if (typeof output !== 'object') throw notADocument(output)
  if (Array.isArray(output)) {
    for (const doc of output as readonly unknown[]) out.push(documentText(doc))
    return undefined
  }
  if (typeof (output as Promise<Publish>).then === 'function') return (output as Promise<Publish>).then((value) => gather(value, out))
  if (Symbol.asyncIterator in output) return gatherAsync(output as AsyncIterable<object | readonly object[]>, out)
  if (Symbol.iterator in output) {
    for (const doc of output as Iterable<unknown>) out.push(documentText(doc))
    return undefined
  }
  out.push(documentText(output))
  return undefined
}

async function gatherAsync(source: AsyncIterable<object | readonly object[]>, out: string[]): Promise<void> {
  for await (const item of source) {
    if (Array.isArray(item)) for (const doc of item as readonly unknown[]) out.push(documentText(doc))
    else out.push(documentText(item))
  }
}

function documentText(doc: unknown): string {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw notADocument(doc)
  return JSON.stringify(doc)
}

function notADocument(value: unknown): ProtocolError {
  const shown = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value
  return new ProtocolError('PROTOCOL_VIOLATION', `a published document must be a JSON object, got ${shown}`)
}

/** A state update on the wire (nothing for none). */
function stateOf(update: DeriveStateUpdate | void | undefined): { state?: ConnectorState } {
  if (!update) return {}
  const updatedJson = JSON.stringify(update.updated ?? {})
  return { state: update.mergePatch === false ? { updatedJson } : { updatedJson, mergePatch: true } }
}
