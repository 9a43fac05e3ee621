/**
 * flowkit/testing: run a connector in a test as Flow's runtime runs it, from a catalog
 * (`flow.yaml`) or a task built in code: its unary RPCs, capture sessions whose committed
 * transactions a test can inspect, and materialization sessions fed documents. The same driver
 * runs `flowkit raw` and `flowkit preview`.
 */
import { loadCapture, type CaptureTask } from '../runtime/catalog.ts'
import { runCaptureSession, type SessionOptions, type Transaction } from '../runtime/capture-session.ts'
import type { StartOptions } from '../runtime/endpoint.ts'
import { loadMaterialization, type MaterializationTask } from '../runtime/materialize-catalog.ts'
import { applyMaterialization } from '../runtime/materialize-rpc.ts'
import { runMaterializeSession, type MaterializeSessionResult, type TransactionSummary } from '../runtime/materialize-session.ts'
import { INITIAL_STATE, readDriverState, writeDriverState } from '../runtime/materialize-state.ts'

export { loadCapture, type CaptureBinding, type CaptureTask, type Collection, type Endpoint, type ImageEndpoint, type LocalEndpoint } from '../runtime/catalog.ts'
export type { ConnectorLog } from '../io/log-reader.ts'
export type { StartOptions } from '../runtime/endpoint.ts'
export { apply, discover, spec, validate } from '../runtime/capture-rpc.ts'
export { runCaptureSession, type SessionOptions, type SessionResult, type Transaction } from '../runtime/capture-session.ts'

export interface CollectOptions extends Omit<SessionOptions, 'state' | 'onTransaction'> {
  /** The capture to run when the catalog has several. */
  readonly capture?: string
  /** How many sessions to run, each resuming from the state the last one committed. Default 1. */
  readonly sessions?: number
  /** The state the first session opens with. Default `{}`. */
  readonly state?: unknown
}

/** What `collectCapture` committed. */
export interface Collected {
  /** Every committed document, in order, as `[collection, document]`. */
  readonly documents: readonly (readonly [string, unknown])[]
  readonly transactions: readonly Transaction[]
  /** The connector state after the last transaction. */
  readonly state: unknown
}

/**
 * Runs `sessions` capture sessions of a catalog's capture (a `flow.yaml` path) or of a task,
 * one after another as a preview does, and returns what they committed. Fails as
 * `runCaptureSession` fails: a broken protocol rule, a document that does not fit its
 * collection, a connector that exits non-zero.
 */
export async function collectCapture(source: string | CaptureTask, options: CollectOptions = {}): Promise<Collected> {
  const task = typeof source === 'string' ? loadCapture(source, options.capture) : source
  const transactions: Transaction[] = []
  let state: unknown = options.state ?? {}
  for (let session = 0; session < (options.sessions ?? 1); session++) {
    const result = await runCaptureSession(task, { ...options, state, onTransaction: (transaction) => void transactions.push(transaction) })
    state = result.state
  }
  const names = task.bindings.map((binding) => binding.collection.name)
  const documents = transactions.flatMap((transaction) => transaction.documents.map(([binding, doc]) => [names[binding] as string, JSON.parse(doc)] as const))
  return { documents, transactions, state }
}

export { loadMaterialization, type FieldsSpec, type MaterializationBinding, type MaterializationTask } from '../runtime/materialize-catalog.ts'
export { applyMaterialization, materializeApply, materializeSpec, materializeValidate, prepareMaterialization, type AppliedMaterialization, type Prepared } from '../runtime/materialize-rpc.ts'
export { runMaterializeSession, type MaterializeSessionOptions, type MaterializeSessionResult, type TransactionSummary } from '../runtime/materialize-session.ts'
export { readDriverState, writeDriverState, type DriverState } from '../runtime/materialize-state.ts'
export { selectFields, type FieldConstraint, type SelectionInput } from '../runtime/field-selection.ts'

export interface MaterializeDocumentsOptions extends Omit<StartOptions, 'inspect'> {
  /** `[collection, document]` pairs, in order: the input of the session. */
  readonly documents: Iterable<readonly [string, unknown]> | AsyncIterable<readonly [string, unknown]>
  /** The materialization to run when the catalog has several. */
  readonly materialization?: string
  /** The codec of a local connector, overriding its endpoint's `protobuf`. */
  readonly codec?: 'json' | 'proto'
  /** The driver state file: read if it exists, replaced after each commit, so a rerun resumes. */
  readonly stateFile?: string
  /** Documents per transaction. Default 1000. */
  readonly transactionDocs?: number
}

/** What `materializeDocuments` did. */
export interface Materialized extends MaterializeSessionResult {
  readonly summaries: readonly TransactionSummary[]
  /** The Applied response's action description. */
  readonly applied: string
}

/**
 * Runs a materialization over documents as `flowkit preview --materialization` does: Validate,
 * the field selection, Apply, then one session. Fails as `runMaterializeSession` fails.
 */
export async function materializeDocuments(source: string | MaterializationTask, options: MaterializeDocumentsOptions): Promise<Materialized> {
  const loaded = typeof source === 'string' ? loadMaterialization(source, options.materialization) : source
  const task = options.codec === undefined || loaded.endpoint.type !== 'local' ? loaded : { ...loaded, endpoint: { ...loaded.endpoint, protobuf: options.codec === 'proto' } }
  const start: StartOptions = { logLevel: options.logLevel, onLog: options.onLog }
  const initial = options.stateFile === undefined ? INITIAL_STATE : await readDriverState(options.stateFile)
  const { materialization, description, state } = await applyMaterialization(task, initial, start)
  const summaries: TransactionSummary[] = []
  const result = await runMaterializeSession(task, materialization, options.documents, {
    ...start,
    state,
    ...(options.transactionDocs === undefined ? {} : { transactionDocs: options.transactionDocs }),
    onCommit: async (committed, summary) => {
      summaries.push(summary)
      if (options.stateFile !== undefined) await writeDriverState(options.stateFile, committed)
    },
  })
  if (options.stateFile !== undefined) await writeDriverState(options.stateFile, result.state)
  return { ...result, summaries, applied: description }
}
