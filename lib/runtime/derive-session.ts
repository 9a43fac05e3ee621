/**
 * A derivation session, played as Flow's newest runtime plays it:
 *
 *   runtime  : Open ─ (Read* ─ Flush ─ [Flush …] ─ [StartCommit])*
 *   connector: Opened ─ (Published* ─ Flushed ─ [Flushed …] ─ [StartedCommit])*
 *
 * Per transaction of input documents: a Read per document and transform that reads its
 * collection; Flush; the Published documents combined per key with the derived collection's
 * reduce annotations; each Flushed{more} answered by another Flush carrying that round's state
 * patches; the state patches of every Flushed committed with the input position. StartCommit
 * goes only to a connector whose Opened returned a runtime checkpoint (it keeps its own
 * progress; its StartedCommit must carry no state), and is answered before the commit. The
 * commit is handed to `onCommit` with the transaction's combined documents as `pending`: the
 * caller makes it durable, then hands the documents on. Each response out of order fails the
 * session with a ProtocolError naming the rule.
 */
import { ConfigError, DocumentError, messageOf } from '../errors.ts'
import { compileReducer } from '../json/reduce.ts'
import type { CollectionSpec, DeriveResponse } from '../protocol/index.ts'
import { Combiner, parsePointers, type CombinePlan } from './combine.ts'
import type { DerivationTask } from './derive-catalog.ts'
import { deriveBatches, type DeriveInput } from './derive-input.ts'
import { openRequest, readPlans, readRequest, type ReadPlan } from './derive-requests.ts'
import { connectDerivation, deriveResponseKind, deriveResponseName, type DeriveConnection } from './derive-rpc.ts'
import { applyStatePatches, INITIAL_DERIVE_STATE, statePatchesOf, type DeriveDriverState } from './derive-state.ts'
import { compileCollection, describeProblems, type CollectionChecker } from './document-check.ts'
import type { StartOptions } from './endpoint.ts'
import type { InputBatch } from './materialize-input.ts'
import { checkpointOf, readThroughOf } from './materialize-state.ts'

/** What one transaction did. */
export interface DeriveTransactionSummary {
  readonly transaction: number
  /** Input documents read by transforms, and of collections no transform reads. */
  readonly docs: number
  readonly skipped: number
  /** Reads sent (a document read by two transforms counts twice). */
  readonly reads: number
  /** Documents the connector published, and what they combined into. */
  readonly published: number
  readonly combined: number
  /** Flush rounds. */
  readonly rounds: number
  /** Input committed once this transaction is. */
  readonly readThrough: number
}

/** How the local runner drives one derivation session: where it starts, how long its transactions are, and what persists each commit. */
export interface DeriveSessionOptions extends StartOptions {
  /** The driver state the session starts from. Default: nothing committed. */
  readonly state?: DeriveDriverState
  /** Input documents (read by transforms) per transaction. Default 1000. */
  readonly transactionDocs?: number
  /**
   * Called once per transaction with the committed state, whose `pending` holds the
   * transaction's combined documents: what it persists is what the session committed. The
   * next transaction starts once it resolves; a rejection ends the session.
   */
  readonly onCommit?: (state: DeriveDriverState, summary: DeriveTransactionSummary) => void | Promise<void>
  /** Check each published document against the derived collection's schema and key. Default true. */
  readonly checkDocuments?: boolean
  /** The driver's own notes: where it resumes, and whose checkpoint decided it. */
  readonly onNote?: (message: string) => void
  /** Aborting it ends the session after the running transaction. */
  readonly signal?: AbortSignal
}

/** What a finished local derivation session did: its committed state and its counts. */
export interface DeriveSessionResult {
  /** The state after the last commit (`pending` empty). */
  readonly state: DeriveDriverState
  readonly transactions: number
  readonly docs: number
  readonly skipped: number
  /** Input the session skipped, as committed before it. */
  readonly resumedFrom: number
  /** True when the connector returned a runtime checkpoint in Opened (and so got StartCommit). */
  readonly authoritative: boolean
}

/**
 * Runs one session of a validated derivation (`collection`, from prepareDerivation) over
 * `input` to its end. The reducer and schema checks are compiled before the connector starts: an
 * annotation the reducer does not support is a ConfigError naming the collection. Fails with a
 * ProtocolError on a broken rule, a ConnectorError when the connector exits non-zero, a
 * DocumentError for input it cannot read or a published document that does not fit its
 * collection, a ReduceError for documents that do not reduce. Transactions committed before a
 * failure have been passed to `onCommit`; the failing one has not.
 */
