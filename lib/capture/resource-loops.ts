/**
 * The loops that run one resource of one binding's subtask, each an async generator of event
 * batches. Every batch ends with a checkpoint, so a session stopped between two batches never
 * leaves documents uncommitted: a long fetch commits its documents every CHUNK documents (with
 * an empty patch; the cursor or page moves only once the fetch has returned it).
 */
import { createHash } from 'node:crypto'
import { ConnectorError } from '../errors.ts'
import { sleep } from '../http/abort.ts'
import type { Logger } from '../io/log.ts'
import { checkpoint, document, type CaptureEvent, type EventBatch } from '../ops/events.ts'
import { compareCursors, cursorJson, type Cursor } from './cursor.ts'
import { statePatch, type StatePlace, type SubtaskState } from './resource-state.ts'
import type { Backfill, Incremental, ResourceDocument, Snapshot } from './resources.ts'
import type { Slots } from './slots.ts'

const CHUNK = 500

/** What a loop works with. */
export interface TaskContext {
  readonly binding: number
  readonly place: StatePlace
  readonly state: SubtaskState
  readonly signal: AbortSignal
  readonly logger: Logger
  readonly slots: Slots
  /** End once caught up (incremental), done (backfill) or after one snapshot, instead of waiting for the next round. */
  readonly untilIdle: boolean
}

interface Pumped<R> {
  readonly result: R
  /** Documents after the last batch yielded: they commit with the caller's checkpoint. */
  readonly tail: CaptureEvent[]
}

/** Runs an author's generator in a slot: yields its documents in committed chunks, returns its return value and the last documents. */
async function* pump<R>(task: TaskContext, start: () => AsyncGenerator<ResourceDocument, R, undefined>): AsyncGenerator<EventBatch, Pumped<R>, undefined> {
  const release = await task.slots.take(task.signal)
  try {
    const source = start()
    let docs: CaptureEvent[] = []
    for (;;) {
      const next = await source.next()
      if (next.done) return { result: next.value, tail: docs }
      docs.push(document(task.binding, next.value))
      if (docs.length >= CHUNK) {
        docs.push(checkpoint())
        yield docs
        docs = []
      }
    }
  } finally {
    release()
  }
}

/** Ends quietly when the session's signal has aborted (an aborted fetch throws); other errors fail the session. */
export async function* stopQuietly(signal: AbortSignal, loop: AsyncGenerator<EventBatch, void, undefined>): AsyncGenerator<EventBatch, void, undefined> {
  try {
    yield* loop
  } catch (error) {
    if (!signal.aborted) throw error
  }
}

/** Changes after the cursor, round after round; waits `intervalMs` whenever caught up. */
export async function* runIncremental(task: TaskContext, resource: Incremental): AsyncGenerator<EventBatch, void, undefined> {
  const compare = resource.compare ?? compareCursors
  let cursor: Cursor | undefined = task.state.inc?.cursor
  if (cursor === undefined) cursor = cursorJson(await resource.initialCursor({ subtask: task.place.subtask ?? '' }))
  for (;;) {
    const from: Cursor = cursor
    const { result, tail } = yield* pump(task, () => resource.fetchChanges({ cursor: from, subtask: task.place.subtask ?? '', signal: task.signal, logger: task.logger }))
    const order = result === undefined ? 0 : compare(result, from)
    if (order < 0) throw new ConnectorError(`binding ${task.binding}${where(task)}: fetchChanges returned cursor ${JSON.stringify(result)}, before the cursor it was given, ${JSON.stringify(from)}`)
    if (order > 0) {
      cursor = cursorJson(result as Cursor)
      yield [...tail, checkpoint(statePatch(task.place, { inc: { cursor } }))]
      continue
    }
    if (tail.length > 0) yield [...tail, checkpoint()]
    if (task.untilIdle) return
    await sleep(resource.intervalMs ?? 60_000, task.signal)
  }
}

