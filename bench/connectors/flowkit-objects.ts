// Case "emit object docs": open() yields arrays of ~500 document(binding, object) events and a
// checkpoint; flowkit serializes each object as it encodes its Captured frame.
import { runCapture } from 'flowkit/capture'
import { documentCount, makeDocument } from './documents.ts'
import { benchCapture } from './flowkit-capture.ts'
import { batchesOf } from './sources.ts'

const documents = documentCount()
await runCapture(benchCapture(({ signal }) => batchesOf(documents, makeDocument, signal)))
