/**
 * Baseline "hand-written batched loop, text docs": the hand-written batched loop over the
 * documents' JSON text (documents-text.ts) instead of objects: no JSON.stringify, the same
 * 64 KiB Buffers, the same writes. How close any per-document encoder gets to the
 * pre-serialized ceiling.
 */
import { CAPTURED_SUFFIX, CHECKPOINT_EVERY, bindingOf, capturedPrefix, checkpointLine, documentCount } from './documents.ts'
import { documentTexts } from './documents-text.ts'
import { ChunkedLines, finish, open } from './baseline-io.ts'

const documents = documentCount()
const { text } = documentTexts(documents)
const prefixes = [capturedPrefix(0), capturedPrefix(1)]
const lines = new ChunkedLines()

await open()
for (let i = 0; i < documents; ) {
  const wrote = lines.add((prefixes[bindingOf(i)] as string) + text(i) + CAPTURED_SUFFIX)
  if (wrote) await wrote
  i++
  if (i % CHECKPOINT_EVERY === 0) {
    const wroteState = lines.add(checkpointLine(i))
    if (wroteState) await wroteState
  }
}
await lines.end()
await finish()
