// Case "replay sample stream": flowkit replay of a sample stream of the bench documents (two
// bindings, a checkpoint every 1000), written to a temporary file before the session starts.
// Documents go out as the bytes the stream holds, never parsed.
import { mkdtempSync, openSync, closeSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeSampleEntry, encodeSampleHeader, SAMPLE_FORMAT, SAMPLE_VERSION } from '../../lib/codec/sample-stream.ts'
import { replay } from '../../lib/cli/replay.ts'
import { CHECKPOINT_EVERY, bindingOf, checkpointState, documentCount, makeDocument } from './documents.ts'

const documents = documentCount()
const dir = mkdtempSync(join(tmpdir(), 'flowkit-replay-bench-'))
process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
const file = join(dir, 'sample.msgpack')
const fd = openSync(file, 'w')
const collections = ['acmeCo/bench/orders', 'acmeCo/bench/refunds']
writeSync(fd, encodeSampleHeader({ format: SAMPLE_FORMAT, version: SAMPLE_VERSION, capture: 'acmeCo/bench/source', bindings: collections.map((collection) => ({ collection, key: ['/id'], schema: { type: 'object' } })), recorded: {} }))
let pending: Buffer[] = []
for (let i = 0; i < documents; ) {
  pending.push(encodeSampleEntry({ type: 'document', binding: bindingOf(i), doc: Buffer.from(JSON.stringify(makeDocument(i))) }))
  i++
  if (i % CHECKPOINT_EVERY !== 0) continue
  pending.push(encodeSampleEntry({ type: 'checkpoint', state: Buffer.from(JSON.stringify(checkpointState(i))), mergePatch: true }))
  writeSync(fd, Buffer.concat(pending))
  pending = []
}
closeSync(fd)
await replay({ file, rate: Infinity, loop: 1 })