/** Pages of history from the stored page on, each committed with the next page's token; once done, never again (for this state key). */
export async function* runBackfill(task: TaskContext, resource: Backfill): AsyncGenerator<EventBatch, void, undefined> {
  const stored = task.state.backfill
  if (stored === undefined || stored.complete === true) return
  let page: unknown = stored.next_page ?? null
  const cutoff = stored.cutoff
  for (;;) {
    const from = page
    const { result, tail } = yield* pump(task, () => resource.fetchPage({ page: from, cutoff, subtask: task.place.subtask ?? '', signal: task.signal, logger: task.logger }))
    if (result === undefined) {
      yield [...tail, checkpoint(statePatch(task.place, { backfill: { next_page: null, cutoff: null, complete: true } }))]
      task.logger.info('backfill complete', { binding: task.binding, ...(task.place.subtask === undefined ? {} : { subtask: task.place.subtask }) })
      return
    }
    if (result === null || (typeof result === 'object' && !Array.isArray(result))) {
      throw new ConnectorError(`binding ${task.binding}${where(task)}: fetchPage must return a page token that is a string, a number or an array (or nothing at the end); got ${JSON.stringify(result)}`)
    }
    if (JSON.stringify(result) === JSON.stringify(from)) throw new ConnectorError(`binding ${task.binding}${where(task)}: fetchPage returned the page it was given (${JSON.stringify(from)}): the backfill would never end`)
    page = result
    yield [...tail, checkpoint(statePatch(task.place, { backfill: { next_page: result } }))]
  }
}

/** A snapshot every `intervalMs`; see `snapshot()`. */
export async function* runSnapshot(task: TaskContext, resource: Snapshot): AsyncGenerator<EventBatch, void, undefined> {
  let last = task.state.snapshot
  for (;;) {
    last = yield* takeSnapshot(task, resource, last)
    if (task.untilIdle) return
    await sleep(resource.intervalMs ?? 3_600_000, task.signal)
  }
}

type SnapshotState = NonNullable<SubtaskState['snapshot']>

/** One snapshot: rows numbered, held while they fit to be skipped if unchanged, then vanished rows deleted. */
async function* takeSnapshot(task: TaskContext, resource: Snapshot, last: SnapshotState | undefined): AsyncGenerator<EventBatch, SnapshotState, undefined> {
  const previous = last?.rows ?? 0
  const hash = createHash('sha256')
  const maxHeld = resource.maxBufferBytes ?? 32 << 20
  const meta = (row: number, op: string) => ({ row_id: row, op, ...(task.place.subtask === undefined ? {} : { subtask: task.place.subtask }) })
  let held: CaptureEvent[] = []
  let heldBytes = 0
  let streaming = false
  let rows = 0
  const release = await task.slots.take(task.signal)
  try {
    for await (const row of resource.fetchSnapshot({ subtask: task.place.subtask ?? '', signal: task.signal, logger: task.logger })) {
      const text = JSON.stringify(row)
      hash.update(text).update('\n')
      const own = (row as { _meta?: object })._meta
      held.push(document(task.binding, { ...row, _meta: { ...own, ...meta(rows, rows < previous ? 'u' : 'c') } }))
      rows++
      heldBytes += text.length
      if (heldBytes > maxHeld || (streaming && held.length >= CHUNK)) {
        streaming = true
        held.push(checkpoint())
        yield held
        held = []
        heldBytes = 0
      }
    }
  } finally {
    release()
  }
  const digest = hash.digest('hex')
  if (!streaming && last !== undefined && last.digest === digest && last.rows === rows) {
    task.logger.debug('snapshot unchanged', { binding: task.binding, rows })
    return last
  }
  for (let row = rows; row < previous; row++) {
    held.push(document(task.binding, { _meta: meta(row, 'd') }))
    if (held.length >= CHUNK) {
      yield [...held, checkpoint()]
      held = []
    }
  }
  const state = { digest, rows }
  yield [...held, checkpoint(statePatch(task.place, { snapshot: state }))]
  return state
}

function where(task: TaskContext): string {
  return task.place.subtask === undefined ? '' : ` subtask ${JSON.stringify(task.place.subtask)}`
}