export async function runDeriveSession(task: DerivationTask, collection: CollectionSpec, input: DeriveInput, options: DeriveSessionOptions = {}): Promise<DeriveSessionResult> {
  const plan = combinePlan(task)
  const checker = options.checkDocuments === false ? undefined : compileCollection(task.collection)
  const connection = await connectDerivation(task, options)
  try {
    const driver = new SessionDriver(connection, readPlans(task), plan, checker, options)
    const skip = await driver.open(collection)
    const routes = new Map<string, number[]>()
    task.transforms.forEach((transform, index) => routes.set(transform.source.name, [...(routes.get(transform.source.name) ?? []), index]))
    for await (const batch of deriveBatches(input, { routes, skip, maxDocs: options.transactionDocs ?? 1000 })) {
      await driver.transaction(batch)
      if (options.signal?.aborted) break
    }
    const result = await driver.close(skip)
    await connection.finish()
    return result
  } catch (error) {
    throw await connection.failure(error)
  }
}

/** The derived collection's key and reducer (its write schema's reduce annotations). */
function combinePlan(task: DerivationTask): CombinePlan {
  const { name, key, writeSchema } = task.collection
  try {
    return { index: 0, collection: name, key: parsePointers(key), reducer: compileReducer(writeSchema) }
  } catch (error) {
    throw new ConfigError(`collection ${name}: its schema's reduce annotations or key cannot be used: ${messageOf(error)}`, { cause: error })
  }
}

/** The exchange of one session after the internal Spec, response by response. */
class SessionDriver {
  readonly #connection: DeriveConnection
  readonly #reads: readonly ReadPlan[]
  readonly #plan: CombinePlan
  readonly #checker: CollectionChecker | undefined
  readonly #options: DeriveSessionOptions
  #state: DeriveDriverState
  #authoritative = false
  #transactions = 0
  #docs = 0
  #skipped = 0

  constructor(connection: DeriveConnection, reads: readonly ReadPlan[], plan: CombinePlan, checker: CollectionChecker | undefined, options: DeriveSessionOptions) {
    this.#connection = connection
    this.#reads = reads
    this.#plan = plan
    this.#checker = checker
    this.#options = options
    this.#state = { ...(options.state ?? INITIAL_DERIVE_STATE), pending: [] }
  }

  /** Open, then Opened. Returns the input to skip: the state's, or the connector's runtime checkpoint's. */
  async open(collection: CollectionSpec): Promise<number> {
    this.#connection.send(openRequest(collection, this.#state.connectorState))
    const response = await this.#next('Opened was due in answer to Open')
    const kind = deriveResponseKind(response)
    if (kind !== 'opened') throw this.#connection.violation('PROTOCOL_ORDER', `the first response to Open must be Opened, not ${deriveResponseName(kind)}`)
    let skip = this.#state.readThrough
    const checkpoint = response.opened!.runtimeCheckpoint
    if (checkpoint != null) {
      this.#authoritative = true
      skip = readThroughOf(checkpoint)
      this.#options.onNote?.(`the connector holds the runtime checkpoint (remote-authoritative): input committed through ${skip}` + (skip === this.#state.readThrough ? '' : `; the state file said ${this.#state.readThrough}`))
    }
    this.#options.onNote?.(skip === 0 ? 'starting from the start of the input' : `resuming after input ${skip}`)
    this.#state = { ...this.#state, readThrough: skip }
    return skip
  }

