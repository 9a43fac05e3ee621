// The derivation runner (runtime/derive-*.ts through flowkit/testing's deriveDocuments): a
// derivation spawned in both codecs gets each document once per transform reading its
// collection, under the transform's shuffle key (the source key for `shuffle: any`); what it
// publishes is combined per key with the derived collection's reduce annotations; its
// Flushed.state is committed with the input position; committed documents not yet handed on are
// handed on first by the next run. And every rule of the runtime's side, broken by a scripted
// connector, fails the session naming the rule.
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Collection } from '../../lib/runtime/catalog.ts'
import type { DerivationTask } from '../../lib/runtime/derive-catalog.ts'
import { derivationSpecOf } from '../../lib/runtime/derive-requests.ts'
import { runDeriveSession } from '../../lib/runtime/derive-session.ts'
import { deriveDocuments } from '../../lib/testing/index.ts'

const echo = new URL('../fixtures/derive/echo.ts', import.meta.url).pathname
const replies = new URL('../fixtures/derive/replies.ts', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'flowkit-derive-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const events: Collection = {
  name: 'acmeCo/events',
  key: ['/id'],
  writeSchema: { type: 'object', properties: { id: { type: 'integer' }, group: { type: 'string' }, n: { type: 'number' } }, required: ['id', 'group', 'n'] },
}
const extra: Collection = { ...events, name: 'acmeCo/extra', writeSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } }
const totals: Collection = {
  name: 'acmeCo/totals',
  key: ['/group'],
  writeSchema: { type: 'object', reduce: { strategy: 'merge' }, properties: { group: { type: 'string' }, n: { type: 'number', reduce: { strategy: 'sum' } } }, required: ['group'] },
}

function task(command: string[], env: Record<string, string> = {}, protobuf = false): DerivationTask {
  return {
    name: totals.name,
    endpoint: { type: 'local', command, config: {}, env, protobuf },
    collection: totals,
    transforms: [
      { name: 'fromEvents', source: events, shuffleKey: ['/group'], lambda: {}, backfill: 0 },
      { name: 'fromExtra', source: extra, shuffleKey: [], lambda: {}, backfill: 0 },
    ],
  }
}
const echoTask = (protobuf: boolean) => task([process.execPath, '--import', 'tsx', echo], {}, protobuf)

const fixture: [string, unknown][][] = [
  [
    ['acmeCo/events', { id: 1, group: 'a', n: 1 }],
    ['acmeCo/events', { id: 2, group: 'b', n: 2 }],
    ['acmeCo/elsewhere', { id: 9 }],
    ['acmeCo/events', { id: 3, group: 'a', n: 3 }],
    ['acmeCo/extra', { id: 'x', group: 'a', n: 10 }],
  ],
  [['acmeCo/events', { id: 4, group: 'b', n: 4 }]],
]

for (const codec of ['json', 'proto'] as const) {
  t.test(`${codec}: shuffle keys per transform, documents combined with the reduce annotations, Flushed.state committed`, async (t) => {
    const derived = await deriveDocuments(echoTask(codec === 'proto'), { documents: { fixture }, projectRoot: 'file:///project/' })
    t.same(derived.documents, [
      ['acmeCo/totals', { id: 'x', group: 'a', n: 14, via: 'fromExtra', shuffled: ['x'] }],
      ['acmeCo/totals', { id: 2, group: 'b', n: 2, via: 'fromEvents', shuffled: ['b'] }],
      ['acmeCo/totals', { id: 4, group: 'b', n: 4, via: 'fromEvents', shuffled: ['b'] }],
    ], 'a transaction per fixture transaction, its documents combined per key in key order')
    t.same(derived.summaries.map((s) => [s.docs, s.skipped, s.reads, s.published, s.combined, s.readThrough]), [[4, 1, 4, 4, 2, 1], [1, 0, 1, 1, 1, 2]])
    t.same(derived.state, { readThrough: 2, connectorState: { reads: 5 }, pending: [] })
    t.equal(derived.authoritative, false)
  })
}

t.test('a state file: a rerun skips what was committed; documents committed but not handed on come first', async (t) => {
  const stateFile = join(dir, 'state.json')
  const lines = fixture.flat()
  const first = await deriveDocuments(echoTask(false), { documents: lines.slice(0, 3), stateFile, transactionDocs: 2, projectRoot: 'file:///project/' })
  t.same(first.summaries.map((s) => s.readThrough), [2, 3])
  t.same(JSON.parse(readFileSync(stateFile, 'utf8')), { readThrough: 3, connectorState: { reads: 2 }, pending: [] })

  // A run that stopped between its commit and handing the documents on left them pending.
  const pending = [{ group: 'z', n: 1 }]
  writeFileSync(stateFile, JSON.stringify({ readThrough: 3, connectorState: { reads: 2 }, pending }))
  const second = await deriveDocuments(echoTask(false), { documents: lines, stateFile, transactionDocs: 2, projectRoot: 'file:///project/' })
  t.same(second.resumedFrom, 3)
  t.same(second.documents[0], ['acmeCo/totals', pending[0]], 'the pending documents first')
  t.same(second.summaries.map((s) => [s.docs, s.readThrough]), [[2, 5], [1, 6]], 'input lines 1-3 skipped')
  t.same(JSON.parse(readFileSync(stateFile, 'utf8')), { readThrough: 6, connectorState: { reads: 5 }, pending: [] })
})

