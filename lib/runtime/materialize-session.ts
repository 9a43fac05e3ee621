/**
 * A materialization session, played as Flow's runtime plays it:
 *
 *   runtime  : Open ─ Acknowledge ─ Load* ─ Flush ─ Store* ─ StartCommit ─ Acknowledge ─ Load* …
 *   connector: Opened ─ Acknowledged ─ Loaded* ─ Flushed ─ StartedCommit ─ Acknowledged ─ Loaded* …
 *
 * Opened first; an Acknowledge at once for the transaction recovered before Open; then per
 * transaction of input documents: the documents combined per (binding, key); a Load per key of a
 * standard binding that may have been stored (every key when the connector disables the load
 * optimization), sent while the previous Acknowledged may still be on its way; Flush once it
 * came; the Loaded documents reduced under the combined ones; Flushed; a Store per key;
 * StartCommit with a runtime checkpoint of how far the input went; StartedCommit; the commit
 * recorded (`onCommit`); Acknowledge. Each response out of order fails the session with a
 * ProtocolError naming the rule. The state updates of Flushed, StartedCommit and Acknowledged
 * are applied to the connector state, which the next session opens with.
 */
import { ConfigError, messageOf } from '../errors.ts'
import { compileReducer } from '../json/reduce.ts'
import type { FieldSelection, MaterializationSpec, MaterializeResponse } from '../protocol/index.ts'
import { compileCollection, describeProblems, type CollectionChecker } from './document-check.ts'
import type { StartOptions } from './endpoint.ts'
import { idleMarks } from './idle-marks.ts'
import { parsePointers, TransactionDocuments, type BindingPlan, type StoreCounts } from './materialize-combine.ts'
import type { MaterializationTask } from './materialize-catalog.ts'
import { inputBatches, type InputBatch, type InputItem } from './materialize-input.ts'
import { openRequest } from './materialize-requests.ts'
import { connectMaterialization, materializeResponseKind, responseName, type MaterializeConnection } from './materialize-rpc.ts'
import { applyStateUpdate, checkpointOf, INITIAL_STATE, readThroughOf, type DriverState } from './materialize-state.ts'
import { readSchemaOf } from './projections.ts'

/** What one transaction did. */
export interface TransactionSummary {
  readonly transaction: number
  /** Input documents read by bindings, and of collections no binding reads. */
  readonly docs: number
  readonly skipped: number
  /** Distinct (binding, key) pairs. */
  readonly keys: number
  /** Loads sent, and Loaded documents received. */
  readonly loads: number
  readonly found: number
  /** Stores of documents, and of deletions. */
  readonly stored: number
  readonly deleted: number
  /** Input lines committed once this transaction is. */
  readonly readThrough: number
}

/**
 * Options of a materialization session: the driver state it resumes from, how transactions are
 * sized, what is called at each commit, and how it is stopped.
 */
export interface MaterializeSessionOptions extends StartOptions {
  /** The driver state the session starts from. Default: nothing committed. */
  readonly state?: DriverState
  /** Input documents (read by bindings) per transaction. Default 1000. */
  readonly transactionDocs?: number
  /** A transaction also closes when the input gives nothing for this long (ms). Default 250. */
  readonly idleMs?: number
  /**
   * Called after each StartedCommit, before the Acknowledge: what it persists is what the
   * session committed. A rejection ends the session.
   */
  readonly onCommit?: (state: DriverState, summary: TransactionSummary) => void | Promise<void>
  /** The driver's own notes: where it resumes, and whose checkpoint decided it. */
  readonly onNote?: (message: string) => void
  /** Aborting it ends the session after the running transaction. */
  readonly signal?: AbortSignal
}

/**
 * What a materialization session ended with: the driver state after the last acknowledged
 * transaction, and what it counted.
 */
export interface MaterializeSessionResult {
  /** The state after the last Acknowledged. */
  readonly state: DriverState
  readonly transactions: number
  readonly docs: number
  readonly skipped: number
  /** Input lines the session skipped, as committed before it. */
  readonly resumedFrom: number
  /** True when the connector returned a runtime checkpoint in Opened. */
  readonly authoritative: boolean
}