  /** One transaction: its Reads, the Flush rounds, StartCommit for an authoritative connector, then the commit. */
  async transaction(batch: InputBatch): Promise<void> {
    const n = ++this.#transactions
    const combiner = new Combiner([this.#plan])
    const codec = this.#connection.codec
    const base = this.#state.readThrough
    batch.documents.forEach(([transform, doc], i) => this.#connection.send(readRequest(codec, this.#reads[transform] as ReadPlan, doc, base + i)))
    // Never waits for the connector here: it may be blocked on output only this process reads.
    let published = this.#publishedSoFar(combiner, n)
    this.#connection.send({ flush: {} })
    const flushed = await this.#flushes(combiner, n)
    published += flushed.published
    if (this.#authoritative) await this.#startCommit(batch.readThrough, n)
    const pending: unknown[] = []
    for (const entry of combiner.sorted()) pending.push(...entry.docs)
    const state: DeriveDriverState = { readThrough: batch.readThrough, connectorState: applyStatePatches(this.#state.connectorState, flushed.patches), pending }
    this.#docs += batch.docs
    this.#skipped += batch.skipped
    const summary = { transaction: n, docs: batch.docs, skipped: batch.skipped, reads: batch.documents.length, published, combined: pending.length, rounds: flushed.rounds, readThrough: batch.readThrough }
    await this.#options.onCommit?.(state, summary)
    this.#state = { ...state, pending: [] }
  }

  /** Ends the connector's input; no response may follow. */
  async close(resumedFrom: number): Promise<DeriveSessionResult> {
    this.#connection.end()
    const after = await this.#connection.next()
    if (after !== undefined) {
      throw this.#connection.violation('PROTOCOL_ORDER', `no response may follow the last transaction's ${this.#authoritative ? 'StartedCommit' : 'Flushed'} once the runtime closed the connector's input; got ${deriveResponseName(deriveResponseKind(after))}`)
    }
    return { state: this.#state, transactions: this.#transactions, docs: this.#docs, skipped: this.#skipped, resumedFrom, authoritative: this.#authoritative }
  }

  /** Responses already decoded while the Reads were sent, before Flush: Published only. */
  #publishedSoFar(combiner: Combiner, n: number): number {
    let count = 0
    for (let response = this.#connection.nextIfReady(); response !== undefined; response = this.#connection.nextIfReady()) {
      const kind = deriveResponseKind(response)
      if (kind === 'flushed') throw this.#connection.violation('PROTOCOL_ORDER', `connector sent Flushed before receiving Flush (during the Reads of transaction ${n})`)
      if (kind !== 'published') throw this.#unexpected(kind, `during the Reads of transaction ${n}`)
      this.#publish(combiner, response)
      count++
    }
    return count
  }

  /** Published* and Flushed until a Flushed without `more`; each Flushed{more} is answered by a Flush with that round's state patches. */
  async #flushes(combiner: Combiner, n: number): Promise<{ published: number; patches: unknown[]; rounds: number }> {
    const patches: unknown[] = []
    let published = 0
    for (let round = 1; ; ) {
      const response = await this.#next(`Flushed was due after Flush ${round} of transaction ${n}`)
      const kind = deriveResponseKind(response)
      if (kind === 'published') {
        this.#publish(combiner, response)
        published++
        continue
      }
      if (kind !== 'flushed') throw this.#unexpected(kind, `after Flush ${round} of transaction ${n}`)
      const roundPatches = this.#patches(response)
      patches.push(...roundPatches)
      if (response.flushed!.more !== true) return { published, patches, rounds: round }
      round++
      this.#connection.send({ flush: roundPatches.length === 0 ? {} : { statePatchesJson: JSON.stringify(roundPatches) } })
    }
  }

  /** StartCommit with the runtime checkpoint of the input committed; its StartedCommit must carry no state. */
  async #startCommit(readThrough: number, n: number): Promise<void> {
    this.#connection.send({ startCommit: { runtimeCheckpoint: checkpointOf(readThrough) } })
    const response = await this.#next(`StartedCommit was due after StartCommit of transaction ${n}`)
    const kind = deriveResponseKind(response)
    if (kind === 'published') throw this.#connection.violation('PROTOCOL_ORDER', `connector sent Published after Flushed of transaction ${n}: every document comes before the last Flushed`)
    if (kind !== 'startedCommit') throw this.#connection.violation('PROTOCOL_ORDER', `expected StartedCommit after StartCommit of transaction ${n}, got ${deriveResponseName(kind)}`)
    if (response.startedCommit!.state?.updatedJson) {
      throw this.#connection.violation('PROTOCOL_VIOLATION', `StartedCommit of transaction ${n} carries a state update, which the runtime does not accept: a derivation reports its state in Flushed`)
    }
  }

  #unexpected(kind: ReturnType<typeof deriveResponseKind>, where: string) {
    if (kind === 'startedCommit') {
      const why = this.#authoritative ? 'StartCommit comes only after the last Flushed' : 'only a connector whose Opened has a runtime checkpoint gets StartCommit'
      return this.#connection.violation('PROTOCOL_ORDER', `connector sent StartedCommit ${where}, before any StartCommit (${why})`)
    }
    return this.#connection.violation('PROTOCOL_ORDER', `expected Published or Flushed ${where}, got ${deriveResponseName(kind)}`)
  }

  /** A Published document, parsed, checked against the derived collection and combined. */
  #publish(combiner: Combiner, response: DeriveResponse): void {
    let doc: unknown
    try {
      doc = JSON.parse(response.published!.docJson || 'null')
    } catch (error) {
      throw this.#connection.violation('PROTOCOL_VIOLATION', `a Published document is not valid JSON (${messageOf(error)})`)
    }
    const problems = this.#checker?.problems(doc)
    if (problems) throw new DocumentError(`a published document does not fit: ${describeProblems(this.#plan.collection, 0, problems)}`)
    combiner.add(0, doc)
  }

  #patches(response: DeriveResponse): unknown[] {
    try {
      return statePatchesOf(response.flushed!.state)
    } catch (error) {
      throw this.#connection.violation('PROTOCOL_VIOLATION', `Flushed.state is not JSON (${messageOf(error)})`)
    }
  }

  async #next(due: string): Promise<DeriveResponse> {
    const response = await this.#connection.next()
    if (response === undefined) throw this.#connection.unexpectedEof(due)
    return response
  }
}
