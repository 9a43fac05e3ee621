// `flowkit preview` checks every document against its collection's schema and key: a document
// that fails stops the preview with one line naming the collection, the key and the error,
// after the transactions before it were printed and saved; --skip-validation turns it off; a
// schema that cannot be used stops it before the connector starts; and the example's own,
// strict schemas accept everything it emits.
import t from 'tap'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { loadCapture } from '../../lib/runtime/catalog.ts'
import { compileCollection } from '../../lib/runtime/document-check.ts'
import { helloCatalog, helloCopy, jsonLines, runCli, tempDir } from '../helpers/cli.ts'

const dir = tempDir()
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const greeting = (id: number, extra: object = {}) => ({ id, stream: 'greetings', message: `hello #${id}`, ts: new Date(Date.UTC(2026, 0, 1) + id * 1000).toISOString(), ...extra })

/** The example catalog, its connector replaced by one that writes `script` on Open. */
function scripted(name: string, script: object[], edit: (catalog: any) => void = () => {}): string {
  return helloCopy(dir, name, (catalog, local) => {
    local.command = ['node', '--import', 'tsx', 'test/fixtures/scripted-connector.ts']
    local.env = { SCRIPT: script.map((line) => JSON.stringify(line) + '\n').join('') }
    edit(catalog)
  })
}

const breaking = [
  { opened: {} },
  { captured: { doc: greeting(1) } },
  { captured: { doc: greeting(2) } },
  { checkpoint: { state: { updated: { cursor: 2 }, mergePatch: true } } },
  { captured: { doc: greeting(3) } },
  { checkpoint: { state: { updated: { cursor: 3 }, mergePatch: true } } },
  { captured: { doc: greeting(4) } },
  { captured: { doc: greeting(17, { ts: 17 }) } },
  { captured: { doc: greeting(18) } },
  { checkpoint: { state: { updated: { cursor: 18 }, mergePatch: true } } },
]

t.test('a document that breaks its schema stops the preview after the last good transaction', async (t) => {
  const source = scripted('breaking.flow.yaml', breaking)
  const stateFile = join(dir, 'breaking.state.json')
  const run = await runCli(['preview', '--source', source, '--state-file', stateFile])
  t.equal(run.code, 1)
  const lines = jsonLines(run.stdout) as [string, { id: number }][]
  t.same(lines.map(([collection, doc]) => [collection, doc.id]), [['acmeCo/greetings', 1], ['acmeCo/greetings', 2], ['acmeCo/greetings', 3]], 'the documents of both committed transactions, no more')
  t.same(JSON.parse(readFileSync(stateFile, 'utf8')), { cursor: 3 }, 'the state of the last good transaction')
  const last = run.stderr.trimEnd().split('\n').at(-1)
  t.equal(last, 'flowkit preview: document for acmeCo/greetings (binding 0) with key [17] does not match its schema: /ts: must be string')
})

t.test('a document without its key, for the second binding', async (t) => {
  const source = scripted('keyless.flow.yaml', [
    { opened: {} },
    { captured: { binding: 1, doc: { stream: 'events', message: 'no id', ts: '2026-01-01T00:00:00Z' } } },
    { checkpoint: { state: { updated: {}, mergePatch: true } } },
  ])
  const run = await runCli(['preview', '--source', source])
  t.equal(run.code, 1)
  t.equal(run.stdout, '')
  t.match(run.stderr, /\nflowkit preview: document for acmeCo\/events \(binding 1\) with key \[\(missing\)\] has no value at key pointer "\/id", and does not match its schema: \/id: required property missing\n$/)
})

t.test('--skip-validation prints documents that do not match', async (t) => {
  const run = await runCli(['preview', '--source', scripted('skipped.flow.yaml', breaking), '--skip-validation'])
  t.equal(run.code, 0, run.stderr)
  t.same((jsonLines(run.stdout) as [string, { id: number }][]).map(([, doc]) => doc.id), [1, 2, 3, 4, 17, 18])
})

t.test('a schema that cannot be used stops the preview before the connector starts', async (t) => {
  const source = scripted('bad-schema.flow.yaml', breaking, (catalog) => {
    catalog.collections['acmeCo/events'].schema = { type: 'object', properties: { id: { $ref: 'https://example.com/id.json' } } }
  })
  const run = await runCli(['preview', '--source', source])
  t.equal(run.code, 1)
  t.equal(run.stdout, '')
  t.equal(
    run.stderr,
    'flowkit preview: collection acmeCo/events: its schema\'s $ref "https://example.com/id.json" does not resolve within the schema (references to other files or URLs are not supported)\n',
    'one line, and no connector log: it never ran',
  )
})

t.test('the example previews with validation on', async (t) => {
  const source = helloCopy(dir, 'hello.flow.yaml', (_catalog, local) => (local.config = { count: 30, checkpointEvery: 7, docBytes: 200 }))
  const run = await runCli(['preview', '--source', source])
  t.equal(run.code, 0, run.stderr)
  t.equal(jsonLines(run.stdout).length, 60)
})

t.test("the example's schemas are strict about what it emits", async (t) => {
  const task = loadCapture(helloCatalog)
  const [greetings, events] = task.bindings.map((binding) => compileCollection(binding.collection))
  const doc = greeting(1, { pad: 'xxxx' })
  t.equal(greetings?.problems(doc), undefined)
  t.same(events?.problems(doc)?.errors, [{ path: '/stream', message: 'must be equal to constant' }], 'a greeting is not an event')
  t.same(greetings?.problems({ ...doc, extra: 1 })?.errors, [{ path: '/extra', message: 'property not allowed' }])
  t.same(greetings?.problems({ ...doc, id: 0 })?.errors.map((e) => e.path), ['/id'])
  t.same(greetings?.problems({ ...doc, ts: '2026-01-01' })?.errors.map((e) => e.path), ['/ts'])
  const { message: _message, ...noMessage } = doc
  t.same(greetings?.problems(noMessage)?.errors, [{ path: '/message', message: 'required property missing' }])
})
