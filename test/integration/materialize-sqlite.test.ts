// examples/materialize-sqlite, spawned in both codecs: Apply makes the tables, transactions
// upsert, delete and append rows, and each Flow transaction is one SQLite transaction with the
// runtime checkpoint: a connector killed mid-transaction leaves nothing of it, and the next
// session resumes from the checkpoint the file holds.
import t from 'tap'
import Database from 'better-sqlite3'
import Long from 'long'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { packTuple } from '../../lib/json/tuple.ts'
import { runtimeCheckpoint, type MaterializeRequest, type MaterializeResponse } from '../../lib/protocol/index.ts'
import { startMaterialization, type Codec } from '../helpers/connector-process.ts'

const main = new URL('../../examples/materialize-sqlite/main.ts', import.meta.url).pathname

const collection = {
  name: 'acmeCo/orders',
  key: ['/id'],
  projections: [
    { field: 'id', ptr: '/id', isPrimaryKey: true, inference: { types: ['integer'], exists: 1 } },
    { field: 'total', ptr: '/total', inference: { types: ['number'], exists: 2 } },
    { field: 'paid', ptr: '/paid', inference: { types: ['boolean'], exists: 2 } },
    { field: 'flow_document', ptr: '', inference: { types: ['object'], exists: 1 } },
  ],
}

function spec(path: string) {
  const binding = (table: string, delta: boolean) => ({
    resourceConfigJson: JSON.stringify({ table, delta_updates: delta }),
    resourcePath: [table],
    collection,
    deltaUpdates: delta,
    fieldSelection: { keys: ['id'], values: ['total', 'paid'], document: 'flow_document' },
  })
  return { name: 'acmeCo/sqlite', configJson: JSON.stringify({ path }), bindings: [binding('orders', false), binding('order_log', true)] }
}

function storeRequest(codec: Codec, binding: number, doc: { id: number; total: number; paid: boolean }, flags: { exists?: boolean; delete?: boolean } = {}): MaterializeRequest {
  const key = [doc.id]
  const values = [doc.total, doc.paid]
  const packed = codec === 'json' ? { keyJson: JSON.stringify(key), valuesJson: JSON.stringify(values) } : { keyPacked: packTuple(key), valuesPacked: packTuple(values) }
  return { store: { binding, ...packed, docJson: JSON.stringify(doc), ...flags } }
}

const loadRequest = (codec: Codec, id: number): MaterializeRequest => ({ load: { binding: 0, ...(codec === 'json' ? { keyJson: `[${id}]` } : { keyPacked: packTuple([id]) }) } })
const checkpoint = (n: number) => ({ sources: { 'acmeCo/orders/pivot=00': { readThrough: Long.fromNumber(n) } } })

function session(codec: Codec, path: string) {
  const c = startMaterialization(['--import', 'tsx', main], codec)
  c.send({ open: { materialization: spec(path), version: 'v1', range: { keyEnd: 0xffffffff, rClockEnd: 0xffffffff }, stateJson: '{}' } })
  return c
}

const rows = (path: string, sql: string) => {
  const db = new Database(path, { readonly: true })
  try {
    return db.prepare(sql).all()
  } finally {
    db.close()
  }
}

for (const codec of ['json', 'proto'] as const) {
  t.test(`${codec}: apply, two transactions, a crash mid-transaction, and a resumed session`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'flowkit-sqlite-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const path = join(dir, 'out.db')

    const applying = startMaterialization(['--import', 'tsx', main], codec)
    applying.send({ apply: { materialization: spec(path), version: 'v1' } })
    applying.end()
    const [applied] = await applying.rest()
    t.equal(applied?.applied?.actionDescription, 'created table orders; created table order_log')

    const first = session(codec, path)
    const responses: MaterializeResponse[] = []
    const opened = await first.next()
    t.notOk(opened?.opened?.runtimeCheckpoint, 'a new file holds no checkpoint')
    first.send({ acknowledge: {} })
    first.send(loadRequest(codec, 1))
    first.send({ flush: {} })
    first.send(storeRequest(codec, 0, { id: 1, total: 10.5, paid: false }))
    first.send(storeRequest(codec, 0, { id: 2, total: 3, paid: true }))
    first.send(storeRequest(codec, 1, { id: 1, total: 10.5, paid: false }))
    first.send({ startCommit: { runtimeCheckpoint: checkpoint(1) } })
    first.send({ acknowledge: {} })
    first.send(loadRequest(codec, 1))
    first.send(loadRequest(codec, 3))
    first.send({ flush: {} })
    first.send(storeRequest(codec, 0, { id: 1, total: 12, paid: true }, { exists: true }))
    first.send(storeRequest(codec, 0, { id: 2, total: 3, paid: true }, { exists: true, delete: true }))
    first.send(storeRequest(codec, 1, { id: 1, total: 12, paid: true }))
    first.send({ startCommit: { runtimeCheckpoint: checkpoint(2) } })
    first.send({ acknowledge: {} })
    first.end()
    for (let r = await first.next(); r; r = await first.next()) responses.push(r)
    t.equal((await first.exited).code, 0)
    const loaded = responses.filter((r) => r.loaded).map((r) => JSON.parse(r.loaded?.docJson ?? ''))
    t.same(loaded, [{ id: 1, total: 10.5, paid: false }], 'the second transaction loads the row the first stored; id 3 was never stored')
    t.same(rows(path, 'SELECT id, total, paid FROM orders ORDER BY id'), [{ id: 1, total: 12, paid: 1 }], 'upserted, and id 2 deleted')
    t.same(rows(path, 'SELECT id, total FROM order_log ORDER BY rowid'), [{ id: 1, total: 10.5 }, { id: 1, total: 12 }], 'the delta-updates binding appends')

    // A third transaction, stored but not committed, when the connector dies.
    const crashed = session(codec, path)
    const reopened = await crashed.next()
    t.equal(Number(reopened?.opened?.runtimeCheckpoint?.sources?.['acmeCo/orders/pivot=00']?.readThrough), 2, 'Opened gives the checkpoint of the last commit')
    crashed.send({ acknowledge: {} })
    crashed.send({ flush: {} })
    crashed.send(storeRequest(codec, 0, { id: 9, total: 99, paid: false }))
    crashed.send(storeRequest(codec, 1, { id: 9, total: 99, paid: false }))
    await crashed.next() // Acknowledged
    await crashed.next() // Flushed: the stores are on their way
    await new Promise((resolve) => setTimeout(resolve, 300))
    crashed.kill('SIGKILL')
    await crashed.exited
    t.same(rows(path, 'SELECT id FROM orders ORDER BY id'), [{ id: 1 }], 'nothing of the unfinished transaction')
    t.same(rows(path, 'SELECT count(*) AS n FROM order_log'), [{ n: 2 }])

    const resumed = session(codec, path)
    const again = await resumed.next()
    t.equal(Number(again?.opened?.runtimeCheckpoint?.sources?.['acmeCo/orders/pivot=00']?.readThrough), 2, 'the restarted session resumes from the last commit')
    resumed.end()
    t.equal((await resumed.exited).code, 0)
    t.same(runtimeCheckpoint.toJson(again?.opened?.runtimeCheckpoint ?? {}), runtimeCheckpoint.toJson(checkpoint(2)))
  })
}
