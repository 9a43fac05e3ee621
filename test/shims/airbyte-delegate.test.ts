// flowkit/airbyte's in-process form, `airbyteCapture({ delegate })`: a source written on the real
// faros-airbyte-cdk (test/fixtures/airbyte/faros-source.ts) run inside the connector process,
// spawned and driven as Flow's runtime drives it, in both codecs. The same source read directly
// (its own `read`, nothing of flowkit in between) says which checkpoints a session must give.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { gunzipSync, gzipSync } from 'node:zlib'
import { AirbyteLogger } from 'faros-airbyte-cdk'
import type { ConnectorLog } from '../../lib/io/log-reader.ts'
import { createLogger } from '../../lib/io/log.ts'
import { applyMergePatch } from '../../lib/json/merge-patch.ts'
import type { CaptureEvent } from '../../lib/ops/events.ts'
import type { CaptureRequest, CaptureResponse } from '../../lib/protocol/index.ts'
import { farosState } from '../../lib/shims/airbyte/delegate.ts'
import { airbyteCapture, delegateSource, type AirbyteDelegate } from '../../lib/shims/airbyte/index.ts'
import { FixtureSource, type FixtureConfig } from '../fixtures/airbyte/faros-source.ts'
import { startConnector, type Codec } from '../helpers/connector-process.ts'

const fixture = fileURLToPath(new URL('../fixtures/airbyte/faros-source.ts', import.meta.url))
const argv = ['--import', 'tsx', fixture]
const internalSpec: CaptureRequest = { spec: { connectorType: 8, configJson: '{}' } }
const TOKEN = 'sekrit-token-42'
const streams = ['commits', 'authors']
const bindings = [
  { resourceConfigJson: '{"stream":"commits","syncMode":"incremental","cursorField":["updated"]}', resourcePath: ['commits'], stateKey: 'commits', collection: { name: 'acmeCo/commits', key: ['/id'] } },
  { resourceConfigJson: '{"stream":"authors","syncMode":"full_refresh"}', resourcePath: ['authors'], stateKey: 'authors', collection: { name: 'acmeCo/authors', key: ['/login'] } },
]
const captureSpec = (config: object) => ({ name: 'acmeCo/faros', connectorType: 8, configJson: JSON.stringify({ api_token: TOKEN, ...config }), bindings })

/** A document as [stream, data]. */
type Doc = [string, Record<string, unknown>]

interface Session {
  /** The documents of each checkpoint, in order. */
  transactions: Doc[][]
  /** Documents after the last checkpoint (never committed). */
  uncommitted: Doc[]
  kinds: string[]
  state: unknown
  code: number | null
  logs: ConnectorLog[]
  stderr: string
  /** The first frame of stdout that could not be read, or that carries no response of one kind (a stray line), if any. */
  badFrame?: string
}

/** One session as the runtime runs it: internal Spec, Open, an Acknowledge per checkpoint when asked, EOF. */
async function session(codec: Codec, config: object, state: unknown = {}): Promise<Session> {
  const connector = startConnector(argv, codec)
  connector.send(internalSpec)
  connector.send({ open: { capture: captureSpec(config), version: 'v1', range: { keyEnd: 0xffffffff, rClockEnd: 0xffffffff }, stateJson: JSON.stringify(state) } })
  const out: Session = { transactions: [], uncommitted: [], kinds: [], state, code: null, logs: [], stderr: '' }
  let explicit = false
  try {
    for (let r = await connector.next(); r !== undefined; r = await connector.next()) {
      const keys = Object.keys(r)
      if (keys.length !== 1) out.badFrame ??= `a frame that is no response: ${JSON.stringify(r)}`
      out.kinds.push(keys.join())
      explicit ||= r.opened?.explicitAcknowledgements === true
      if (r.captured) out.uncommitted.push([streams[r.captured.binding ?? 0] as string, JSON.parse(r.captured.docJson ?? '')])
      if (r.checkpoint) out.state = commit(out, r, explicit ? () => connector.send({ acknowledge: { checkpoints: 1 } }) : undefined)
    }
  } catch (error) {
    out.badFrame = (error as Error).message
    connector.kill()
  }
  connector.end()
  Object.assign(out, await connector.exited)
  return out
}

