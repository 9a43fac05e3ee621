import { ArgumentError } from '../errors.ts'
import { mergedCheckpoint, type CaptureEvent, type CheckpointEvent, type DocumentEvent, type EventBatch } from './events.ts'
import { applyMergePatch, composeMergePatches } from '../json/merge-patch.ts'

/**
 * Bounds of `coalesceCheckpoints()`: a held checkpoint is written once the documents after the last
 * written one reach either.
 */
export interface CoalesceOptions {
  /** Hold a checkpoint only while fewer documents than this came since the last one written. */
  readonly maxDocs: number
  /**
   * Hold a checkpoint only while the documents since the last one written are smaller than
   * this: a string document counts its `.length` (UTF-16 units, close to bytes for ASCII), a
   * byte document its byte length; an
   * object document counts the length of its JSON.stringify text, which then replaces the
   * event's `doc`, so that the encoder downstream writes the text instead of serializing the
   * object a second time. Infinity turns counting off, and objects are left as they are.
   */
  readonly maxBytes: number
  /** Emit a held checkpoint at the latest this many milliseconds after it was first held. */
  readonly maxMs: number
  /** Most source checkpoints one emitted checkpoint stands for. Default 1000. */
  readonly maxCheckpoints?: number
}

/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Merges consecutive checkpoints, so that fewer transactions are written and acknowledged.
 *
 * What comes out is what came in, in the same order, except that some checkpoints are held
 * back and merged into a later one. Every checkpoint that comes out stands for one or more
 * consecutive source checkpoints and goes out exactly where the last of them was, relative to
 * the other events: it commits the same events, with the same state, as that source checkpoint
 * would have. So the state Flow holds after each emitted checkpoint is the state after
 * applying the source's checkpoints one by one up to the one it stands for, and no event is
 * committed that the source did not commit. Its `acks` are those of all it stands for
 * (`mergedCheckpoint`); a checkpoint that stands for itself alone goes out as the same object.
 *
 * When a checkpoint is held: when it arrives while every count since the last emitted
 * checkpoint is below its bound (`maxDocs`, `maxBytes`, `maxCheckpoints`; and less than `maxMs`
 * since the held checkpoint was first held); otherwise it goes out where it is, merged with
 * what was held. A held checkpoint is merged into the next checkpoint when that is the next
 * event other than documents and sourced schemas: a replace (mergePatch false) supersedes what
 * was held, a merge patch applies onto a held replace (which stays a replace) or composes with
 * a held merge patch (`composeMergePatches`). Otherwise the held checkpoint goes out where it
 * was, that is, before the first event that came after it:
 * - when a batch ends with events after it and no checkpoint after them: the events after a
 *   held checkpoint go out only with the checkpoint it is merged into, in the same batch;
 * - when a backfill event comes before the next checkpoint (it must be alone in its
 *   transaction);
 * - when the next checkpoint is a merge patch that does not compose with the held one (that
 *   checkpoint then starts over: it is held or goes out by the same rules);
 * - alone, when the source does not deliver its next batch before the held checkpoint's
 *   `maxMs` runs out (the source's pending `next()` is raced against a timer, and the same
 *   pending `next()` is awaited afterwards), or when `maxMs` ran out while the consumer had
 *   the previous batch;
 * - alone, when the source ends, or fails (then the failure follows).
 * The checkpoint after a backfill event (backfillBegin, backfillComplete) goes out where it
 * is, unmerged, so that the backfill event stays alone in its transaction.
 *
 * Blocks: pulls the source once per batch the consumer pulls, except that it keeps pulling
 * while a whole batch was held back (a batch of checkpoints only): at most until a bound is
 * reached. Holds at most one merged checkpoint and the list of the `maxCheckpoints` source
 * checkpoints it stands for. Never yields an empty batch, never changes an input batch (it
 * yields the input batch itself when nothing in it changes, a new array otherwise), but does
 * replace object documents by their text when `maxBytes` is finite. When the consumer stops
 * early, the source is returned; if a `next()` is still pending then (the consumer stopped
 * while a timed-out checkpoint was out), the source is returned without waiting for it.
 */
