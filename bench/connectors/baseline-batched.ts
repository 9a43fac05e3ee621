/**
 * Baseline "hand-written batched loop": what a competent engineer writes without flowkit.
 * Each document is serialized with JSON.stringify and its Captured line is written straight
 * into a 64 KiB Buffer; a full Buffer goes to stdout.write, and the loop awaits 'drain'
 * whenever write() returns false. A checkpoint line after every 1000 documents. The bytes are
 * exactly those of flowkit's JSON codec for the same documents.
 */
import { CAPTURED_SUFFIX, CHECKPOINT_EVERY, bindingOf, capturedPrefix, checkpointLine, documentCount, makeDocument } from './documents.ts'
import { ChunkedLines, finish, open } from './baseline-io.ts'

const documents = documentCount()
const prefixes = [capturedPrefix(0), capturedPrefix(1)]
const lines = new ChunkedLines()

await open()
for (let i = 0; i < documents; ) {
  const wrote = lines.add((prefixes[bindingOf(i)] as string) + JSON.stringify(makeDocument(i)) + CAPTURED_SUFFIX)
  if (wrote) await wrote
  i++
  if (i % CHECKPOINT_EVERY === 0) {
    const wroteState = lines.add(checkpointLine(i))
    if (wroteState) await wroteState
  }
}
await lines.end()
await finish()
