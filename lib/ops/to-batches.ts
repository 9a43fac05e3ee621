import { describeValue } from '../json/values.ts'
import { ArgumentError, ProtocolError } from '../errors.ts'
import type { CaptureEvent, EventBatch } from './events.ts'

/** Options of `toBatches()`: the largest batch it gathers from single events. */
export interface ToBatchesOptions {
  /** Most single events gathered into one batch. Default 1024. Arrays pass through whatever their length. */
  readonly maxEvents?: number
}

/** Everything `open()` may yield: single events and arrays of them, mixed. */
export type CaptureEventSource = AsyncIterable<CaptureEvent | readonly CaptureEvent[]> | Iterable<CaptureEvent | readonly CaptureEvent[]>

/**
 * Turns what a connector's `open()` yields into batches, and checks each event as it passes.
 *
 * Order is kept exactly. An array passes through as the same array (an empty one is dropped),
 * after the single events gathered before it. Single events are gathered into a new array that
 * is yielded when it holds `maxEvents`, as soon as a checkpoint is added (a checkpoint never
 * waits for later events), before an array passes, and when the source ends. Holding up to
 * `maxEvents` single events is safe: none of them is committed until a checkpoint, which is
 * never held. A yielded batch is never touched again. Pulls the source only when the consumer
 * pulls and no batch is ready.
 *
 * Fails with a ProtocolError, before yielding the array or event at fault, on an event of no
 * known type or a document whose `doc` is not an object (non-null, not an array) or a string;
 * a checkpoint needs a boolean `mergePatch` and an `acks` array (use `checkpoint()`). Events
 * gathered before the fault are not yielded: they are not followed by a checkpoint, so they
 * could not commit anyway. Binding numbers are not checked here (the serve loop knows how many
 * bindings there are).
 */
export function toBatches(options: ToBatchesOptions = {}) {
  const maxEvents = options.maxEvents ?? 1024
  if (!Number.isSafeInteger(maxEvents) || maxEvents < 1) {
    throw new ArgumentError(`maxEvents must be a positive integer, got ${maxEvents}`)
  }
  return async function* toBatches(source: CaptureEventSource): AsyncGenerator<EventBatch, void, undefined> {
    let gathered: CaptureEvent[] = []
    for await (const item of source) {
      if (Array.isArray(item)) {
        const events = item as readonly CaptureEvent[]
        if (events.length === 0) continue
        for (let i = 0; i < events.length; i++) checkEvent(events[i])
        if (gathered.length > 0) {
          yield gathered
          gathered = []
        }
        yield events
      } else {
        const event = item as CaptureEvent
        checkEvent(event)
        gathered.push(event)
        if (gathered.length >= maxEvents || event.type === 'checkpoint') {
          yield gathered
          gathered = []
        }
      }
    }
    if (gathered.length > 0) yield gathered
  }
}

/** Throws a ProtocolError unless `event` is a well-formed capture event. */
function checkEvent(event: unknown): asserts event is CaptureEvent {
  const type = typeof event === 'object' && event !== null ? (event as { type?: unknown }).type : undefined
  switch (type) {
    case 'document': {
      const { doc, binding } = event as { doc: unknown; binding: unknown }
      if (typeof doc === 'string' || (typeof doc === 'object' && doc !== null && !Array.isArray(doc))) return // bytes are an object too
      throw new ProtocolError(
        'PROTOCOL_VIOLATION', `document for binding ${String(binding)} must be an object, a string of JSON text or a Uint8Array of its bytes, got ${describeValue(doc)}`,
      )
    }
    case 'checkpoint': {
      const { mergePatch, acks } = event as { mergePatch: unknown; acks: unknown }
      if (typeof mergePatch === 'boolean' && Array.isArray(acks)) return
      throw new ProtocolError(
        'PROTOCOL_VIOLATION', `checkpoint must have a boolean mergePatch and an acks array (make it with checkpoint()), got mergePatch ${describeValue(mergePatch)} and acks ${describeValue(acks)}`,
      )
    }
    case 'sourcedSchema':
    case 'backfillBegin':
    case 'backfillComplete':
      return
    default:
      throw new ProtocolError(
        'PROTOCOL_VIOLATION', `expected a capture event (document, checkpoint, sourcedSchema, backfillBegin or backfillComplete), got ${
          type === undefined ? describeValue(event) : `an event of type ${describeValue(type)}`
        }`,
      )
  }
}
