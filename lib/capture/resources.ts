/**
 * Resources: how a capture of an API declares what each binding reads, leaving the session to
 * flowkit — `incremental` (changes after a cursor), `backfill` (pages of history), `snapshot`
 * (the whole collection, polled). See `resources()` in run-resources.ts.
 */
import type { Logger } from '../io/log.ts'
import type { Cursor, CursorCompare } from './cursor.ts'

/** A document a fetch yields: an object, or its JSON text or UTF-8 bytes (passed on unparsed). */
export type ResourceDocument = object | string | Uint8Array

/** What every fetch gets. */
export interface FetchContext {
  /** The subtask (e.g. an account id); '' for a binding without subtasks. */
  readonly subtask: string
  /** Aborted when the session stops: pass it to every request, and return. */
  readonly signal: AbortSignal
  readonly logger: Logger
}

/**
 * How an incremental resource reads: the changes after a cursor, and the cursor of a binding seen
 * for the first time.
 */
export interface IncrementalOptions<K extends Cursor = Cursor> {
  /**
   * Yields the documents changed after `cursor`, in any order, and returns the cursor to
   * resume from next (after all of them); returning nothing (or the same cursor) means caught
   * up: the next call comes after `intervalMs`. A returned cursor before the given one fails.
   */
  fetchChanges(context: FetchContext & { readonly cursor: K }): AsyncGenerator<ResourceDocument, K | undefined | void, undefined>
  /** The cursor of a binding (subtask) seen for the first time; also the cutoff of its backfill. */
  initialCursor(context: { readonly subtask: string }): K | Promise<K>
  /** Pause after catching up; default 60 s. */
  readonly intervalMs?: number
  /** Default: numbers by value, date-times (with a zone) by instant. */
  readonly compare?: CursorCompare
}

/**
 * How a backfill resource reads: one page of history at a time, each page committing with the token
 * of the next.
 */
export interface BackfillOptions<P = unknown> {
  /**
   * Yields one page of documents from before `cutoff` (the incremental's first cursor, when
   * the binding has one), and returns the next page's token; returning nothing ends the
   * backfill. `page` is null for the first page. Each page's documents commit with its token.
   */
  fetchPage(context: FetchContext & { readonly page: P | null; readonly cutoff: Cursor | undefined }): AsyncGenerator<ResourceDocument, P | undefined | void, undefined>
}

/**
 * How a snapshot resource reads: the whole collection each time, every `intervalMs`; a snapshot
 * that fits `maxBufferBytes` and has the last one's digest is not emitted again.
 */
export interface SnapshotOptions {
  /** Yields every row of the collection (objects). */
  fetchSnapshot(context: FetchContext): AsyncGenerator<object, void, undefined>
  /** Time between snapshots; default 1 hour. */
  readonly intervalMs?: number
  /**
   * Rows held to compare a snapshot's digest with the last one's before emitting; a larger
   * snapshot is emitted as it comes (and never skipped). Default 32 MiB of JSON.
   */
  readonly maxBufferBytes?: number
}

/** An incremental resource, as `incremental()` returns it for `resources()`. */
export interface Incremental<K extends Cursor = Cursor> extends IncrementalOptions<K> {
  readonly kind: 'incremental'
}
/** A backfill resource, as `backfill()` returns it for `resources()`. */
export interface Backfill<P = unknown> extends BackfillOptions<P> {
  readonly kind: 'backfill'
}
/** A snapshot resource, as `snapshot()` returns it for `resources()`. */
export interface Snapshot extends SnapshotOptions {
  readonly kind: 'snapshot'
}

/** Changes after a cursor, polled every `intervalMs` once caught up. */
export function incremental<K extends Cursor>(options: IncrementalOptions<K>): Incremental<K> {
  return { kind: 'incremental', ...options }
}

/** Pages of history, read once, concurrently with the binding's incremental. */
export function backfill<P>(options: BackfillOptions<P>): Backfill<P> {
  return { kind: 'backfill', ...options }
}

/**
 * The whole collection every `intervalMs`: each row gets `_meta.row_id` (its position) and
 * `_meta.op` ('c' or 'u'); an unchanged snapshot (same digest) is skipped; rows beyond the
 * new end are deleted (`_meta.op: 'd'`). Key the collection on `/_meta/row_id` (with
 * `/_meta/subtask` for a binding with subtasks).
 */
export function snapshot(options: SnapshotOptions): Snapshot {
  return { kind: 'snapshot', ...options }
}

/** What one binding reads. `incremental` and `backfill` combine; `snapshot` stands alone. */
export interface BindingResources {
  readonly incremental?: Incremental<any>
  readonly backfill?: Backfill<any>
  readonly snapshot?: Snapshot
  /** The binding's subtasks (e.g. account ids): each reads the resources with a state of its own. */
  readonly subtasks?: readonly string[]
}
