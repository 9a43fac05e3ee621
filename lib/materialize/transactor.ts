/**
 * A materialization session's transactions, as an author writes them. Flow pipelines them:
 *
 *   runtime  : Open ─ Acknowledge ─ Load* ─ Flush ─ Store* ─ StartCommit ─ Acknowledge ─ Load* …
 *   connector: Opened ─ Acknowledged ─ Loaded* ─ Flushed ─ StartedCommit ─ Acknowledged ─ Loaded* …
 *
 * The serve loop calls, per transaction: `load` with the transaction's keys as they arrive (the
 * previous transaction's `acknowledge` may still be running), `flush` once the loads are done,
 * `store` with its stores as they arrive, `startCommit` once they are all stored, and
 * `acknowledge` once Flow has committed the transaction. Keys and values come decoded the same
 * way in both codecs.
 */
import type { StateUpdate } from './connector.ts'

/** A key to load: its binding, and the values of the binding's key fields. */
export interface LoadKey {
  readonly binding: number
  readonly key: readonly unknown[]
}

/** A document found for a loaded key. */
export interface LoadedDocument {
  readonly binding: number
  /** The document: an object, or its JSON text. */
  readonly doc: object | string
}

/** A document to store. */
export interface StoreItem {
  readonly binding: number
  /** Values of the binding's key fields, in their order. */
  readonly key: readonly unknown[]
  /** Values of the binding's value fields, in their order. */
  readonly values: readonly unknown[]
  /** The root document's JSON text; '' when the binding does not materialize it. */
  readonly doc: string
  /** The key was loaded or stored before: update rather than insert. */
  readonly exists: boolean
  /** The document is a deletion: remove the key. */
  readonly delete: boolean
}

/**
 * What runs a materialization's transactions. The serve loop calls it in the protocol's order,
 * one transaction after another: load, flush, store, startCommit, then acknowledge, which may
 * run while the next transaction's keys are already loading (its Loaded responses wait for it).
 */
export interface Transactor {
  /**
   * For an endpoint that commits Flow's runtime checkpoint with its own data (authoritative):
   * the checkpoint it holds, as the bytes `startCommit` was given, to resume from. Undefined: Flow
   * uses its own.
   */
  readonly runtimeCheckpoint?: Uint8Array | undefined
  /** Ask Flow to send a Load for every key, even keys it knows were never stored. */
  readonly disableLoadOptimization?: boolean | undefined
  /** Finds the documents of keys; yields only those that exist, each at most once. Default: nothing is found. */
  load?(keys: AsyncIterable<readonly LoadKey[]>): AsyncIterable<LoadedDocument | readonly LoadedDocument[]>
  /** After the loads, before Flushed: a state update to commit before the stores. */
  flush?(): Promise<StateUpdate | void>
  /** Stores the transaction's documents, as they arrive. */
  store(stores: AsyncIterable<readonly StoreItem[]>): Promise<StateUpdate | void>
  /**
   * Starts committing what was stored (an authoritative endpoint commits `runtimeCheckpoint`,
   * the protobuf bytes of Flow's consumer.Checkpoint, with it). Its state update commits with
   * Flow's own checkpoint.
   */
  startCommit(runtimeCheckpoint: Uint8Array): Promise<StateUpdate | void>
  /** Flow committed the transaction: finish what follows a commit (idempotently: it may repeat after a restart). */
  acknowledge?(): Promise<StateUpdate | void>
  /** The session ends (stdin closed, or a failure). */
  close?(): Promise<void>
}