/**
 * Runs one session of an applied materialization over `input` (see materialize-input.ts) to
 * its end. Reducers are compiled before the connector starts: an annotation the reducer does
 * not support is a ConfigError naming the collection. Fails with a ProtocolError on a broken
 * rule, a ConnectorError when the connector exits non-zero, a DocumentError for input it cannot
 * read, a ReduceError for documents that do not reduce. Transactions committed before a
 * failure have been passed to `onCommit`; the failing one has not.
 */
export async function runMaterializeSession(
  task: MaterializationTask,
  materialization: MaterializationSpec,
  input: AsyncIterable<InputItem> | Iterable<InputItem>,
  options: MaterializeSessionOptions = {},
): Promise<MaterializeSessionResult> {
  const plans = bindingPlans(materialization)
  const connection = await connectMaterialization(task, options)
  try {
    const driver = new SessionDriver(connection, plans, options)
    const skip = await driver.open(materialization)
    const routes = new Map<string, number[]>()
    plans.forEach((plan) => routes.set(plan.collection, [...(routes.get(plan.collection) ?? []), plan.index]))
    const check = inputCheck(materialization)
    const items = idleMarks(input, options.idleMs ?? 250)
    for await (const batch of inputBatches(items, { routes, skip, check, maxDocs: options.transactionDocs ?? 1000 })) {
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

/**
 * Input documents checked as Flow's runtime checks what it reads: against the collection's read
 * schema, with a value at every key location. Throws a ConfigError for a schema that does not
 * compile.
 */
function inputCheck(materialization: MaterializationSpec): (binding: number, doc: unknown) => string | undefined {
  const checkers = (materialization.bindings ?? []).map(({ collection }) => {
    const name = collection?.name ?? ''
    const schema = JSON.parse(collection?.readSchemaJson || collection?.writeSchemaJson || '{}') as unknown
    return compileCollection({ name, key: collection?.key ?? [], writeSchema: schema })
  })
  return (binding, doc) => {
    const checker = checkers[binding] as CollectionChecker
    const problems = checker.problems(doc)
    return problems && describeProblems(checker.collection.name, binding, problems)
  }
}

/** Each binding's key and value locations, from its field selection, and its collection's reducer. */
function bindingPlans(materialization: MaterializationSpec): BindingPlan[] {
  return (materialization.bindings ?? []).map((binding, index) => {
    const collection = binding.collection ?? {}
    const name = collection.name ?? ''
    const selection: FieldSelection = binding.fieldSelection ?? {}
    const ptrOf = (field: string) => collection.projections?.find((p) => p.field === field)?.ptr ?? ''
    let reducer
    try {
      reducer = compileReducer(readSchemaOf({ name, key: [], writeSchema: JSON.parse(collection.writeSchemaJson || '{}'), ...(collection.readSchemaJson ? { readSchema: JSON.parse(collection.readSchemaJson) } : {}) }))
    } catch (error) {
      throw new ConfigError(`collection ${name}: its schema's reduce annotations cannot be used: ${messageOf(error)}`, { cause: error })
    }
    return {
      index,
      collection: name,
      key: parsePointers(collection.key ?? []),
      values: parsePointers((selection.values ?? []).map(ptrOf)),
      deltaUpdates: binding.deltaUpdates ?? false,
      reducer,
    }
  })
}

/** The exchange of one session after the internal Spec, response by response. */
class SessionDriver {
  readonly #connection: MaterializeConnection
  readonly #plans: readonly BindingPlan[]
  readonly #options: MaterializeSessionOptions
  readonly #ids: string[] = []
  #state: DriverState
  #maxKeys = new Map<number, Buffer>()
  #ackPending = false
  #loadOptimization = true
  #authoritative = false
  #transactions = 0
  #docs = 0
  #skipped = 0

  constructor(connection: MaterializeConnection, plans: readonly BindingPlan[], options: MaterializeSessionOptions) {
    this.#connection = connection
    this.#plans = plans
    this.#options = options
    this.#state = options.state ?? INITIAL_STATE
  }

  /** Open, Opened, then the Acknowledge of the recovered transaction. Returns the input lines to skip. */
  async open(materialization: MaterializationSpec): Promise<number> {
    materialization.bindings?.forEach((binding, index) => {
      const id = JSON.stringify(binding.resourcePath ?? [])
      this.#ids.push(id)
      const max = this.#state.maxKeys[id]
      if (max !== undefined) this.#maxKeys.set(index, Buffer.from(max, 'base64'))
    })
    this.#connection.send(openRequest(materialization, this.#state.connectorState))
    const opened = (await this.#expect('opened', 'Opened was due in answer to Open', 'the first response to Open must be Opened')).opened!
    this.#loadOptimization = opened.disableLoadOptimization !== true
    let skip = this.#state.readThrough
    if (opened.runtimeCheckpoint != null) skip = this.#recover(readThroughOf(opened.runtimeCheckpoint))
    this.#options.onNote?.(skip === 0 ? 'starting from the first input line' : `resuming after input line ${skip}`)
    this.#state = { ...this.#state, readThrough: skip }
    this.#acknowledge()
    return skip
  }

  /** An authoritative endpoint's checkpoint decides what was committed; keys stored past the state file's are unknown, so every key is loaded. */
  #recover(fromConnector: number): number {
    this.#authoritative = true
    const own = this.#state.readThrough
    this.#options.onNote?.(`the connector holds the runtime checkpoint (authoritative endpoint): input committed through line ${fromConnector}` + (own === fromConnector ? '' : `; the state file said ${own}`))
    if (fromConnector > own) this.#loadOptimization = false
    return fromConnector
  }

  async transaction(batch: InputBatch): Promise<void> {
    const n = ++this.#transactions
    const documents = new TransactionDocuments(this.#plans)
    for (const [binding, doc] of batch.documents) documents.add(binding, doc)
    const codec = this.#connection.codec
    const loads = documents.loads(codec, (binding, packed) => this.#mayExist(binding, packed))
    for (const load of loads) this.#connection.send(load)
    if (this.#ackPending) await this.#acknowledged(`before Flush of transaction ${n}`)
    this.#connection.send({ flush: {} })
    const found = await this.#loaded(documents, n)
    const counts: StoreCounts = { stored: 0, deleted: 0 }
    const stores = documents.stores(codec, counts, (binding, packed) => this.#stored(binding, packed))
    for (const store of stores) this.#connection.send(store)
    this.#connection.send({ startCommit: { runtimeCheckpoint: checkpointOf(batch.readThrough) } })
    const due = `StartedCommit was due after StartCommit of transaction ${n}`
    const started = (await this.#expect('startedCommit', due, `expected StartedCommit after StartCommit of transaction ${n}`)).startedCommit!
    this.#update(started.state)
    this.#state = { ...this.#state, readThrough: batch.readThrough, maxKeys: this.#maxKeysRecord() }
    this.#docs += batch.docs
    this.#skipped += batch.skipped
    const summary = { transaction: n, docs: batch.docs, skipped: batch.skipped, keys: documents.keys, loads: loads.length, found, ...counts, readThrough: batch.readThrough }
    await this.#options.onCommit?.(this.#state, summary)
    this.#acknowledge()
  }

  /** Waits for the last Acknowledged, then ends the session's input. */
  async close(resumedFrom: number): Promise<MaterializeSessionResult> {
    if (this.#ackPending) await this.#acknowledged('after the last transaction')
    this.#connection.end()
    const after = await this.#connection.next()
    if (after !== undefined) throw this.#connection.violation('PROTOCOL_ORDER', `no response may follow the last Acknowledged once the runtime closed the connector's input; got ${responseName(materializeResponseKind(after))}`)
    return { state: this.#state, transactions: this.#transactions, docs: this.#docs, skipped: this.#skipped, resumedFrom, authoritative: this.#authoritative }
  }

  #acknowledge(): void {
    this.#connection.send({ acknowledge: {} })
    this.#ackPending = true
  }

  async #acknowledged(where: string): Promise<void> {
    const response = await this.#next(`Acknowledged was due ${where}`)
    const kind = materializeResponseKind(response)
    if (kind === 'loaded') throw this.#connection.violation('PROTOCOL_ORDER', 'connector sent Loaded before Acknowledged: the previous transaction must be acknowledged first')
    if (kind === 'flushed') throw this.#connection.violation('PROTOCOL_ORDER', 'connector sent Flushed before receiving Flush')
    if (kind !== 'acknowledged') throw this.#connection.violation('PROTOCOL_ORDER', `expected Acknowledged ${where}, got ${responseName(kind)}`)
    this.#ackPending = false
    this.#update(response.acknowledged!.state)
  }

  /** Loaded* until Flushed; returns how many documents were loaded. */
  async #loaded(documents: TransactionDocuments, n: number): Promise<number> {
    let found = 0
    for (;;) {
      const response = await this.#next(`Flushed was due after Flush of transaction ${n}`)
      const kind = materializeResponseKind(response)
      if (kind === 'flushed') {
        this.#update(response.flushed!.state)
        return found
      }
      if (kind === 'acknowledged') throw this.#connection.violation('PROTOCOL_VIOLATION', 'connector sent duplicate Acknowledged: exactly one per Acknowledge')
      if (kind !== 'loaded') throw this.#connection.violation('PROTOCOL_ORDER', `expected Loaded or Flushed after Flush of transaction ${n}, got ${responseName(kind)}`)
      const loaded = response.loaded!
      const binding = loaded.binding ?? 0
      if (binding >= this.#plans.length) throw this.#connection.violation('PROTOCOL_VIOLATION', `Loaded for binding ${binding}, but the materialization has ${this.#plans.length} bindings`)
      const problem = documents.loaded(binding, this.#json(loaded.docJson, 'the Loaded document'))
      if (problem !== undefined) throw this.#connection.violation('PROTOCOL_VIOLATION', problem)
      found++
    }
  }

  async #expect(kind: 'opened' | 'startedCommit', due: string, rule: string): Promise<MaterializeResponse> {
    const response = await this.#next(due)
    const got = materializeResponseKind(response)
    if (got === kind) return response
    if (kind === 'startedCommit' && got === 'loaded') throw this.#connection.violation('PROTOCOL_ORDER', 'connector sent Loaded after Flushed: Loaded may come only between Load and Flushed')
    throw this.#connection.violation('PROTOCOL_ORDER', `${rule}, not ${responseName(got)}`)
  }

  async #next(due: string): Promise<MaterializeResponse> {
    const response = await this.#connection.next()
    if (response === undefined) throw this.#connection.unexpectedEof(due)
    return response
  }

  #update(update: Parameters<typeof applyStateUpdate>[1]): void {
    if (update) this.#state = { ...this.#state, connectorState: applyStateUpdate(this.#state.connectorState, update) }
  }

  #json(text: string | null | undefined, what: string): unknown {
    try {
      return JSON.parse(text || 'null')
    } catch (error) {
      throw this.#connection.violation('PROTOCOL_VIOLATION', `${what} is not valid JSON (${messageOf(error)})`)
    }
  }

  #mayExist(binding: number, packed: Buffer): boolean {
    if (!this.#loadOptimization) return true
    const max = this.#maxKeys.get(binding)
    return max !== undefined && Buffer.compare(packed, max) <= 0
  }

  #stored(binding: number, packed: Buffer): void {
    const max = this.#maxKeys.get(binding)
    if (max === undefined || Buffer.compare(packed, max) > 0) this.#maxKeys.set(binding, packed)
  }

  #maxKeysRecord(): Record<string, string> {
    const out: Record<string, string> = { ...this.#state.maxKeys }
    for (const [binding, packed] of this.#maxKeys) out[this.#ids[binding] as string] = packed.toString('base64')
    return out
  }
}
