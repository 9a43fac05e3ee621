// The materialization driver against examples/materialize-sqlite spawned as a real process, in
// both codecs: documents with repeated keys reduced by the collection's annotations (merge at the
// root, sum, append) into exactly one row per key, a delta-updates binding appending the
// combined document of each key per transaction, a state file that makes a rerun resume without
// duplicating, and a connector killed with SIGKILL mid-session that loses nothing on a rerun.
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { materializeDocuments } from '../../lib/testing/index.ts'
import { startCli } from '../helpers/cli.ts'

const main = fileURLToPath(new URL('../../examples/materialize-sqlite/main.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'flowkit-materialize-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

/** A catalog of one collection of orders, materialized into a table per key and a delta table. */
function catalog(name: string): { source: string; db: string } {
  const db = join(dir, `${name}.sqlite`)
  const source = join(dir, `${name}.flow.yaml`)
  writeFileSync(source, JSON.stringify({
    collections: {
      'acmeCo/orders': {
        key: ['/id'],
        schema: {
          type: 'object',
          reduce: { strategy: 'merge' },
          properties: {
            id: { type: 'integer' },
            name: { type: 'string' },
            total: { type: 'integer', reduce: { strategy: 'sum' } },
            tags: { type: 'array', items: { type: 'string' }, reduce: { strategy: 'append' } },
          },
          required: ['id'],
        },
      },
      'acmeCo/other': { key: ['/id'], schema: { type: 'object' } },
    },
    materializations: {
      'acmeCo/orders-sqlite': {
        endpoint: { local: { command: [process.execPath, '--import', 'tsx', main], config: { path: db } } },
        bindings: [
          { resource: { table: 'orders' }, source: 'acmeCo/orders' },
          { resource: { table: 'order_events', delta_updates: true }, source: 'acmeCo/orders' },
        ],
      },
    },
  }))
  return { source, db }
}

interface Order { id: number; name: string; total: number; tags: string[] }
type Line = readonly [string, unknown]

/** `count` orders over 37 keys, and a document of a collection no binding reads every 10th line. */
function orders(count: number): Line[] {
  return Array.from({ length: count }, (_, i): Line => (i % 10 === 9 ? ['acmeCo/other', { id: i }] : ['acmeCo/orders', { id: (i * 7) % 37 + 1, name: `n${i}`, total: i, tags: [`t${i}`] }]))
}

/** The input reduced by key, computed by hand: last name wins, totals add, tags append. */
function expected(lines: readonly Line[]): Order[] {
  const byKey = new Map<number, Order>()
  for (const [collection, doc] of lines) {
    if (collection !== 'acmeCo/orders') continue
    const o = doc as Order
    const before = byKey.get(o.id)
    byKey.set(o.id, before ? { id: o.id, name: o.name, total: before.total + o.total, tags: [...before.tags, ...o.tags] } : { ...o, tags: [...o.tags] })
  }
  return [...byKey.values()].sort((a, b) => a.id - b.id)
}

function rows(db: string): { orders: Order[]; deltaTotals: Map<number, number>; deltaRows: number } {
  const sqlite = new Database(db, { readonly: true })
  try {
    const table = sqlite.prepare('SELECT id, name, total, flow_document FROM orders ORDER BY id').all() as { id: number; name: string; total: number; flow_document: string }[]
    const deltas = sqlite.prepare('SELECT id, SUM(total) AS total, COUNT(*) AS n FROM order_events GROUP BY id').all() as { id: number; total: number; n: number }[]
    return {
      orders: table.map((row) => {
        const doc = JSON.parse(row.flow_document) as Order
        if (doc.id !== row.id || doc.name !== row.name || doc.total !== row.total) throw new Error(`columns and document differ: ${JSON.stringify(row)}`)
        return { id: doc.id, name: doc.name, total: doc.total, tags: doc.tags }
      }),
      deltaTotals: new Map(deltas.map((d) => [d.id, d.total])),
      deltaRows: deltas.reduce((sum, d) => sum + d.n, 0),
    }
  } finally {
    sqlite.close()
  }
}

function checkRows(t: Test, db: string, lines: readonly Line[]): void {
  const want = expected(lines)
  const got = rows(db)
  t.same(got.orders, want, 'one row per key: the input reduced by key')
  t.same(got.deltaTotals, new Map(want.map((o) => [o.id, o.total])), 'the delta rows of each key add up to its total')
}

for (const codec of ['json', 'proto'] as const) {
  t.test(`${codec}: rows are the input reduced by key; a rerun with the state file resumes without duplicating`, async (t) => {
    const { source, db } = catalog(codec)
    const stateFile = join(dir, `${codec}.state.json`)
    const input = orders(400)
    const first = await materializeDocuments(source, { documents: input.slice(0, 250), codec, stateFile, transactionDocs: 40 })
    t.match(first.applied, /created table orders; created table order_events/)
    t.equal(first.docs, 225)
    t.equal(first.skipped, 25)
    t.equal(first.transactions, 6)
    checkRows(t, db, input.slice(0, 250))
    const loads = first.summaries.reduce((sum, s) => sum + s.loads, 0)
    const found = first.summaries.reduce((sum, s) => sum + s.found, 0)
    t.ok(found > 0 && found <= loads, `keys at or below the greatest stored key are loaded; those stored before are found (${loads} loads, ${found} found)`)
    t.equal(first.summaries[0]?.loads, 0, 'the first transaction loads nothing: no key was ever stored')

    const second = await materializeDocuments(source, { documents: input, codec, stateFile, transactionDocs: 40 })
    t.equal(second.resumedFrom, 250, 'the committed lines are skipped')
    t.equal(second.authoritative, true)
    t.equal(second.docs, 135)
    checkRows(t, db, input)
    const again = await materializeDocuments(source, { documents: input, codec, stateFile, transactionDocs: 40 })
    t.equal(again.transactions, 0, 'nothing left to do')
    checkRows(t, db, input)
  })
}

t.test('a connector killed with SIGKILL mid-session: the rerun leaves no partial transaction and loses no committed row', async (t) => {
  const { source, db } = catalog('killed')
  const stateFile = join(dir, 'killed.state.json')
  const input = orders(3000)
  const inputFile = join(dir, 'killed.jsonl')
  writeFileSync(inputFile, input.map((line) => JSON.stringify(line) + '\n').join(''))
  const args = ['preview', '--source', source, '--materialization', 'acmeCo/orders-sqlite', '--input', inputFile, '--state-file', stateFile, '--transaction-docs', '50']
  const cli = startCli(args)
  let stderr = ''
  let killed = false
  await new Promise<void>((resolve) => {
    cli.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (killed || !/transaction 5:/.test(stderr)) return
      killed = true
      const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(cli.pid)], { encoding: 'utf8' }).split('\n').map((pid) => pid.trim()).filter(Boolean)
      for (const pid of children) process.kill(Number(pid), 'SIGKILL')
    })
    cli.on('close', () => resolve())
  })
  t.ok(killed, 'the connector was killed')
  t.equal(cli.exitCode, 1, 'the preview fails')
  t.match(stderr, /flowkit preview: .*(SIGKILL|signal)/i, 'naming how the connector ended')
  const partial = rows(db)
  t.ok(partial.orders.length > 0, 'what was committed is there')

  const rerun = startCli(args)
  let rerunErr = ''
  rerun.stderr?.on('data', (chunk: Buffer) => (rerunErr += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => rerun.on('close', resolve))
  t.equal(code, 0, rerunErr)
  t.match(rerunErr, /resuming after input line \d+/)
  checkRows(t, db, input)
})

