/**
 * Baseline "naive per-document write": one process.stdout.write per message, of
 * JSON.stringify of the whole response plus a newline, awaiting 'drain' whenever write()
 * returns false (without that, memory grows without bound). Same bytes as flowkit's JSON codec
 * (binding 0 omitted, as Flow's JSON mapping omits defaults).
 */
import { once } from 'node:events'
import { CHECKPOINT_EVERY, bindingOf, checkpointState, documentCount, makeDocument } from './documents.ts'
import { finish, open } from './baseline-io.ts'

const documents = documentCount()
const out = process.stdout

await open()
for (let i = 0; i < documents; ) {
  const binding = bindingOf(i)
  const doc = makeDocument(i)
  const response = binding === 0 ? { captured: { doc } } : { captured: { binding, doc } }
  if (!out.write(JSON.stringify(response) + '\n')) await once(out, 'drain')
  i++
  if (i % CHECKPOINT_EVERY === 0) {
    const line = JSON.stringify({ checkpoint: { state: { updated: checkpointState(i), mergePatch: true } } }) + '\n'
    if (!out.write(line)) await once(out, 'drain')
  }
}
await finish()
