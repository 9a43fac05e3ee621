// The driver against a materialization that is not authoritative (test/fixtures/materialize/
// memory.ts): the state file decides where a session resumes, Loads go only for keys at or below
// the greatest key stored, loaded documents are reduced under the new ones, connector state
// updates of Flushed, StartedCommit and Acknowledged reach the state file and the next Open, and
// a slow Acknowledged is waited for before Flush.
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ConnectorLog } from '../../lib/io/log-reader.ts'
import { packTuple } from '../../lib/json/tuple.ts'
import type { MaterializationTask } from '../../lib/runtime/materialize-catalog.ts'
import { materializeDocuments } from '../../lib/testing/index.ts'

const fixture = fileURLToPath(new URL('../fixtures/materialize/memory.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'flowkit-driver-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const schema = { type: 'object', reduce: { strategy: 'merge' }, properties: { id: { type: 'integer' }, total: { type: 'integer', reduce: { strategy: 'sum' } } }, required: ['id'] }

function task(protobuf: boolean): MaterializationTask {
  return {
    name: 'acmeCo/memory',
    endpoint: {
      type: 'local',
      command: [process.execPath, '--import', 'tsx', fixture],
      config: { state: true, ackDelayMs: 100, seed: { '[0,[1]]': { id: 1, total: 10 } } },
      env: {},
      protobuf,
    },
    bindings: [{ resource: { table: 't' }, collection: { name: 'acmeCo/c', key: ['/id'], writeSchema: schema }, fields: { recommended: true, include: {}, exclude: [] }, backfill: 0 }],
  }
}

const logged = (logs: ConnectorLog[], message: string) => logs.filter((log) => log.message === message).map((log) => log.fields)

for (const protobuf of [false, true]) {
  t.test(`${protobuf ? 'proto' : 'json'}: a non-authoritative session, then one resumed from the state file`, async (t) => {
    const stateFile = join(dir, `${protobuf}.state.json`)
    // Key 5 was stored before: keys up to it may exist and are loaded.
    writeFileSync(stateFile, JSON.stringify({ readThrough: 0, connectorState: { before: 1 }, maxKeys: { '["t"]': Buffer.from(packTuple([5])).toString('base64') } }))
    const documents = [['acmeCo/c', { id: 1, total: 1 }], ['acmeCo/c', { id: 7, total: 2 }], ['acmeCo/c', { id: 1, total: 3 }], ['acmeCo/c', { id: 2, total: 4 }]] as const
    const logs: ConnectorLog[] = []
    const first = await materializeDocuments(task(protobuf), { documents, stateFile, transactionDocs: 3, onLog: (log) => logs.push(log) })
    t.equal(first.authoritative, false)
    t.equal(first.applied, 'table t: id,total,flow_document', 'the first Apply has no last materialization')
    t.same(first.summaries.map((s) => [s.docs, s.keys, s.loads, s.found, s.stored]), [[3, 2, 1, 1, 2], [1, 1, 1, 0, 1]], 'key 7 is above every stored key: not loaded')
    const stores = logged(logs, 'store batch').flatMap((fields) => fields.stores as { key: unknown[]; doc: string; exists: boolean }[])
    t.same(stores.map((s) => [s.key, JSON.parse(s.doc), s.exists]), [[[1], { id: 1, total: 14 }, true], [[7], { id: 7, total: 2 }, false], [[2], { id: 2, total: 4 }, false]], 'the loaded document is reduced under the combined ones')
    t.same(logged(logs, 'opened')[0], { state: { before: 1 } }, 'Open carries the connector state of the state file')
    const saved = JSON.parse(readFileSync(stateFile, 'utf8'))
    t.equal(saved.readThrough, 4)
    t.same(saved.connectorState, { before: 1, flush: true, stored: true, startCommit: true, acknowledge: true })
    t.same(Buffer.from(saved.maxKeys['["t"]'], 'base64'), Buffer.from(packTuple([7])))
    t.equal(saved.lastMaterialization.name, 'acmeCo/memory', 'the applied materialization is kept, in Flow\'s JSON')

    const more = [...documents, ['acmeCo/c', { id: 2, total: 5 }]] as const
    const again: ConnectorLog[] = []
    const second = await materializeDocuments(task(protobuf), { documents: more, stateFile, onLog: (log) => again.push(log) })
    t.equal(second.resumedFrom, 4, 'the state file decides: four lines were committed')
    t.equal(second.applied, 'table t: id,total,flow_document (last applied: t)', 'the next Apply carries the materialization applied last')
    t.same(second.summaries.map((s) => [s.docs, s.loads, s.found]), [[1, 1, 0]], 'key 2 is below the greatest stored key: loaded (this in-memory endpoint forgot it)')
    t.same(logged(again, 'opened')[0], { state: saved.connectorState })
  })
}

t.test('a transaction closes when the input pauses; a document that fails its schema stops the run at its line, after what was committed', async (t) => {
  const stateFile = join(dir, 'paused.state.json')
  async function* paused() {
    yield ['acmeCo/c', { id: 1, total: 1 }] as const
    yield ['acmeCo/c', { id: 2, total: 1 }] as const
    await new Promise((resolve) => setTimeout(resolve, 600))
    yield ['acmeCo/c', { id: 3, total: 1 }] as const
    yield ['acmeCo/c', { id: 4, total: 'many' }] as const
  }
  await t.rejects(
    materializeDocuments(task(false), { documents: paused(), stateFile }),
    { code: 'DOCUMENT_INVALID', message: /^input line 4: document for acmeCo\/c \(binding 0\) with key \[4\] does not match its schema: \/total: / },
  )
  const saved = JSON.parse(readFileSync(stateFile, 'utf8'))
  t.equal(saved.readThrough, 2, 'the two documents before the pause were committed on their own; nothing of the transaction holding the bad one')
})
