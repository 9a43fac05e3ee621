/**
 * The sources of the flowkit bench connectors, as an author writes them: the same documents
 * (documents.ts) either in arrays of 500 events, a checkpoint closing every other array (or in
 * arrays of 1000 and a checkpoint, one transaction each), or one event at a time.
 */
import { checkpoint, document, type CaptureEvent } from 'flowkit/capture'
import { BATCH, CHECKPOINT_EVERY, bindingOf, checkpointState } from './documents.ts'

/**
 * Arrays of `size` document events (BATCH by default); a checkpoint ends the array after every
 * CHECKPOINT_EVERY documents.
 */
export async function* batchesOf(
  documents: number,
  doc: (i: number) => object | string,
  signal: AbortSignal,
  size = BATCH,
): AsyncGenerator<CaptureEvent[]> {
  let batch: CaptureEvent[] = []
  for (let i = 0; i < documents && !signal.aborted; ) {
    batch.push(document(bindingOf(i), doc(i)))
    i++
    if (i % CHECKPOINT_EVERY === 0) batch.push(checkpoint(checkpointState(i)))
    if (i % size === 0 || i === documents) {
      yield batch
      batch = []
    }
  }
}

/** The same events, one at a time. */
export async function* eventsOf(documents: number, doc: (i: number) => object | string, signal: AbortSignal): AsyncGenerator<CaptureEvent> {
  for (let i = 0; i < documents && !signal.aborted; ) {
    yield document(bindingOf(i), doc(i))
    i++
    if (i % CHECKPOINT_EVERY === 0) yield checkpoint(checkpointState(i))
  }
}
