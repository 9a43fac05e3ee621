// The materialize serve loop, spawned as a process in both codecs: Spec, Validate and Apply,
// transactions in Flow's pipelined order, and a clear error for every request out of order.
import t from 'tap'
import Long from 'long'
import { packTuple } from '../../lib/json/tuple.ts'
import { runtimeCheckpoint, type MaterializeRequest, type MaterializeResponse } from '../../lib/protocol/index.ts'
import { startMaterialization, type Codec, type ConnectorProcess } from '../helpers/connector-process.ts'

const fixture = new URL('../fixtures/materialize/memory.ts', import.meta.url).pathname
const codecs: Codec[] = ['json', 'proto']
type Process = ConnectorProcess<MaterializeRequest, MaterializeResponse>

const start = (codec: Codec): Process => startMaterialization(['--import', 'tsx', fixture], codec)

const collection = {
  name: 'acmeCo/things',
  key: ['/id'],
  projections: [
    { field: 'id', ptr: '/id', isPrimaryKey: true, inference: { types: ['integer'], exists: 1 } },
    { field: 'n', ptr: '/n', inference: { types: ['number', 'null'], exists: 2 } },
    { field: 'tags', ptr: '/tags', inference: { types: ['array'], exists: 2 } },
    { field: 'owner/name', ptr: '/owner/name', inference: { types: ['string'], exists: 2 } },
    { field: 'flow_document', ptr: '', inference: { types: ['object'], exists: 1 } },
  ],
}

function openRequest(config: object, bindings = 1): MaterializeRequest {
  const binding = (i: number) => ({
    resourceConfigJson: JSON.stringify({ table: `things${i}` }),
    resourcePath: [`things${i}`],
    collection,
    fieldSelection: { keys: ['id'], values: ['n'], document: 'flow_document' },
  })
  return {
    open: {
      materialization: { name: 'acmeCo/memory', configJson: JSON.stringify(config), bindings: Array.from({ length: bindings }, (_, i) => binding(i)) },
      version: 'v1',
      range: { keyEnd: 0xffffffff, rClockEnd: 0xffffffff },
      stateJson: '{"before":1}',
    },
  }
}

/** Key components as the runtime sends them in each codec. */
function keyed(codec: Codec, key: unknown[]): { keyJson?: string; keyPacked?: Uint8Array } {
  return codec === 'json' ? { keyJson: JSON.stringify(key) } : { keyPacked: packTuple(key as never) }
}

function store(codec: Codec, id: number, doc: object, extra: object = {}): MaterializeRequest {
  const values = [(doc as { n?: unknown }).n ?? null]
  const packedValues = codec === 'json' ? { valuesJson: JSON.stringify(values) } : { valuesPacked: packTuple(values as never) }
  return { store: { binding: 0, ...keyed(codec, [id]), ...packedValues, docJson: JSON.stringify(doc), ...extra } }
}

const kinds = (responses: readonly MaterializeResponse[]) => responses.map((r) => Object.keys(r).find((k) => (r as Record<string, unknown>)[k] != null))
const callLogs = (logs: readonly { message: string; fields: Record<string, unknown> }[]) => logs.filter((l) => /^(load|store|flush|startCommit|acknowledge|opened)/.test(l.message))

