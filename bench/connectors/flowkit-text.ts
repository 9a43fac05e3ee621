// Case "emit text docs": the same documents given as JSON text, serialized before the session
// starts (documents-text.ts); flowkit writes each text as it is, after checking it is an
// object with no line break.
import { runCapture } from 'flowkit/capture'
import { documentCount } from './documents.ts'
import { documentTexts } from './documents-text.ts'
import { benchCapture } from './flowkit-capture.ts'
import { batchesOf } from './sources.ts'

const documents = documentCount()
const { text } = documentTexts(documents)
await runCapture(benchCapture(({ signal }) => batchesOf(documents, text, signal)))
