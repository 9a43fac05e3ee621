// The Airbyte shim as Flow runs it: `flowkit shim airbyte -- python3 source.py` spawned through
// flowkit's own runtime driver, in both codecs, against a fixture source with the behaviours of
// real ones.
import t from 'tap'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ConnectorLog } from '../../lib/io/log-reader.ts'
import { apply, discover, spec, validate } from '../../lib/runtime/capture-rpc.ts'
import { runCaptureSession, type SessionOptions, type Transaction } from '../../lib/runtime/capture-session.ts'
import type { CaptureTask, Collection } from '../../lib/runtime/catalog.ts'
import { jsonLines, runCli } from '../helpers/cli.ts'

const flowkit = fileURLToPath(new URL('../../lib/cli/flowkit.js', import.meta.url))
const fixture = fileURLToPath(new URL('../fixtures/airbyte/source.py', import.meta.url))

const collection = (name: string, key: string[]): Collection => ({ name, key, writeSchema: { type: 'object' } })
const users = { resource: { stream: 'users', syncMode: 'incremental', cursorField: ['updated'] }, collection: collection('acmeCo/users', ['/id']), backfill: 0 }
const events = { resource: { stream: 'events', syncMode: 'full_refresh' }, collection: collection('acmeCo/events', ['/_meta/row_id']), backfill: 0 }
const dotted = { resource: { stream: 'dotted', namespace: 'ns', syncMode: 'full_refresh' }, collection: collection('acmeCo/dotted', ['/table1.Column1']), backfill: 0 }

/** The fixture behind `flowkit shim airbyte [shimArgs] --`, with `config` and the bindings. */
function task(config: object, options: { protobuf?: boolean; shimArgs?: string[]; bindings?: CaptureTask['bindings'] } = {}): CaptureTask {
  return {
    name: 'acmeCo/airbyte',
    endpoint: {
      type: 'local',
      command: [process.execPath, flowkit, 'shim', 'airbyte', ...(options.shimArgs ?? []), '--', 'python3', fixture],
      config: { api_key: 'sekrit-123', ...config },
      env: {},
      protobuf: options.protobuf ?? false,
    },
    bindings: options.bindings ?? [users, events, dotted],
  }
}

interface Session {
  readonly transactions: Transaction[]
  readonly logs: ConnectorLog[]
  readonly state: unknown
  readonly error?: { code: string; message: string }
}

/** One session; its failure, if any, is returned rather than thrown. */
async function session(capture: CaptureTask, state: unknown = {}, options: SessionOptions = {}): Promise<Session> {
  const transactions: Transaction[] = []
  const logs: ConnectorLog[] = []
  let last = state
  try {
    const result = await runCaptureSession(capture, { ...options, state, onTransaction: (tx) => void transactions.push(tx), onLog: (log) => logs.push(log) })
    last = result.state
  } catch (error) {
    return { transactions, logs, state: transactions.at(-1)?.state ?? state, error: error as { code: string; message: string } }
  }
  return { transactions, logs, state: last }
}

const docs = (s: Session, binding: number) => s.transactions.flatMap((tx) => tx.documents.filter(([b]) => b === binding).map(([, doc]) => JSON.parse(doc)))
const stateGiven = (s: Session) => s.logs.find((log) => log.message === 'STATE_LOG')?.fields.state

