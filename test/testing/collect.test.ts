// flowkit/testing's collectCapture: sessions of a catalog's capture, each resuming from the
// state the one before committed, run through the same driver as `flowkit preview`.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { collectCapture, loadCapture, type CaptureTask } from '../../lib/testing/index.ts'

const catalog = fileURLToPath(new URL('../../examples/source-hello/flow.yaml', import.meta.url))

/** The example capture with a small config, in the given codec. */
function helloTask(protobuf: boolean): CaptureTask {
  const task = loadCapture(catalog)
  if (task.endpoint.type !== 'local') throw new Error('the example has a local endpoint')
  return { ...task, endpoint: { ...task.endpoint, protobuf, config: { count: 6, checkpointEvery: 4, docBytes: 64 } } }
}

const ids = (documents: readonly (readonly [string, unknown])[], collection: string) =>
  documents.filter(([name]) => name === collection).map(([, doc]) => (doc as { id: number }).id)

for (const protobuf of [false, true]) {
  t.test(`${protobuf ? 'proto' : 'json'}: two sessions commit every document once, the second resuming where the first stopped`, async (t) => {
    const collected = await collectCapture(helloTask(protobuf), { sessions: 2 })
    t.same(ids(collected.documents, 'acmeCo/greetings'), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    t.same(ids(collected.documents, 'acmeCo/events'), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    t.same(collected.state, { bindingStateV1: { 'greetings.v1': { cursor: 12 }, 'events.v1': { cursor: 12 } } })
    t.ok(collected.transactions.length >= 4, `${collected.transactions.length} transactions`)
    t.same(collected.transactions.at(-1)?.state, collected.state, 'the state is the last transaction\'s')
  })
}

t.test('a catalog path and a starting state', async (t) => {
  const state = { bindingStateV1: { 'greetings.v1': { cursor: 1995 }, 'events.v1': { cursor: 1999 } } }
  const collected = await collectCapture(catalog, { state, sessions: 1 })
  const count = (parse(readFileSync(catalog, 'utf8')) as any).captures['acmeCo/source-hello'].endpoint.local.config.count as number
  t.same(ids(collected.documents, 'acmeCo/greetings').slice(0, 2), [1996, 1997], 'resumes after the given cursor')
  t.equal(ids(collected.documents, 'acmeCo/events')[0], 2000)
  t.equal(collected.documents.length, 2 * count)
})

t.test('a failing session rejects with what the driver reports', async (t) => {
  const task = helloTask(false)
  const broken = { ...task, bindings: task.bindings.map((b) => ({ ...b, collection: { ...b.collection, key: ['/missing'] } })) }
  await t.rejects(collectCapture(broken), { code: 'DOCUMENT_INVALID', message: /has no value at key pointer "\/missing"/ })
})
