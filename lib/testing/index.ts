/**
 * flowkit/testing: run a connector in a test as Flow's runtime runs it, from a catalog
 * (`flow.yaml`) or a task built in code: its unary RPCs, and capture sessions whose committed
 * transactions a test can inspect. The same driver runs `flowkit raw` and `flowkit preview`.
 */
import { loadCapture, type CaptureTask } from '../runtime/catalog.ts'
import { runCaptureSession, type SessionOptions, type Transaction } from '../runtime/capture-session.ts'

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
