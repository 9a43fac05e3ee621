/**
 * Baseline "hand-written batched loop, text docs": the hand-written batched loop over the
 * documents' JSON text (documents-text.ts) instead of objects: no JSON.stringify, the same
 * 64 KiB Buffers, the same writes. How close any per-document encoder gets to the
 * pre-serialized ceiling.
 */
import { once } from 'node:events'
import { CAPTURED_SUFFIX, CHECKPOINT_EVERY, bindingOf, capturedPrefix, checkpointLine, documentCount } from './documents.ts'
import { documentTexts } from './documents-text.ts'
import { finish, open } from './baseline-io.ts'

const CHUNK = 64 * 1024
const documents = documentCount()
const { text } = documentTexts(documents)
const prefixes = [capturedPrefix(0), capturedPrefix(1)]
const out = process.stdout

let chunk = Buffer.allocUnsafe(CHUNK)
let end = 0

async function flush(): Promise<void> {
  const full = chunk.subarray(0, end)
  chunk = Buffer.allocUnsafe(CHUNK)
  end = 0
  if (!out.write(full)) await once(out, 'drain')
}

const fits = (line: string) => end + line.length * 3 <= CHUNK || end + Buffer.byteLength(line) <= CHUNK

await open()
for (let i = 0; i < documents; ) {
  const line = (prefixes[bindingOf(i)] as string) + text(i) + CAPTURED_SUFFIX
  if (!fits(line)) await flush()
  end += chunk.write(line, end)
  i++
  if (i % CHECKPOINT_EVERY === 0) {
    const state = checkpointLine(i)
    if (!fits(state)) await flush()
    end += chunk.write(state, end)
  }
}
if (end > 0) await flush()
await finish()
