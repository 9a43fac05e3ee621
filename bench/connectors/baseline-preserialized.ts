/**
 * Baseline "pre-serialized ceiling": the bytes of the hand-written batched loop, encoded the
 * same way into 64 KiB chunks, but all of them before Opened (so before timing starts; ~475 MB
 * for 1 M documents). The session only writes the chunks, awaiting 'drain' whenever write()
 * returns false: the most any encoder could reach through this pipe and this reader.
 */
import { once } from 'node:events'
import { CAPTURED_SUFFIX, CHECKPOINT_EVERY, bindingOf, capturedPrefix, checkpointLine, documentCount, makeDocument } from './documents.ts'
import { finish, open } from './baseline-io.ts'

const CHUNK = 64 * 1024
const documents = documentCount()
const prefixes = [capturedPrefix(0), capturedPrefix(1)]

const chunks: Buffer[] = []
let chunk = Buffer.allocUnsafe(CHUNK)
let end = 0
const append = (line: string) => {
  if (end + Buffer.byteLength(line) > CHUNK) {
    chunks.push(chunk.subarray(0, end))
    chunk = Buffer.allocUnsafe(CHUNK)
    end = 0
  }
  end += chunk.write(line, end)
}
for (let i = 0; i < documents; ) {
  append((prefixes[bindingOf(i)] as string) + JSON.stringify(makeDocument(i)) + CAPTURED_SUFFIX)
  i++
  if (i % CHECKPOINT_EVERY === 0) append(checkpointLine(i))
}
if (end > 0) chunks.push(chunk.subarray(0, end))

const out = process.stdout
await open()
for (const full of chunks) {
  if (!out.write(full)) await once(out, 'drain')
}
await finish()