function commit(out: Session, r: CaptureResponse, acknowledge: (() => void) | undefined): unknown {
  out.transactions.push(out.uncommitted)
  out.uncommitted = []
  acknowledge?.()
  const updated = JSON.parse(r.checkpoint?.state?.updatedJson ?? 'null')
  return r.checkpoint?.state?.mergePatch ? applyMergePatch(out.state, updated) : updated
}

/** The source's own state inside the capture's: faros emits it whole, gzip-packed, as LEGACY `data`. */
function sourceState(captureState: unknown): Record<string, { cursor?: number }> {
  const packed = (captureState as { airbyte: { legacy: [{ data: string }] } }).airbyte.legacy[0]
  return JSON.parse(gunzipSync(Buffer.from(packed.data, 'base64')).toString('utf8'))
}

/** A logger of the CDK that writes nowhere (the test's own stdout is TAP). */
class QuietLogger extends AirbyteLogger {
  override async write(): Promise<void> {}
}

const catalog = {
  streams: [
    { stream: { name: 'commits', json_schema: {} }, sync_mode: 'incremental', destination_sync_mode: 'append', cursor_field: ['updated'] },
    { stream: { name: 'authors', json_schema: {} }, sync_mode: 'full_refresh', destination_sync_mode: 'append' },
  ],
}

/**
 * The source read directly: the documents before each STATE, up to the STATE that reports a
 * failed stream (faros's `sourceStatus.status: ERRORED`), and whether there was one.
 */
async function expected(config: object, state: object = {}): Promise<{ transactions: Doc[][]; failed: boolean }> {
  const source = new FixtureSource(new QuietLogger())
  const transactions: Doc[][] = []
  let docs: Doc[] = []
  for await (const message of source.read({ api_token: TOKEN, ...config } as FixtureConfig, {}, catalog as never, structuredClone(state))) {
    const m = message as { type: string; record?: { stream: string; data: Record<string, unknown> }; sourceStatus?: { status: string } }
    if (m.type === 'RECORD' && m.record) docs.push([m.record.stream, m.record.data])
    if (m.type !== 'STATE') continue
    if (m.sourceStatus?.status === 'ERRORED') return { transactions, failed: true }
    transactions.push(docs)
    docs = []
  }
  return { transactions, failed: false }
}

const exitNote = (s: Session) => (s.code === 0 ? 'exit 0' : s.stderr)
const ids = (transactions: Doc[][], stream: string) => transactions.flat().filter(([s]) => s === stream).map(([, doc]) => doc.id ?? doc.login)

