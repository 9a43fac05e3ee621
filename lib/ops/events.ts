/**
 * The events a capture emits, as they flow between pipeline stages. Stages pass them in
 * batches (`EventBatch`), so the cost of async iteration is paid per batch, not per document.
 *
 * Within a stream, everything between two checkpoints commits atomically with the second one:
 * documents are invisible to Flow until a checkpoint follows them.
 */

/** A document captured for a binding (an index into the Open request's bindings). */
export interface DocumentEvent {
  readonly type: 'document'
  readonly binding: number
  /**
   * The document: an object, serialized when written; or its JSON text, or its UTF-8 JSON bytes
   * (a Uint8Array), either written as is. Text and bytes must be one JSON object.
   */
  doc: object | string | Uint8Array
}

/** A JSON schema of what a binding's documents look like at the source. */
export interface SourcedSchemaEvent {
  readonly type: 'sourcedSchema'
  readonly binding: number
  /** A closed JSON schema: an object, or its JSON text. */
  readonly schema: object | string
}

/** A binding's backfill begins or completes; must stand alone in its transaction. */
export interface BackfillEvent {
  readonly type: 'backfillBegin' | 'backfillComplete'
  readonly binding: number
}

/** Closes a transaction: what came before it commits together with this state update. */
export interface CheckpointEvent {
  readonly type: 'checkpoint'
  /** The state update, a JSON value. */
  readonly updated: unknown
  /** true: an RFC 7396 merge patch over the previous state; false: the new state, whole. */
  readonly mergePatch: boolean
  /**
   * Resolves once Flow has acknowledged the transaction this checkpoint committed in, when the
   * connector asked for explicit acknowledgements. Never rejects; a session that ends before
   * the acknowledgement leaves it pending.
   */
  readonly acknowledged: Promise<void>
  /** Resolvers of `acknowledged` of this checkpoint and of every checkpoint merged into it. */
  readonly acks: readonly (() => void)[]
}

/**
 * Anything a capture emits between stages: a document, a sourced schema, a backfill marker or a
 * checkpoint.
 */
export type CaptureEvent = DocumentEvent | SourcedSchemaEvent | BackfillEvent | CheckpointEvent
/** Events passed between stages as one array, in the order they were emitted. */
export type EventBatch = readonly CaptureEvent[]

/** A document for `binding`: an object, or JSON text or UTF-8 JSON bytes that are written without re-serializing. */
export function document(binding: number, doc: object | string | Uint8Array): DocumentEvent {
  return { type: 'document', binding, doc }
}

/** A sourced schema for `binding`. */
export function sourcedSchema(binding: number, schema: object | string): SourcedSchemaEvent {
  return { type: 'sourcedSchema', binding, schema }
}

/**
 * Marks the start of a backfill of `binding`; it must stand alone in its transaction (a checkpoint
 * before and after).
 */
export function backfillBegin(binding: number): BackfillEvent {
  return { type: 'backfillBegin', binding }
}

/**
 * Marks the completion of a backfill of `binding`; it must stand alone in its transaction (a
 * checkpoint before and after).
 */
export function backfillComplete(binding: number): BackfillEvent {
  return { type: 'backfillComplete', binding }
}

/** Options of `checkpoint()`: whether its state update is a merge patch or the whole state. */
export interface CheckpointOptions {
  /** false replaces the whole state with `updated`; default true (merge patch). */
  readonly mergePatch?: boolean
}

/** A checkpoint with a state update; by default an RFC 7396 merge patch. */
export function checkpoint(updated: unknown = {}, options: CheckpointOptions = {}): CheckpointEvent {
  let resolve!: () => void
  const acknowledged = new Promise<void>((r) => (resolve = r))
  return { type: 'checkpoint', updated, mergePatch: options.mergePatch ?? true, acknowledged, acks: [resolve] }
}

/**
 * A checkpoint standing for several: its `acks` are all of theirs, in order, so acknowledging
 * it acknowledges each of them.
 */
export function mergedCheckpoint(updated: unknown, mergePatch: boolean, merged: readonly CheckpointEvent[]): CheckpointEvent {
  const own = checkpoint(updated, { mergePatch })
  return { ...own, acks: [...merged.flatMap((c) => c.acks), ...own.acks] }
}
