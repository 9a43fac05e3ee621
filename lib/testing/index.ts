/**
 * flowkit/testing: run a connector in a test as Flow's runtime runs it, from a catalog
 * (`flow.yaml`) or a task built in code: its unary RPCs, capture sessions whose committed
 * transactions a test can inspect, and materialization and derivation sessions fed documents;
 * and `checkCapture`, the conformance checks of `flowkit check`. The same driver runs
 * `flowkit raw`, `flowkit preview` and `flowkit check`.
 */
import { pathToFileURL } from 'node:url'
import { loadCapture, type CaptureTask } from '../runtime/catalog.ts'
import { runCaptureSession, type SessionOptions, type Transaction } from '../runtime/capture-session.ts'
import type { StartOptions } from '../runtime/endpoint.ts'
import { loadMaterialization, type MaterializationTask } from '../runtime/materialize-catalog.ts'
import { applyMaterialization } from '../runtime/materialize-rpc.ts'
import { runMaterializeSession, type MaterializeSessionResult, type TransactionSummary } from '../runtime/materialize-session.ts'
import { INITIAL_STATE, readDriverState, writeDriverState } from '../runtime/materialize-state.ts'
import { loadDerivation, type DerivationTask } from '../runtime/derive-catalog.ts'
import { prepareDerivation, projectRootOf } from '../runtime/derive-rpc.ts'
import { runDeriveSession, type DeriveSessionResult, type DeriveTransactionSummary } from '../runtime/derive-session.ts'
import { emitPending, handOn, INITIAL_DERIVE_STATE, readDeriveState } from '../runtime/derive-state.ts'

export { loadCapture, type CaptureBinding, type CaptureTask, type Collection, type Endpoint, type ImageEndpoint, type LocalEndpoint } from '../runtime/catalog.ts'
export type { ConnectorLog } from '../io/log-reader.ts'
export type { StartOptions } from '../runtime/endpoint.ts'
export { apply, discover, spec, validate } from '../runtime/capture-rpc.ts'
export { runCaptureSession, type SessionOptions, type SessionResult, type Transaction } from '../runtime/capture-session.ts'
export { checkCapture, type CheckOptions } from '../runtime/check-capture.ts'
export { CAPTURE_CHECKS, formatCheck, summarizeChecks, type CaptureCheck, type CheckResult, type CheckStatus } from '../runtime/check-result.ts'

/**
 * Options of `collectCapture`: which capture, how many sessions, the state the first opens with,
 * and the options of each session.
 */
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

/**
 * Options of `materializeDocuments`: the input documents, which materialization, its codec, a state
 * file to resume from and the transaction size.
 */
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

export { loadDerivation, type DerivationTransform } from '../runtime/derive-catalog.ts'
export type { DerivationTask }
export { deriveSpec, deriveValidate, prepareDerivation } from '../runtime/derive-rpc.ts'
export { runDeriveSession, type DeriveSessionOptions } from '../runtime/derive-session.ts'
export type { DeriveSessionResult, DeriveTransactionSummary }
export { readDeriveState, writeDeriveState, type DeriveDriverState } from '../runtime/derive-state.ts'

/**
 * Options of `deriveDocuments`: the input documents or a fixture, which derivation, its codec, a
 * state file to resume from, the transaction size and the project root.
 */
export interface DeriveDocumentsOptions extends Omit<StartOptions, 'inspect'> {
  /** `[collection, document]` pairs, in order; or `{fixture}`: flowctl's fixture shape, an array of transactions. */
  readonly documents: Iterable<readonly [string, unknown]> | AsyncIterable<readonly [string, unknown]> | { readonly fixture: readonly (readonly (readonly [string, unknown])[])[] }
  /** The derivation (derived collection) to run when the catalog has several. */
  readonly derivation?: string
  /** The codec of a local connector, overriding its endpoint's `protobuf`. */
  readonly codec?: 'json' | 'proto'
  /** The driver state file: read if it exists, replaced at each commit, so a rerun resumes. */
  readonly stateFile?: string
  /** Documents per transaction (not for a fixture). Default 1000. */
  readonly transactionDocs?: number
  /** The project root Validate gets (a file: URL ending in `/`). Default: the catalog file's directory, else the working directory. */
  readonly projectRoot?: string
}

/** What `deriveDocuments` did. */
export interface Derived extends DeriveSessionResult {
  /** Every published document, combined per transaction, in commit order: `[derived collection, document]`. */
  readonly documents: readonly (readonly [string, unknown])[]
  readonly summaries: readonly DeriveTransactionSummary[]
}

/**
 * Runs a derivation over documents as `flowkit preview --derivation` does: Validate, then one
 * session, each commit handed on as the preview hands it on (documents a stopped run committed
 * but may not have handed on come first). Fails as `runDeriveSession` fails.
 */
export async function deriveDocuments(source: string | DerivationTask, options: DeriveDocumentsOptions): Promise<Derived> {
  const loaded = typeof source === 'string' ? loadDerivation(source, options.derivation) : source
  const task = options.codec === undefined || loaded.endpoint.type !== 'local' ? loaded : { ...loaded, endpoint: { ...loaded.endpoint, protobuf: options.codec === 'proto' } }
  const start: StartOptions = { logLevel: options.logLevel, onLog: options.onLog }
  const documents: (readonly [string, unknown])[] = []
  const emit = (docs: readonly unknown[]) => void documents.push(...docs.map((doc) => [task.name, doc] as const))
  let state = options.stateFile === undefined ? INITIAL_DERIVE_STATE : await readDeriveState(options.stateFile)
  state = await emitPending(state, options.stateFile, emit)
  const root = options.projectRoot ?? (typeof source === 'string' ? projectRootOf(source) : pathToFileURL(process.cwd()).href + '/')
  const collection = await prepareDerivation(task, root, start)
  const summaries: DeriveTransactionSummary[] = []
  const input = 'fixture' in options.documents ? { fixture: options.documents.fixture } : { lines: options.documents }
  const result = await runDeriveSession(task, collection, input, {
    ...start,
    state,
    ...(options.transactionDocs === undefined ? {} : { transactionDocs: options.transactionDocs }),
    onCommit: async (committed, summary) => {
      summaries.push(summary)
      await handOn(committed, options.stateFile, emit)
    },
  })
  return { ...result, documents, summaries }
}