for (const codec of ['json', 'proto'] as const) {
  t.test(`${codec}: spec, discover, validate and apply come from the source object's spec, discover and check`, async (t) => {
    const connector = startConnector(argv, codec)
    const config = JSON.stringify({ api_token: TOKEN })
    connector.send(internalSpec)
    connector.send({ spec: { connectorType: 8, configJson: config } })
    connector.send({ discover: { name: 'acmeCo/faros', connectorType: 8, configJson: config } })
    connector.send({ validate: { name: 'acmeCo/faros', connectorType: 8, configJson: config, bindings: bindings.map((b) => ({ resourceConfigJson: b.resourceConfigJson, collection: b.collection })) } })
    connector.send({ apply: { capture: captureSpec({}), version: 'v1' } })
    connector.end()
    const responses = await connector.rest()
    const { code, stderr } = await connector.exited
    t.equal(code, 0, code === 0 ? 'exit 0' : stderr)
    t.same(responses.map((r) => Object.keys(r)), [['spec'], ['spec'], ['discovered'], ['validated'], ['applied']], 'one response of its kind per request, nothing else on stdout')

    const spec = responses[1]?.spec
    const connectionSpecification = (await new FixtureSource(new QuietLogger()).spec()).spec.connectionSpecification
    t.same(JSON.parse(spec?.configSchemaJson ?? ''), connectionSpecification, "the config schema is the source's connectionSpecification")
    t.equal(spec?.documentationUrl, 'https://example.com/faros-fixture')
    t.same(spec?.resourcePathPointers, ['/namespace', '/stream'])

    const discovered = responses[2]?.discovered?.bindings ?? []
    t.same(discovered.map((b) => [b.recommendedName, b.key, b.resourcePath, b.isFallbackKey ?? false]), [
      ['commits', ['/id'], ['commits'], false],
      ['authors', ['/login'], ['authors'], false],
    ], 'a binding per stream, keyed by its primary key')
    t.same(JSON.parse(discovered[0]?.resourceConfigJson ?? ''), { stream: 'commits', syncMode: 'incremental', cursorField: ['updated'] })
    t.same(JSON.parse(discovered[1]?.resourceConfigJson ?? ''), { stream: 'authors', syncMode: 'full_refresh' })
    t.same(responses[3]?.validated?.bindings?.map((b) => b.resourcePath), [['commits'], ['authors']])

    t.match(stderr, /checking the api token \[redacted\]/, "the check's log line, through the shim's logger")
    t.notMatch(stderr, new RegExp(TOKEN), 'the token is in no log line')
  })

  t.test(`${codec}: a failed connection check fails Validate with the source's message`, async (t) => {
    const connector = startConnector(argv, codec)
    connector.send(internalSpec)
    connector.send({ validate: { name: 'acmeCo/faros', connectorType: 8, configJson: '{"api_token":"bad"}', bindings: [] } })
    connector.end()
    const responses = await connector.rest()
    const { code, logs } = await connector.exited
    t.equal(code, 1)
    t.same(responses.map((r) => Object.keys(r)), [['spec']])
    t.match(logs.at(-1), { level: 'error', message: /connection check failed: the api token is not valid/ })
  })

  t.test(`${codec}: a session checkpoints at each STATE, and the next one resumes from the state handed back`, async (t) => {
    const config = { count: 5, every: 2 }
    const first = await session(codec, config)
    t.equal(first.code, 0, exitNote(first))
    t.equal(first.badFrame, undefined, 'every frame on stdout is a Flow response')
    t.same([...new Set(first.kinds)].sort(), ['captured', 'checkpoint', 'opened', 'spec'])
    const want = await expected(config)
    t.same(first.transactions, want.transactions, 'a checkpoint per STATE, each with the records before it')
    t.same(first.uncommitted, [])
    t.same(ids(first.transactions, 'commits'), [1, 2, 3, 4, 5])
    t.same(ids(first.transactions, 'authors'), ['ada', 'grace'])
    t.equal(sourceState(first.state).commits?.cursor, 5)
    t.match(first.stderr, /Syncing FixtureSource/, "the CDK's own log lines go to stderr")
    t.match(first.stderr, /reading commits after 0/)

    const second = await session(codec, config, first.state)
    t.equal(second.code, 0, exitNote(second))
    t.equal(second.badFrame, undefined)
    t.same(second.transactions, (await expected(config, sourceState(first.state))).transactions)
    t.same(ids(second.transactions, 'commits'), [6, 7, 8, 9, 10], 'only the commits after the cursor')
    t.match(second.stderr, /reading commits after 5/, 'the source was given its state back')
    t.equal(sourceState(second.state).commits?.cursor, 10)
    t.notMatch(first.stderr + second.stderr, new RegExp(TOKEN))
  })

  t.test(`${codec}: a stream that throws fails the session with its message; nothing after its last STATE is committed`, async (t) => {
    const config = { count: 5, every: 2, fail_after: 3 }
    const failed = await session(codec, config)
    const want = await expected(config)
    t.ok(want.failed, 'read directly, the source reports the stream as failed')
    t.equal(failed.code, 1)
    t.equal(failed.badFrame, undefined)
    t.same(failed.transactions, want.transactions, 'the checkpoints of the STATEs before the failure, and no other')
    t.same(ids(failed.transactions, 'commits'), [1, 2, 3])
    t.same(ids(failed.transactions, 'authors'), [], 'the next stream never ran')
    t.same(failed.uncommitted, [])
    t.equal(sourceState(failed.state).commits?.cursor, 3)
    t.match(failed.logs.at(-1), { level: 'error', message: /the commits API answered 502 Bad Gateway.*reading stream commits/ }, "the stream's error is the last log line")
  })
}

t.test("the CDK's idle heartbeats, which it writes straight to stdout, are turned off", async (t) => {
  const config = { count: 2, every: 2, delay_ms: 200, source_heartbeat_interval_ms: 20 }
  const s = await session('json', config)
  t.equal(s.code, 0, exitNote(s))
  t.equal(s.badFrame, undefined, 'no heartbeat record on stdout')
  t.same(ids(s.transactions, 'commits'), [1, 2])
})

// In this process: the delegate's edges, with plain objects in place of the CDK's.

