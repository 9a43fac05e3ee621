// Case "ix pipe with flowkit operators": the author composes with ix. The source yields one
// array per transaction, 1000 object documents and their checkpoint; coalesceCheckpoints
// merges them into transactions of up to 10,000 documents or a second; an author transform
// adds a field to every document, batch-wise (mapDocuments: one async step per batch).
//
// Arrays of 1000, not 500 as in the other cases: coalesceCheckpoints holds a checkpoint only
// until the next array that has documents after it and no checkpoint of its own (it cannot let
// documents pass a held checkpoint), so with a checkpoint in every other array of 500 it
// would never merge one, and the case would not measure merging at all.
//
// The transform sets the field on the document it is given (the source made it and nothing
// else holds it) rather than copying it with `{ ...doc, source }`: V8's object spread of these
// documents costs ~1.6 µs each, more than half of JSON.stringify's cost, and would measure the
// author's copy rather than the pipeline.
import { from } from 'ix/asynciterable'
import { runCapture } from 'flowkit/capture'
import { coalesceCheckpoints, mapDocuments } from 'flowkit/ops'
import { CHECKPOINT_EVERY, documentCount, makeDocument } from './documents.ts'
import { benchCapture } from './flowkit-capture.ts'
import { batchesOf } from './sources.ts'

const documents = documentCount()
const addSource = (doc: Record<string, unknown>) => {
  doc.source = 'bench'
  return doc
}
await runCapture(
  benchCapture(({ signal }) =>
    from(batchesOf(documents, makeDocument, signal, CHECKPOINT_EVERY)).pipe(
      coalesceCheckpoints({ maxDocs: 10_000, maxBytes: Infinity, maxMs: 1000 }),
      mapDocuments(addSource),
    ),
  ),
)