for (const codec of codecs) {
  t.test(`${codec}: Spec, Validate with the standard constraints, Apply`, async (t) => {
    const c = start(codec)
    c.send({ spec: { connectorType: 8, configJson: '{}' } })
    c.send({ validate: { name: 'acmeCo/memory', configJson: '{}', bindings: [{ resourceConfigJson: '{"table":"things","delta":true}', collection }, { resourceConfigJson: '{"table":"others"}', collection }] } })
    c.send({ apply: { materialization: openRequest({}).open!.materialization!, version: 'v1' } })
    c.end()
    const [spec, validated, applied] = await c.rest()
    t.equal(spec?.spec?.protocol, 3032023)
    t.match(JSON.parse(spec?.spec?.resourceConfigSchemaJson ?? '{}'), { properties: { table: { 'x-collection-name': true }, delta: { 'x-delta-updates': true } } })
    const [delta, standard] = validated?.validated?.bindings ?? []
    t.same(delta?.resourcePath, ['things'])
    t.equal(delta?.deltaUpdates, true)
    t.same(standard?.deltaUpdates ?? false, false)
    const types = (b: typeof standard) => Object.fromEntries(Object.entries(b?.constraints ?? {}).map(([field, c]) => [field, c.type]))
    t.same(types(standard), { id: 2, n: 3, tags: 4, 'owner/name': 4, flow_document: 2 }, 'key and document required, top-level scalar recommended, the rest optional')
    t.equal(types(delta).flow_document, 3, 'delta updates: the document is recommended')
    t.same(Object.fromEntries(standard?.projectionConstraints?.map((p) => [p.field, p.constraint?.type]) ?? []), types(standard), 'the projection list carries the same constraints')
    t.same(standard?.projectionConstraints?.map((p) => p.field), collection.projections.map((p) => p.field), 'in the order of the projections')
    t.equal(applied?.applied?.actionDescription, 'table things0: id,n,flow_document')
    t.equal((await c.exited).code, 0)
  })

  t.test(`${codec}: two transactions in Flow's order; keys decoded alike in both codecs`, async (t) => {
    const c = start(codec)
    c.send(openRequest({ seed: { '[0,[1]]': { id: 1, n: 10 } }, state: true }))
    c.send({ acknowledge: {} })
    c.send({ load: { binding: 0, ...keyed(codec, [1]) } })
    c.send({ load: { binding: 0, ...keyed(codec, [2]) } })
    c.send({ flush: {} })
    c.send(store(codec, 1, { id: 1, n: 11 }, { exists: true }))
    c.send(store(codec, 2, { id: 2, n: null }))
    c.send({ startCommit: { runtimeCheckpoint: { sources: { 'a/journal': { readThrough: Long.fromNumber(42) } } } } })
    c.send({ acknowledge: {} })
    c.send({ load: { binding: 0, ...keyed(codec, [2]) } })
    c.send({ flush: {} })
    c.send({ startCommit: { runtimeCheckpoint: {} } })
    c.send({ acknowledge: {} })
    c.end()
    const responses = await c.rest()
    t.same(kinds(responses), ['opened', 'acknowledged', 'loaded', 'flushed', 'startedCommit', 'acknowledged', 'loaded', 'flushed', 'startedCommit', 'acknowledged'])
    t.same(JSON.parse(responses[2]?.loaded?.docJson ?? ''), { id: 1, n: 10 }, 'only the key that exists is Loaded')
    t.same(JSON.parse(responses[6]?.loaded?.docJson ?? ''), { id: 2, n: null }, 'the next transaction finds what the last stored')
    t.same(responses[3]?.flushed?.state, { updatedJson: '{"flush":true}', mergePatch: true })
    t.same(responses[4]?.startedCommit?.state, { updatedJson: '{"stored":true,"startCommit":true}', mergePatch: true }, "store's and startCommit's updates, composed")
    t.same(responses[5]?.acknowledged?.state, { updatedJson: '{"acknowledge":true}', mergePatch: true })
    const exit = await c.exited
    t.equal(exit.code, 0, exit.stderr)
    const calls = callLogs(exit.logs)
    t.same(calls[0]?.fields, { state: { before: 1 } }, 'open gets the state')
    t.same(calls.find((l) => l.message === 'load batch')?.fields, { keys: [{ binding: 0, key: [1] }, { binding: 0, key: [2] }] }, 'keys decoded; Loads that came together in one batch')
    t.same(calls.find((l) => l.message === 'store batch')?.fields, {
      stores: [
        { binding: 0, key: [1], values: [11], doc: '{"id":1,"n":11}', exists: true, delete: false },
        { binding: 0, key: [2], values: [null], doc: '{"id":2,"n":null}', exists: false, delete: false },
      ],
    })
    const checkpoint = calls.find((l) => l.message === 'startCommit')?.fields.checkpoint as string
    t.ok(Buffer.from(checkpoint, 'base64').includes(Buffer.from('a/journal')), 'startCommit gets the runtime checkpoint as protobuf bytes')
  })

  t.test(`${codec}: an authoritative endpoint's checkpoint goes out in Opened`, async (t) => {
    const c = start(codec)
    const checkpoint = Buffer.from(runtimeCheckpoint.toProto({ sources: { 'a/journal': { readThrough: Long.fromNumber(42) } } })).toString('base64')
    c.send(openRequest({ checkpoint }))
    c.end()
    const [opened] = await c.rest()
    t.same(Number(opened?.opened?.runtimeCheckpoint?.sources?.['a/journal']?.readThrough), 42)
    t.equal((await c.exited).code, 0)
  })

  t.test(`${codec}: Acknowledged comes before the next transaction's Loaded, while its loads already run`, async (t) => {
    const c = start(codec)
    c.send(openRequest({ seed: { '[0,[1]]': { id: 1 } }, ackDelayMs: 400 }))
    c.send({ acknowledge: {} })
    c.send({ load: { binding: 0, ...keyed(codec, [1]) } })
    c.send({ flush: {} })
    c.send({ startCommit: { runtimeCheckpoint: {} } })
    c.end()
    t.same(kinds(await c.rest()), ['opened', 'acknowledged', 'loaded', 'flushed', 'startedCommit'])
    const exit = await c.exited
    const order = callLogs(exit.logs).map((l) => l.message)
    t.ok(order.indexOf('load batch') < order.indexOf('acknowledge done'), `the loads ran during the acknowledgement: ${order.join(', ')}`)
  })
}

