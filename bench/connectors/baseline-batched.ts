/**
 * Baseline "hand-written batched loop": what a competent engineer writes without flowkit.
 * Each document is serialized with JSON.stringify and its Captured line is written straight
 * into a 64 KiB Buffer; a full Buffer goes to stdout.write, and the loop awaits 'drain'
 * whenever write() returns false. A checkpoint line after every 1000 documents. The bytes are
 * exactly those of flowkit's JSON codec for the same documents.
 */
import { once } from 'node:events'
import { CAPTURED_SUFFIX, CHECKPOINT_EVERY, bindingOf, capturedPrefix, checkpointLine, documentCount, makeDocument } from './documents.ts'
import { finish, open } from './baseline-io.ts'

const CHUNK = 64 * 1024
const documents = documentCount()
const prefixes = [capturedPrefix(0), capturedPrefix(1)]
const out = process.stdout

let chunk = Buffer.allocUnsafe(CHUNK)
let end = 0

/** Hands the filled part of the chunk to stdout (which keeps it) and starts a new one. */
async function flush(): Promise<void> {
  const full = chunk.subarray(0, end)
  chunk = Buffer.allocUnsafe(CHUNK)
  end = 0
  if (!out.write(full)) await once(out, 'drain')
}

/** Whether a line fits the chunk; UTF-8 takes at most 3 bytes per UTF-16 unit, so measure only near the end. */
const fits = (line: string) => end + line.length * 3 <= CHUNK || end + Buffer.byteLength(line) <= CHUNK

await open()
for (let i = 0; i < documents; ) {
  const line = (prefixes[bindingOf(i)] as string) + JSON.stringify(makeDocument(i)) + CAPTURED_SUFFIX
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
