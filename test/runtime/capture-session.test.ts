// runCaptureSession and the unary helpers against a scripted connector: what a well-behaved session
// commits and acknowledges, and each broken rule reported with the offending response.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import type { CaptureTask } from '../../lib/runtime/catalog.ts'
import type { ConnectorLog } from '../../lib/io/log-reader.ts'
import { runCaptureSession, type Transaction } from '../../lib/runtime/capture-session.ts'
import { validate } from '../../lib/runtime/capture-rpc.ts'

const fixture = fileURLToPath(new URL('../fixtures/scripted-connector.ts', import.meta.url))
const collection = (name: string) => ({ name, key: ['/id'], writeSchema: { type: 'object' } })

/** A two-binding capture whose connector plays `script` (objects become JSON lines). */
function task(script: (object | string)[], env: Record<string, string> = {}): CaptureTask {
  return {
    name: 'acmeCo/scripted',
    endpoint: {
      type: 'local',
      command: [process.execPath, '--import', 'tsx', fixture],
      config: { token: 'x' },
      env: { SCRIPT: script.map((line) => (typeof line === 'string' ? line : JSON.stringify(line) + '\n')).join(''), ...env },
      protobuf: false,
    },
    bindings: [
      { resource: { name: 'a' }, collection: collection('acmeCo/a'), backfill: 0 },
      { resource: { name: 'b/c' }, collection: collection('acmeCo/b'), backfill: 2 },
    ],
  }
}

t.test('documents commit at checkpoints; states merge or replace; each checkpoint is acknowledged', async (t) => {
  const logs: ConnectorLog[] = []
  const transactions: Transaction[] = []
  const script = [
    { opened: { explicitAcknowledgements: true } },
    { captured: { doc: { id: 1 } } },
    { sourcedSchema: { binding: 1, documentSchema: { type: 'object' } } },
    { captured: { binding: 1, doc: { id: 2, nested: { x: [1, 2] } } } },
    { checkpoint: { state: { updated: { a: { cursor: 1 }, drop: null }, mergePatch: true } } },
    { checkpoint: { state: { updated: { b: 2 } } } },
  ]
  const result = await runCaptureSession({ ...task(script, { SCRIPT_ACKS: '2' }), logLevel: 'debug' }, {
    state: { drop: true, keep: 1 },
    onLog: (log) => logs.push(log),
    onTransaction: (transaction) => void transactions.push(transaction),
  })
  t.same(result, { state: { b: 2 }, transactions: 2, documents: 2, stopped: false })
  t.same(transactions, [
    { documents: [[0, '{"id":1}'], [1, '{"id":2,"nested":{"x":[1,2]}}']], sourcedSchemas: [[1, '{"type":"object"}']], state: { keep: 1, a: { cursor: 1 } } },
    { documents: [], sourcedSchemas: [], state: { b: 2 } },
  ])
  const requests = logs.filter((log) => log.message === 'request').map((log) => log.fields.request as Record<string, any>)
  t.same(requests.map((r) => Object.keys(r)[0]), ['spec', 'open', 'acknowledge', 'acknowledge'])
  t.same(requests[0], { spec: { connectorType: 'LOCAL', config: {} } }, 'the internal Spec comes first, with an empty config')
  t.same([logs[0]?.fields.logLevel, logs[0]?.fields.codec], ['debug', 'json'], "LOG_LEVEL from the capture's shards.logLevel; the JSON codec")
  const open = requests[1]?.open
  t.same(open.range, { keyEnd: 4294967295, rClockEnd: 4294967295 })
  t.same(open.state, { drop: true, keep: 1 })
  t.same(open.capture.config, { token: 'x' })
  t.same(
    open.capture.bindings.map((b: any) => [b.resourcePath, b.stateKey, b.collection.name]),
    [[['a'], 'a.v1', 'acmeCo/a'], [['b/c'], 'b%252Fc.v3', 'acmeCo/b']],
  )
  t.same(requests[2], { acknowledge: { checkpoints: 1 } })
})