t.test('every request out of order is a protocol error naming what was expected and what came', async (t) => {
  const cases: [string, MaterializeRequest[], RegExp][] = [
    ['a Load before Open', [{ load: { binding: 0, keyJson: '[1]' } }], /expected Spec, Validate, Apply or Open, got Load/],
    ['a Load right after Opened', [openRequest({}), { load: { binding: 0, keyJson: '[1]' } }], /expected Acknowledge after Opened, got Load/],
    ['a Store before Flush', [openRequest({}), { acknowledge: {} }, { store: { binding: 0, keyJson: '[1]', valuesJson: '[]', docJson: '{}' } }], /expected Load or Flush in transaction 1, got Store/],
    ['a Load after Flush', [openRequest({}), { acknowledge: {} }, { flush: {} }, { load: { binding: 0, keyJson: '[1]' } }], /expected Store or StartCommit after the Flush of transaction 1, got Load/],
    ['a Flush where an Acknowledge belongs', [openRequest({}), { acknowledge: {} }, { flush: {} }, { startCommit: {} }, { flush: {} }], /expected Acknowledge after StartedCommit of transaction 1, got Flush/],
    ['two Acknowledges', [openRequest({}), { acknowledge: {} }, { acknowledge: {} }], /expected Load or Flush in transaction 1, got Acknowledge/],
    ['an Open inside the session', [openRequest({}), { acknowledge: {} }, openRequest({})], /expected Load or Flush in transaction 1, got Open/],
    ['stdin ending among the Loads', [openRequest({}), { acknowledge: {} }, { load: { binding: 0, keyJson: '[1]' } }], /stdin ended during the Loads of transaction 1, before its Flush/],
    ['a Load for a binding out of range', [openRequest({}), { acknowledge: {} }, { load: { binding: 3, keyJson: '[1]' } }], /Load for binding 3, but the materialization has 1 bindings/],
  ]
  for (const [name, requests, message] of cases) {
    const c = start('json')
    for (const request of requests) c.send(request)
    c.end()
    await c.rest()
    const exit = await c.exited
    t.equal(exit.code, 1, name)
    t.match(exit.logs.at(-1)?.message, message, name)
  }
})

t.test('a store that fails ends the session with its error, and no StartedCommit', async (t) => {
  const c = start('proto')
  c.send(openRequest({ failStore: true }))
  c.send({ acknowledge: {} })
  c.send({ flush: {} })
  c.send(store('proto', 1, { id: 1 }))
  c.send({ startCommit: { runtimeCheckpoint: {} } })
  c.end()
  t.same(kinds(await c.rest()), ['opened', 'acknowledged', 'flushed'])
  const exit = await c.exited
  t.equal(exit.code, 1)
  t.match(exit.logs.at(-1)?.message, /the store failed on purpose/)
})

t.test('a secret of the config appears in no log, response or error of a session, failing or not', async (t) => {
  const marker = 'MARKER-m4t3r-1a2b'
  for (const codec of codecs) {
    for (const failStore of [false, true]) {
      const c = startMaterialization(['--import', 'tsx', fixture], codec, { LOG_LEVEL: 'debug' })
      c.send({ validate: { name: 'acmeCo/memory', configJson: JSON.stringify({ password: marker }), bindings: [] } })
      c.send(openRequest({ failStore, password: marker }))
      c.send({ acknowledge: {} })
      c.send({ flush: {} })
      c.send(store(codec, 1, { id: 1 }))
      c.send({ startCommit: { runtimeCheckpoint: {} } })
      c.end()
      const responses = await c.rest().catch((error: unknown) => [String(error)])
      const exit = await c.exited
      const what = `${codec}, ${failStore ? 'a failing store' : 'a session that commits'}`
      t.equal(exit.code, failStore ? 1 : 0, what)
      t.ok(exit.logs.some((l) => l.message === 'opened'), `${what}: the config was logged`)
      t.notOk((JSON.stringify(responses) + exit.stderr).includes(marker), `${what}: the marker appears nowhere`)
    }
  }
})