for (const protobuf of [false, true]) {
  const codec = protobuf ? 'proto' : 'json'

  t.test(`${codec}: spec, discover, validate and apply come from the source's spec, discover and check`, async (t) => {
    const specResponse = (await spec(task({}, { protobuf }))).spec
    t.same(JSON.parse(specResponse?.configSchemaJson ?? '').properties.api_key, { type: 'string', airbyte_secret: true })
    t.same(JSON.parse(specResponse?.resourceConfigSchemaJson ?? '').required, ['stream', 'syncMode'])
    t.same(specResponse?.resourcePathPointers, ['/namespace', '/stream'])
    t.equal(specResponse?.documentationUrl, 'https://example.com/source-fixture')

    const bindings = (await discover(task({}, { protobuf }))).discovered?.bindings ?? []
    t.same(bindings.map((b) => [b.recommendedName, b.key, b.resourcePath, b.isFallbackKey ?? false]), [
      ['users', ['/id'], ['users'], false],
      ['events', ['/_meta/row_id'], ['events'], true],
      ['dotted', ['/table1.Column1'], ['ns', 'dotted'], false],
    ])
    t.same(JSON.parse(bindings[0]?.resourceConfigJson ?? ''), { stream: 'users', syncMode: 'incremental', cursorField: ['updated'] })
    t.same(JSON.parse(bindings[1]?.documentSchemaJson ?? '').required, ['_meta'], 'a fallback key is in the schema')

    t.same((await validate(task({}, { protobuf }))).validated?.bindings?.map((b) => b.resourcePath), [['users'], ['events'], ['ns', 'dotted']])
    await t.rejects(validate(task({ api_key: 'bad' }, { protobuf })), { code: 'CONNECTOR_FAILED', message: /connection check failed: the api key is not valid/ })
    t.same((await apply(task({}, { protobuf }))).applied, {})
  })

  for (const form of ['stream', 'legacy', 'global'] as const) {
    t.test(`${codec}: ${form} state is kept, handed back as the source emitted it, and the second session resumes`, async (t) => {
      const capture = task({ state_form: form, count: 4, every: 2 }, { protobuf })
      const first = await session(capture)
      t.notOk(first.error, first.error?.message ?? 'no error')
      t.equal(stateGiven(first), null, 'no state file at first')
      t.same(docs(first, 0).map((d) => d.id), [1, 2, 3, 4])
      const second = await session(capture, first.state)
      t.notOk(second.error, second.error?.message ?? 'no error')
      const handed = stateGiven(second)
      if (form === 'legacy') t.same(handed, { cursors: { users: 4, events: 4, dotted: 4 } }, 'the bare data object')
      else t.ok(Array.isArray(handed), 'a list of state messages')
      if (form === 'stream') t.same((handed as any[]).map((m) => [m.stream.stream_descriptor.name, m.stream.stream_state.cursor]), [['users', 4], ['events', 4], ['dotted', 4]])
      if (form === 'global') t.same((handed as any[])[0].global.shared_state, { lsn: 12 })
      t.same(docs(second, 0).map((d) => d.id), [5, 6, 7, 8], 'resumes after the cursor')
      t.same([...docs(first, 1), ...docs(second, 1)].map((d) => d._meta.row_id), [1, 2, 3, 4, 5, 6, 7, 8], 'row ids keep counting across sessions')
      t.same(docs(second, 2).map((d) => d['table1.Column1']), [5, 6, 7, 8])
    })
  }
}

t.test('logs: LOG messages and stderr become log lines; non-JSON stdout is logged and skipped; secrets never appear', async (t) => {
  const normal = await session(task({ count: 1, every: 1 }))
  t.notOk(normal.error)
  t.ok(normal.logs.some((log) => log.message === 'starting read' && log.level === 'info'), 'a LOG message at its level')
  t.ok(normal.logs.some((log) => log.level === 'warn' && log.fields.line === 'this line is not JSON'), 'a non-JSON line, logged')
  const leaky = await session(task({ scenario: 'secret-log', count: 1, every: 1 }))
  const text = JSON.stringify(leaky.logs)
  t.notMatch(text, /sekrit-123/, 'the api key is not in any log line')
  t.match(text, /connecting with key \[redacted\]/)
  t.match(text, /using key \[redacted\]/)
})

t.test('a TRACE ERROR fails the session at once: nothing after the last STATE is committed', async (t) => {
  const failed = await session(task({ scenario: 'trace-error', every: 2 }))
  t.match(failed.error, { code: 'CONNECTOR_FAILED', message: /rate limit exceeded for good \(transient_error\)/ })
  t.same(docs(failed, 0).map((d) => d.id), [1, 2], 'the records of the committed STATE')
  t.notMatch(JSON.stringify(failed.transactions), /999|1000/, 'neither the record nor the STATE after the error')
})

t.test('CONNECTION_STATUS FAILED during read fails the session, even though the source exits 0 after a STATE', async (t) => {
  const failed = await session(task({ scenario: 'status-failed' }))
  t.match(failed.error, { code: 'CONNECTOR_FAILED', message: /connection check failed: token expired/ })
  t.same(failed.transactions, [])
})

t.test('a source that crashes with a traceback fails with it; nothing after its last STATE is committed', async (t) => {
  const failed = await session(task({ scenario: 'crash', every: 2 }))
  t.match(failed.error, { code: 'CONNECTOR_FAILED', message: /Traceback[\s\S]*RuntimeError: the upstream API returned garbage[\s\S]*exit code 1/ })
  t.same(docs(failed, 0).map((d) => d.id), [1, 2])
  t.notMatch(JSON.stringify(failed.transactions), /1000/)
})

t.test('heartbeat records are dropped with --skip-records-with', async (t) => {
  const kept = await session(task({ scenario: 'heartbeat', count: 2, every: 2 }, { bindings: [users] }))
  t.match(kept.error, { code: 'DOCUMENT_INVALID', message: /has no value at key pointer "\/id"/ }, 'without the option they are documents, and have no key')
  const skipped = await session(task({ scenario: 'heartbeat', count: 2, every: 2 }, { shimArgs: ['--skip-records-with', '__faros_heartbeat'] }))
  t.same(docs(skipped, 0).map((d) => d.id), [1, 2])
})