export function coalesceCheckpoints(options: CoalesceOptions) {
  const bounds = resolveBounds(options)
  return async function* coalesceCheckpoints(source: AsyncIterable<EventBatch>): AsyncGenerator<EventBatch, void, undefined> {
    const coalescer = new Coalescer(bounds)
    const iterator = source[Symbol.asyncIterator]()
    /** The source's `next()` while it is unsettled or not yet taken. */
    let pending: Promise<IteratorResult<EventBatch>> | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    /** The source ended or failed: it must not be returned. */
    let finished = false
    try {
      for (;;) {
        let deadline = coalescer.deadline()
        if (deadline !== undefined && deadline <= performance.now()) {
          yield [coalescer.release() as CheckpointEvent]
          deadline = undefined
        }
        const next = nextOf(iterator)
        pending = next
        if (deadline !== undefined) {
          const settled = await new Promise<boolean>((resolve) => {
            timer = setTimeout(resolve, deadline - performance.now(), false)
            next.then(
              () => resolve(true),
              () => resolve(true),
            )
          })
          clearTimeout(timer)
          timer = undefined
          if (!settled) yield [coalescer.release() as CheckpointEvent]
        }
        let result: IteratorResult<EventBatch>
        try {
          result = await next
        } catch (error) {
          finished = true
          pending = undefined
          const held = coalescer.release()
          if (held !== undefined) yield [held]
          throw error
        }
        pending = undefined
        if (result.done === true) {
          finished = true
          break
        }
        const out = coalescer.take(result.value)
        if (out !== undefined) yield out
      }
      const held = coalescer.release()
      if (held !== undefined) yield [held]
    } finally {
      if (timer !== undefined) clearTimeout(timer)
      if (!finished) {
        if (pending === undefined) await iterator.return?.()
        else returnLater(iterator, pending)
      }
    }
  }
}

interface Bounds {
  readonly maxDocs: number
  readonly maxBytes: number
  readonly maxMs: number
  readonly maxCheckpoints: number
}

function resolveBounds(options: CoalesceOptions): Bounds {
  const { maxDocs, maxBytes, maxMs, maxCheckpoints = 1000 } = options
  for (const [name, value] of [['maxDocs', maxDocs], ['maxBytes', maxBytes], ['maxMs', maxMs]] as const) {
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new ArgumentError(`${name} must be a number from 0 to Infinity, got ${String(value)}`)
    }
  }
  if (maxMs !== Infinity && maxMs > MAX_TIMER_MS) {
    throw new ArgumentError(`maxMs must be at most ${MAX_TIMER_MS} or Infinity, got ${maxMs}`)
  }
  if (!Number.isSafeInteger(maxCheckpoints) || maxCheckpoints < 1) {
    throw new ArgumentError(`maxCheckpoints must be a positive integer, got ${String(maxCheckpoints)}`)
  }
  return { maxDocs, maxBytes, maxMs, maxCheckpoints }
}