type Replies = Record<'open' | 'flush' | 'startCommit', (object | 'exit')[]>

/** A session of a connector answering by rote over `lines`, as the runtime runs it; resolves to the error it fails with. */
async function fails(answers: Partial<Replies>, lines: readonly [string, unknown][] = [['acmeCo/events', { id: 1, group: 'a', n: 1 }]]): Promise<Error> {
  const rote = task([process.execPath, '--import', 'tsx', replies], { REPLIES: JSON.stringify(answers) })
  const collection = derivationSpecOf(rote, { transforms: [{}, {}] })
  return runDeriveSession(rote, collection, { lines }).then(
    () => new Error('the session did not fail'),
    (error: Error) => error,
  )
}

const opened = { opened: {} }
const authoritative = { opened: { runtimeCheckpoint: { sources: { 'flowkit/preview': { readThrough: '0' } } } } }
const doc = (value: object) => ({ published: { doc: value } })

t.test('every response out of order fails the session, naming the rule', async (t) => {
  const cases: [string, Partial<Replies>, RegExp, string, ([string, unknown][])?][] = [
    ['Flushed in answer to Open', { open: [{ flushed: {} }] }, /the first response to Open must be Opened, not Flushed/, 'PROTOCOL_ORDER'],
    ['Flushed before Flush', { open: [opened, { flushed: {} }] }, /connector sent Flushed before receiving Flush \(during the Reads of transaction 1\)/, 'PROTOCOL_ORDER'],
    ['StartedCommit though no StartCommit was sent', { open: [opened], flush: [{ startedCommit: {} }] }, /connector sent StartedCommit after Flush 1 of transaction 1, before any StartCommit \(only a connector whose Opened has a runtime checkpoint gets StartCommit\)/, 'PROTOCOL_ORDER'],
    ['a Spec among the Published', { open: [opened], flush: [doc({ group: 'a' }), { spec: {} }] }, /expected Published or Flushed after Flush 1 of transaction 1, got Spec/, 'PROTOCOL_ORDER'],
    ['the output ending before Flushed', { open: [opened], flush: ['exit'] }, /the connector closed its output, but Flushed was due after Flush 1 of transaction 1/, 'PROTOCOL_ORDER'],
    ['a response after the last transaction', { open: [opened, doc({ group: 'a' })] }, /no response may follow the last transaction's Flushed once the runtime closed the connector's input; got Published/, 'PROTOCOL_ORDER', []],
    ['a published document without its key', { open: [opened], flush: [doc({ n: 1 }), { flushed: {} }] }, /a published document does not fit: .*acmeCo\/totals/, 'DOCUMENT_INVALID'],
    ['StartedCommit with state (remote-authoritative)', { open: [authoritative], flush: [{ flushed: {} }], startCommit: [{ startedCommit: { state: { updated: { x: 1 } } } }] }, /StartedCommit of transaction 1 carries a state update, which the runtime does not accept: a derivation reports its state in Flushed/, 'PROTOCOL_VIOLATION'],
    ['Published after Flushed (remote-authoritative)', { open: [authoritative], flush: [{ flushed: {} }], startCommit: [doc({ group: 'a' })] }, /connector sent Published after Flushed of transaction 1: every document comes before the last Flushed/, 'PROTOCOL_ORDER'],
    ['StartedCommit before StartCommit (remote-authoritative)', { open: [authoritative], flush: [{ startedCommit: {} }] }, /connector sent StartedCommit after Flush 1 of transaction 1, before any StartCommit \(StartCommit comes only after the last Flushed\)/, 'PROTOCOL_ORDER'],
    ['an Opened instead of StartedCommit (remote-authoritative)', { open: [authoritative], flush: [{ flushed: {} }], startCommit: [opened] }, /expected StartedCommit after StartCommit of transaction 1, got Opened/, 'PROTOCOL_ORDER'],
  ]
  await Promise.all(cases.map(async ([name, answers, message, code, lines]) => {
    const error = await fails(answers, lines)
    t.match(error.message, message, name)
    t.equal((error as { code?: string }).code, code, `${name}: ${error.message}`)
  }))
})

t.test('a remote-authoritative connector gets StartCommit with the input position, and its checkpoint decides where a run resumes', async (t) => {
  const answers = { open: [{ opened: { runtimeCheckpoint: { sources: { 'flowkit/preview': { readThrough: '1' } } } } }], flush: [{ flushed: {} }], startCommit: [{ startedCommit: {} }] }
  const rote = task([process.execPath, '--import', 'tsx', replies], { REPLIES: JSON.stringify(answers) })
  const notes: string[] = []
  const result = await runDeriveSession(rote, derivationSpecOf(rote, { transforms: [{}, {}] }), { lines: fixture[0] as [string, unknown][] }, { transactionDocs: 2, onNote: (note) => notes.push(note) })
  t.equal(result.authoritative, true)
  t.equal(result.resumedFrom, 1, 'the first input line was committed, as the connector says')
  t.same([result.transactions, result.state.readThrough], [2, 5])
  t.match(notes[0], /holds the runtime checkpoint \(remote-authoritative\): input committed through 1; the state file said 0/)
})
