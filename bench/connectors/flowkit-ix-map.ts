// Case "ix map per document": the source yields one event at a time and the author sets the
// same field as in the "ix pipe" case with ix's `map`, one async step per event; flowkit
// gathers the events into batches after it.
import { from } from 'ix/asynciterable'
import { map } from 'ix/asynciterable/operators'
import { runCapture } from 'flowkit/capture'
import type { CaptureEvent } from 'flowkit/capture'
import { documentCount, makeDocument } from './documents.ts'
import { benchCapture } from './flowkit-capture.ts'
import { eventsOf } from './sources.ts'

const documents = documentCount()
const addSource = (event: CaptureEvent) => {
  if (event.type === 'document') (event.doc as Record<string, unknown>).source = 'bench'
  return event
}
await runCapture(benchCapture(({ signal }) => from(eventsOf(documents, makeDocument, signal)).pipe(map(addSource))))