t.test('states of a synthetic stream descriptor are kept and handed back', async (t) => {
  const capture = task({ scenario: 'synthetic-state', count: 2, every: 2 }, { bindings: [users] })
  const first = await session(capture)
  t.notOk(first.error)
  const second = await session(capture, first.state)
  t.notOk(second.error)
  t.same((stateGiven(second) as any[]).map((m) => m.stream.stream_descriptor.name).sort(), ['__noop__', 'users'])
})

t.test('a wrapped LEGACY state is opaque: handed back exactly', async (t) => {
  const capture = task({ scenario: 'legacy-wrapped', state_form: 'legacy', count: 2, every: 2 }, { bindings: [users] })
  const first = await session(capture)
  const second = await session(capture, first.state)
  t.notOk(second.error, second.error?.message ?? 'no error')
  t.match(stateGiven(second), { format: 'base64/gzip', data: String })
  t.same(docs(second, 0).map((d) => d.id), [3, 4])
})

t.test('--state-form forces the form of the state file', async (t) => {
  const capture = (args: string[]) => task({ count: 2, every: 2 }, { bindings: [users], shimArgs: args })
  const first = await session(capture([]))
  const forced = await session(capture(['--state-form', 'legacy']), first.state)
  t.match(forced.error, { code: 'CONNECTOR_FAILED', message: /per-stream source: the state file must be a JSON list/ }, 'a STREAM source refuses the object form')
  t.same(stateGiven(forced), { users: { cursor: 2 } })
})

t.test('floating-point and second-based emitted_at do not matter', async (t) => {
  const s = await session(task({ scenario: 'float-emitted-at', count: 3, every: 3 }, { bindings: [users] }))
  t.notOk(s.error)
  t.same(docs(s, 0).map((d) => d.id), [1, 2, 3])
})

t.test('a silent source fails the idle timeout and is stopped; a stopped session leaves no child behind', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flowkit-airbyte-'))
  const pidFile = join(dir, 'pid')
  const idle = await session(task({ scenario: 'hang', pid_file: pidFile }, { bindings: [users], shimArgs: ['--idle-timeout', '1s'] }))
  t.match(idle.error, { code: 'CONNECTOR_FAILED', message: /wrote nothing for 1 s \(idle timeout\)/ })
  t.throws(() => process.kill(Number(readFileSync(pidFile, 'utf8')), 0), { code: 'ESRCH' }, 'the source was stopped')

  const stopFile = join(dir, 'stopped-pid')
  const controller = new AbortController()
  const running = session(task({ scenario: 'hang', pid_file: stopFile }, { bindings: [users] }), {}, { signal: controller.signal })
  while (!existsSync(stopFile) || readFileSync(stopFile, 'utf8') === '') await new Promise((resolve) => setTimeout(resolve, 50))
  controller.abort()
  const stopped = await running
  t.match(stopped.error ?? {}, { message: /1 document after the last checkpoint; they were not committed/ }, 'stopped inside a transaction: the record is not committed')
  t.throws(() => process.kill(Number(readFileSync(stopFile, 'utf8')), 0), { code: 'ESRCH' }, 'the source did not outlive its capture')
})

t.test('a line longer than --max-line-bytes fails with the limit', async (t) => {
  const s = await session(task({ count: 1, every: 1 }, { bindings: [users], shimArgs: ['--max-line-bytes', '40'] }))
  t.match(s.error, { code: 'CONNECTOR_FAILED', message: /wrote a line too long to read: line \d+ is longer than the limit of 40 bytes/ })
})

t.test('examples/airbyte-hello runs under flowkit preview: two sessions, the second resuming from the state file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flowkit-airbyte-'))
  const stateFile = join(dir, 'state.json')
  const args = ['preview', '--source', 'examples/airbyte-hello/flow.yaml', '--sessions', '2', '--state-file', stateFile]
  const run = await runCli(args)
  t.equal(run.code, 0, run.stderr)
  t.same(jsonLines(run.stdout).map((line) => (line as [string, { id: number }])[1].id), Array.from({ length: 20 }, (_, i) => i + 1))
  t.match(run.stderr, /INFO reading greetings after id 10/, "the source's LOG message, in the second session")
  t.notMatch(run.stderr, /not-a-real-token/)
  t.same(JSON.parse(readFileSync(stateFile, 'utf8')).airbyte.streams.greetings[0].stream.stream_state, { id: 20 })
})