const lines: string[] = []
const logger = createLogger({ level: 'debug', write: (line) => void lines.push(line) })
const openRequest = {
  capture: { name: 'acmeCo/plain', configJson: '{"token":"abc-123"}', bindings: [{ resourceConfigJson: '{"stream":"s","syncMode":"full_refresh"}', collection: { name: 'a', key: ['/n'] }, stateKey: 's' }] },
  stateJson: '{}',
}

/** A delegate whose read yields `messages`, then throws `error` if given; its replies are bare payloads. */
function plainDelegate(messages: readonly object[], error?: Error): AirbyteDelegate & { logger: { write(message: unknown): unknown } } {
  const delegate = {
    logger: { write: (_message: unknown): unknown => undefined },
    spec: async () => ({ connectionSpecification: { type: 'object', properties: { token: { type: 'string', airbyte_secret: true } } } }),
    check: async () => {
      await delegate.logger.write({ type: 'LOG', log: { level: 'WARN', message: 'checking with abc-123' } })
      return { status: 'SUCCEEDED' }
    },
    discover: async () => ({ streams: [] }),
    async *read() {
      yield* messages
      if (error) throw error
    },
  }
  return delegate
}

async function collect(events: AsyncIterable<CaptureEvent | readonly CaptureEvent[]>, into: CaptureEvent[]): Promise<void> {
  for await (const item of events) into.push(...(Array.isArray(item) ? item : [item]))
}

t.test('a thrown error becomes a ConnectorError with its message, after the events before it; the logger goes to the shim', async (t) => {
  const record = (n: number) => ({ type: 'RECORD', record: { stream: 's', data: { n }, emitted_at: 0 } })
  const delegate = plainDelegate([record(1), { type: 'STATE', state: { data: { n: 1 } } }, record(2)], new TypeError('upstream exploded'))
  const session = await airbyteCapture({ delegate }).open(openRequest, new AbortController().signal, logger)
  const events: CaptureEvent[] = []
  await t.rejects(collect(session.events, events), { code: 'CONNECTOR_FAILED', message: /^upstream exploded \(the source's read failed\)$/ })
  t.same(events.map((e) => e.type), ['document', 'checkpoint'], 'the record after the STATE is never committed; it need not even be emitted')
  t.match(lines.join(''), /"level":"warn","message":"checking with \[redacted\]"/, "the delegate's logger writes through the session's logger, redacted")
})

t.test('an abort stops a read waiting on the delegate, and returns its iterator', async (t) => {
  let returned = false
  const delegate: AirbyteDelegate = {
    ...plainDelegate([]),
    read: () => ({
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<unknown>>(() => undefined),
        return: async () => {
          returned = true
          return { done: true, value: undefined }
        },
      }),
    }),
  }
  const controller = new AbortController()
  const batches: unknown[] = []
  const reading = (async () => {
    for await (const batch of delegateSource(delegate).read({}, catalog, undefined, logger, controller.signal)) batches.push(batch)
  })()
  setTimeout(() => controller.abort(), 50)
  await reading
  t.ok(returned, 'return() was called')
  t.same(batches, [])
})

t.test('state files are read as faros reads them', async (t) => {
  const packed = (value: unknown) => ({ format: 'base64/gzip', data: gzipSync(JSON.stringify(value)).toString('base64') })
  t.equal(farosState(undefined), undefined)
  t.same(farosState({ commits: { cursor: 1 } }), { commits: { cursor: 1 } }, 'a plain object')
  t.same(farosState(packed({ commits: { cursor: 2 } })), { commits: { cursor: 2 } }, 'a packed blob (the LEGACY data faros emits)')
  t.same(farosState({ data: packed({ commits: { cursor: 3 } }) }), { commits: { cursor: 3 } }, 'a {data: packed} object')
  const stream = (name: string, state: unknown) => ({ type: 'STREAM', stream: { stream_descriptor: { name }, stream_state: state } })
  t.same(farosState([stream('commits', packed({ cursor: 4 })), stream('authors', {})]), { commits: { cursor: 4 }, authors: {} }, 'a STREAM list')
  t.throws(() => farosState({ format: 'zstd', data: 'xx' }), { code: 'CONNECTOR_FAILED' })
})

t.test('airbyteCapture takes exactly one of a command, a source object or a delegate', async (t) => {
  t.throws(() => airbyteCapture({}), { code: 'CONFIG_INVALID', message: /a command, a source object or a delegate/ })
  t.throws(() => airbyteCapture({ command: ['x'], delegate: plainDelegate([]) }), { code: 'CONFIG_INVALID' })
})