/** The iterator's next result; a synchronous throw becomes a rejection. */
function nextOf<T>(iterator: AsyncIterator<T>): Promise<IteratorResult<T>> {
  try {
    return iterator.next()
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * Returns an iterator whose `next()` is still pending, without waiting: an async generator
 * only runs the return once that `next()` settles, which a stalled source may never do.
 * Whatever the pending `next()` and the return settle with is dropped.
 */
function returnLater(iterator: AsyncIterator<unknown>, pending: Promise<unknown>): void {
  const ignore = () => {}
  pending.then(ignore, ignore)
  try {
    iterator.return?.().then(ignore, ignore)
  } catch {
    // A source whose return throws has nothing more to release.
  }
}

/** A held checkpoint: the merge of the source checkpoints it stands for. */
interface Held {
  updated: unknown
  mergePatch: boolean
  readonly sources: CheckpointEvent[]
  /** performance.now() when the first of `sources` was held (0 when time does not bound it). */
  readonly since: number
}

/** The checkpoint that goes out for `held`. */
function emitted(held: Held): CheckpointEvent {
  const { sources } = held
  return sources.length === 1 ? (sources[0] as CheckpointEvent) : mergedCheckpoint(held.updated, held.mergePatch, sources)
}

/**
 * Merges `next` into `held`, in place, if one checkpoint can stand for both; returns whether
 * it did. Only two merge patches can fail to merge.
 */
function absorb(held: Held, next: CheckpointEvent): boolean {
  if (!next.mergePatch) {
    held.updated = next.updated
    held.mergePatch = false
  } else if (!held.mergePatch) {
    held.updated = applyMergePatch(held.updated, next.updated)
  } else {
    const composed = composeMergePatches(held.updated, next.updated)
    if (composed === undefined) return false
    held.updated = composed.patch
  }
  held.sources.push(next)
  return true
}

/** Replaces an object document by its JSON text, and returns the text's length. */
function serialize(event: DocumentEvent): number {
  const text = JSON.stringify(event.doc) as string | undefined
  if (text === undefined) return 0
  event.doc = text
  return text.length
}

/** The coalescing decisions, batch by batch; the generator above adds iteration and time. */
class Coalescer {
  readonly #bounds: Bounds
  #held: Held | undefined
  /** A backfill event came and its checkpoint has not: that checkpoint goes out unmerged. */
  #isolate = false
  /** Documents, and their size, output since the last emitted checkpoint. */
  #docs = 0
  #bytes = 0

  constructor(bounds: Bounds) {
    this.#bounds = bounds
  }

  /** When the held checkpoint must go out (performance.now() time), if one is held and time bounds it. */
  deadline(): number | undefined {
    const held = this.#held
    return held === undefined || this.#bounds.maxMs === Infinity ? undefined : held.since + this.#bounds.maxMs
  }

  /** Takes the held checkpoint out, to be emitted where the output stands now. */
  release(): CheckpointEvent | undefined {
    const held = this.#held
    if (held === undefined) return undefined
    this.#held = undefined
    this.#docs = 0
    this.#bytes = 0
    return emitted(held)
  }

  /** What goes out for an input batch (undefined: nothing). */
  take(batch: EventBatch): EventBatch | undefined {
    const output = new Output(batch)
    const countBytes = this.#bounds.maxBytes !== Infinity
    const n = batch.length
    // The events since the last checkpoint or backfill event of this batch: batch[start..i).
    let start = 0
    let docs = 0
    let bytes = 0
    for (let i = 0; i < n; i++) {
      const event = batch[i] as CaptureEvent
      const type = event.type
      if (type === 'document') {
        docs++
        if (countBytes) {
          const doc = event.doc
          bytes += typeof doc === 'string' || doc instanceof Uint8Array ? doc.length : serialize(event)
        }
        continue
      }
      switch (type) {
        case 'sourcedSchema':
          continue
        case 'checkpoint': {
          const held = this.#held
          if (held !== undefined && (this.#isolate || !absorb(held, event))) {
            output.insert(start, this.release() as CheckpointEvent)
          }
          this.#docs += docs
          this.#bytes += bytes
          if (this.#isolate) {
            this.#isolate = false
            this.#docs = 0
            this.#bytes = 0
          } else {
            this.#decide(this.#held ?? this.#hold(event), output, i)
          }
          break
        }
        default: // backfillBegin, backfillComplete
          if (this.#held !== undefined) output.insert(start, this.release() as CheckpointEvent)
          this.#docs += docs
          this.#bytes += bytes
          this.#isolate = true
      }
      start = i + 1
      docs = 0
      bytes = 0
    }
    if (start < n && this.#held !== undefined) output.insert(start, this.release() as CheckpointEvent)
    this.#docs += docs
    this.#bytes += bytes
    return output.finish()
  }

  /** Starts holding a single checkpoint. */
  #hold(checkpoint: CheckpointEvent): Held {
    const since = this.#bounds.maxMs === Infinity ? 0 : performance.now()
    const held: Held = { updated: checkpoint.updated, mergePatch: checkpoint.mergePatch, sources: [checkpoint], since }
    this.#held = held
    return held
  }

  /** At the checkpoint batch[at], which `held` now stands for: keep holding, or emit it there. */
  #decide(held: Held, output: Output, at: number): void {
    const bounds = this.#bounds
    const below =
      this.#docs < bounds.maxDocs &&
      this.#bytes < bounds.maxBytes &&
      held.sources.length < bounds.maxCheckpoints &&
      (bounds.maxMs === Infinity || performance.now() - held.since < bounds.maxMs)
    if (below) {
      output.remove(at)
    } else {
      const merged = held.sources.length > 1
      const checkpoint = this.release() as CheckpointEvent
      // A checkpoint that stands for itself alone stays where it is, as it is.
      if (merged) output.replace(at, checkpoint)
    }
  }
}

/**
 * The output for one input batch: the input batch itself as long as nothing changes, a copy
 * built up to the point of each change otherwise. Positions are indices of the input batch.
 */
class Output {
  readonly #batch: EventBatch
  #events: CaptureEvent[] | undefined
  /** batch[0..copied) is accounted for in #events. */
  #copied = 0

  constructor(batch: EventBatch) {
    this.#batch = batch
  }

  /** Adds `event` before batch[at]. */
  insert(at: number, event: CaptureEvent): void {
    this.#copyTo(at).push(event)
  }

  /** Puts `event` in the place of batch[at]. */
  replace(at: number, event: CaptureEvent): void {
    this.#copyTo(at).push(event)
    this.#copied = at + 1
  }

  /** Leaves batch[at] out. */
  remove(at: number): void {
    this.#copyTo(at)
    this.#copied = at + 1
  }

  /** The whole output, or undefined when it is empty. */
  finish(): EventBatch | undefined {
    const events = this.#events === undefined ? this.#batch : this.#copyTo(this.#batch.length)
    return events.length === 0 ? undefined : events
  }

  #copyTo(at: number): CaptureEvent[] {
    let events = this.#events
    if (events === undefined) {
      events = this.#batch.slice(0, at)
      this.#events = events
    } else {
      for (let i = this.#copied; i < at; i++) events.push(this.#batch[i] as CaptureEvent)
    }
    this.#copied = at
    return events
  }
}