// The code says whether a response came where the life cycle does not allow it (PROTOCOL_ORDER) or broke a rule (PROTOCOL_VIOLATION).
const violations: [string, (object | string)[], RegExp, Record<string, string>?][] = [
  ['a response before Opened', [{ captured: { doc: {} } }], /^connector protocol error: the first response to Open must be Opened, not captured \(response 2: \{"captured":\{"doc":\{\}\}\}\)$/],
  ['a response before the Spec response', [{ opened: {} }], /^connector protocol error: the first response must be a Spec .*, not opened \(response 1: \{"opened":\{\}\}\)$/, { SCRIPT_BEFORE_SPEC: '1' }],
  ['a document for an unknown binding', [{ opened: {} }, { captured: { binding: 7, doc: {} } }], /^connector protocol error: a document for binding 7, but the capture has 2 bindings \(response 3: /],
  ['Opened twice', [{ opened: {} }, { opened: {} }], /^connector protocol error: Opened may come only once, first \(response 3: /],
  ['a unary response in a session', [{ opened: {} }, { applied: {} }], /^connector protocol error: a session carries Captured, SourcedSchema and Checkpoint responses, not applied \(response 3: /],
  ['a checkpoint without state', [{ opened: {} }, { checkpoint: {} }], /^connector protocol error: a checkpoint must carry a state/],
  ['a malformed frame', [{ opened: {} }, '{"captured":{"doc":\n'], /^connector protocol error: ndjson line 3 does not parse: /],
  ['EOF before Opened', [], /^connector protocol error: the connector closed its output, but Opened was due in answer to Open \(after response 1: \{"spec":/],
  ['EOF within a checkpoint', [{ opened: {} }, { captured: { doc: { id: 1 } } }, { sourcedSchema: { documentSchema: {} } }], /^connector protocol error: the connector closed its output, but it was within a checkpoint: 1 document and 1 sourced schema after the last checkpoint were never committed \(after response 4: /],
]

const broken = new Set(['a document for an unknown binding', 'a checkpoint without state', 'a malformed frame'])

for (const [rule, script, message, env] of violations) {
  t.test(`reports ${rule}`, async (t) => {
    const transactions: Transaction[] = []
    const code = broken.has(rule) ? 'PROTOCOL_VIOLATION' : 'PROTOCOL_ORDER'
    await t.rejects(runCaptureSession(task(script, env), { onTransaction: (tx) => void transactions.push(tx) }), { code, message })
    t.same(transactions, [])
  })
}

t.test('a connector that exits non-zero mid-checkpoint fails with its last log line, not the EOF', async (t) => {
  await t.rejects(runCaptureSession(task([{ opened: {} }, { captured: { doc: { id: 1 } } }], { SCRIPT_EXIT: '3' })), {
    code: 'CONNECTOR_FAILED',
    message: 'request (connector failed: exit code 3)',
  })
})

t.test('a unary request that gets no response', async (t) => {
  await t.rejects(validate(task([])), {
    code: 'PROTOCOL_ORDER',
    message: /^connector protocol error: the connector closed its output, but one Validated response was due \(after response 1: /,
  })
})

t.test('a connector that asks for acknowledgements but does not read them fails the session, as Flow fails it', async (t) => {
  const transactions: Transaction[] = []
  const started = Date.now()
  // Enough acknowledgements to fill the connector's stdin, which it never reads again.
  const session = runCaptureSession(task([{ opened: { explicitAcknowledgements: true } }], { SCRIPT_DEAF: '40000' }), {
    ackTimeoutMs: 500,
    onTransaction: (transaction) => void transactions.push(transaction),
  })
  await t.rejects(session, {
    name: 'ProtocolError',
    message: /^connector protocol error: the connector requested acknowledgements but is not processing its input: an Acknowledge was not taken within 0\.5 s \(response \d+: \{"checkpoint"/,
  })
  t.ok(Date.now() - started < 30_000, 'the connector was stopped, not waited for')
  t.ok(transactions.length > 1000 && transactions.length <= 40000, `transactions before the failure were committed (${transactions.length})`)
})

t.test('acknowledgements that are read in time do not fail a session, however many', async (t) => {
  const checkpoints = Array.from({ length: 2000 }, (_, i) => ({ checkpoint: { state: { updated: { n: i } } } }))
  const result = await runCaptureSession(task([{ opened: { explicitAcknowledgements: true } }, ...checkpoints], { SCRIPT_ACKS: '2000' }), { ackTimeoutMs: 2000 })
  t.same(result, { state: { n: 1999 }, transactions: 2000, documents: 0, stopped: false })
})
