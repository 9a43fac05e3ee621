// The derive serve loop, spawned as a process in both codecs: Spec and Validate (with typed
// stubs of each transform's source), transactions in Flow's order (several Flush rounds,
// StartCommit or not, Reset), shuffle keys decoded alike from JSON and packed tuples, handler
// errors that name the transform and the document's UUID, and a clear error for every
// request out of order.
import t from 'tap'
import Long from 'long'
import { PassThrough, Writable } from 'node:stream'
import { encodeFrame, readFrames, type Codec } from '../../lib/codec/frames.ts'
import { derive, serveDerive } from '../../lib/derive/index.ts'
import { createLogger } from '../../lib/io/log.ts'
import { packTuple, type TupleValue } from '../../lib/json/tuple.ts'
import { deriveRequest, deriveResponse, type DeriveRequest, type DeriveResponse } from '../../lib/protocol/index.ts'
import { startDerivation, type ConnectorProcess } from '../helpers/connector-process.ts'
import Type from 'typebox'

const fixture = new URL('../fixtures/derive/scripted.ts', import.meta.url).pathname
const codecs: Codec[] = ['json', 'proto']
type Process = ConnectorProcess<DeriveRequest, DeriveResponse>

const start = (codec: Codec): Process => startDerivation(['--import', 'tsx', fixture], codec)

const sourceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'The id.' },
    n: { type: ['integer', 'null'] },
    kind: { enum: ['x', 'y'] },
    tags: { type: 'array', items: { type: 'string' } },
    'odd-name': { anyOf: [{ type: 'string' }, { type: 'object', properties: { a: { const: 1 } }, additionalProperties: false }] },
    ref: { $ref: '#/$defs/thing' },
  },
  required: ['id'],
}
const sourceA = { name: 'acmeCo/a', key: ['/id'], uuidPtr: '/_meta/uuid', writeSchemaJson: JSON.stringify(sourceSchema) }
const sourceB = { name: 'acmeCo/b', key: ['/id'], writeSchemaJson: '{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false}' }
const derived = { name: 'acmeCo/derived', key: ['/id'], writeSchemaJson: '{"type":"object"}' }

function openRequest(config: object, state: object = {}): DeriveRequest {
  return {
    open: {
      collection: {
        ...derived,
        derivation: {
          configJson: JSON.stringify(config),
          transforms: [
            { name: 'fromA', collection: sourceA, shuffleKey: ['/id', '/n'], lambdaConfigJson: '{"tag":"a"}' },
            { name: 'fromB', collection: sourceB, shuffleKey: ['/id'] },
          ],
        },
      },
      version: 'v1',
      range: { keyEnd: 0xffffffff, rClockEnd: 0xffffffff },
      stateJson: JSON.stringify(state),
    },
  }
}

/** A UUID whose text is known: timestamp 0x1ed0c5a3b4c5d6e, sequence 3, producer aabbccddeeff, flags 5. */
const UUID = { node: Long.fromString('12302652060662169605', true), clock: Long.fromString('2220491923196860131', true) }
const UUID_TEXT = '3b4c5d6e-0c5a-11ed-8c05-aabbccddeeff'

/** A Read as the runtime sends it in each codec: the shuffle key as JSON, or packed. */
function read(codec: Codec, transform: number, doc: { id: string } & Record<string, unknown>, key: TupleValue[] = [doc.id]): DeriveRequest {
  const shuffle = codec === 'json' ? { keyJson: JSON.stringify(key), hash: 7 } : { packed: packTuple(key), hash: 7 }
  return { read: { transform, uuid: UUID, shuffle, docJson: JSON.stringify(doc) } }
}

const kinds = (responses: readonly DeriveResponse[]) => responses.map((r) => Object.keys(r).find((k) => (r as Record<string, unknown>)[k] != null))
const published = (responses: readonly DeriveResponse[]) => responses.filter((r) => r.published).map((r) => JSON.parse(r.published?.docJson ?? '') as { id: string; [k: string]: unknown })
const logged = (logs: readonly { message: string; fields: Record<string, unknown> }[], message: string) => logs.filter((l) => l.message === message).map((l) => l.fields)

for (const codec of codecs) {
  t.test(`${codec}: Spec, and Validate with a typed stub of each transform's source`, async (t) => {
    const c = start(codec)
    c.send({ spec: { connectorType: 4, configJson: '{}' } })
    c.send({
      validate: {
        connectorType: 4,
        configJson: '{"rounds":2}',
        collection: derived,
        transforms: [
          { name: 'fromA', collection: sourceA, lambdaConfigJson: '{"tag":"a"}' },
          { name: 'from-b', collection: sourceB },
        ],
        projectRoot: 'file:///project/',
      },
    })
    // The same, with the collections linked by index.
    c.send({ validate: { configJson: '{}', collection: derived, linkedCollections: [sourceB, sourceA], transforms: [{ name: 'fromA', collectionIndex: 1 }, { name: 'from-b', collectionIndex: 0 }], projectRoot: 'file:///project' } })
    c.end()
    const [spec, validated, linked] = await c.rest()
    t.equal(spec?.spec?.protocol, 3032023)
    t.match(JSON.parse(spec?.spec?.configSchemaJson ?? '{}'), { properties: { rounds: { type: 'integer' } } })
    t.match(JSON.parse(spec?.spec?.resourceConfigSchemaJson ?? '{}'), { properties: { tag: { type: 'string' } } }, 'the lambda config schema')
    t.same(validated?.validated?.transforms?.map((x) => x.readOnly ?? false), [false, false])
    const files = validated?.validated?.generatedFiles ?? {}
    t.same(Object.keys(files).sort(), ['file:///project/flow_generated/flowkit/acmeCo/derived/from-b.ts', 'file:///project/flow_generated/flowkit/acmeCo/derived/fromA.ts'])
    const a = files['file:///project/flow_generated/flowkit/acmeCo/derived/fromA.ts'] ?? ''
    t.match(a, "import type { DocumentHandler, TransformPipeline } from 'flowkit/derive'")
    t.match(a, 'export type FromASource = {\n  /** The id. */\n  id: string\n  n?: number | null\n  kind?: "x" | "y"\n  tags?: string[]\n  "odd-name"?: string | {\n    a?: 1\n  }\n  ref?: unknown\n  [property: string]: unknown\n}')
    t.match(a, 'export type FromAHandler = DocumentHandler<FromASource>')
    t.match(files['file:///project/flow_generated/flowkit/acmeCo/derived/from-b.ts'], 'export type FromBSource = {\n  id: string\n}')
    t.same(linked?.validated?.generatedFiles, files, 'collections by index give the same files')
    t.equal((await c.exited).code, 0)
  })

  t.test(`${codec}: reads across two transforms, flush rounds, StartCommit state; keys decoded alike in both codecs`, async (t) => {
    const c = start(codec)
    c.send(openRequest({ rounds: 2 }, { count: 5 }))
    c.send(read(codec, 0, { id: 'a1' }, ['a1', 7, true, null, 1.5]))
    c.send(read(codec, 0, { id: 'a2', twice: true }))
    c.send(read(codec, 1, { id: 'b1' }))
    c.send(read(codec, 1, { id: 'b2' }))
    c.send(read(codec, 0, { id: 'a3', gen: true }))
    c.send(read(codec, 0, { id: 'a4', skip: true }))
    c.send(read(codec, 0, { id: 'a5', slow: true }))
    c.send({ flush: {} })
    c.send({ flush: { statePatchesJson: '[{"x":1}]' } })
    c.send({ startCommit: { runtimeCheckpoint: { sources: { 'acmeCo/a/pivot=00': { readThrough: Long.fromNumber(42) } } } } })
    c.send(read(codec, 0, { id: 'a6' }))
    c.send({ flush: {} })
    c.send({ flush: {} })
    c.send({ startCommit: {} })
    c.end()
    const responses = await c.rest()
    const sequence = kinds(responses)
    const firstFlushed = sequence.indexOf('flushed')
    t.same(sequence.slice(0, 1), ['opened'])
    t.same(sequence.slice(firstFlushed), ['flushed', 'published', 'flushed', 'startedCommit', 'published', 'published', 'flushed', 'published', 'flushed', 'startedCommit'])
    t.same(published(responses.slice(0, firstFlushed)).map((d) => d.id).sort(), ['a1', 'a2', 'a2-again', 'a3', 'a3-gen', 'a5', 'b1', 'b2', 'flush-1-1'], 'every document of the transaction before its first Flushed')
    t.same(published(responses.slice(0, firstFlushed)).find((d) => d.id === 'flush-1-1'), { id: 'flush-1-1', count: 12 })
    t.same(responses[firstFlushed]?.flushed, { more: true }, 'the first round asks for another')
    t.same(responses[firstFlushed + 2]?.flushed?.more ?? false, false)
    t.same(responses[firstFlushed + 3]?.startedCommit?.state, { updatedJson: '{"count":12,"committed":1}', mergePatch: true })
    t.same(responses.at(-1)?.startedCommit?.state, { updatedJson: '{"count":13,"committed":2}', mergePatch: true })
    t.same(published(responses).find((d) => d.id === 'a1'), { id: 'a1', via: 'fromA', key: ['a1', 7, true, null, 1.5] })
    const exit = await c.exited
    t.equal(exit.code, 0, exit.stderr)
    t.same(logged(exit.logs, 'opened')[0], { config: { rounds: 2 }, state: { count: 5 }, transforms: [{ name: 'fromA', lambda: { tag: 'a' }, shuffleKey: ['/id', '/n'] }, { name: 'fromB', lambda: {}, shuffleKey: ['/id'] }] })
    const reads = logged(exit.logs, 'read')
    t.same(reads.filter((r) => (r.transform as { name: string }).name === 'fromA').map((r) => r.id), ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'], 'handlers are called in the order of the reads')
    t.same(reads.find((r) => r.id === 'a1'), { id: 'a1', transform: { index: 0, name: 'fromA' }, key: ['a1', 7, true, null, 1.5], uuid: UUID_TEXT, node: '12302652060662169605', clock: '2220491923196860131' })
    t.same(reads.find((r) => r.id === 'b2')?.key, ['b2'])
    t.same(logged(exit.logs, 'flush').map((f) => [f.transaction, f.round, f.statePatches]), [[1, 1, []], [1, 2, [{ x: 1 }]], [2, 1, []], [2, 2, []]])
    const checkpoint = logged(exit.logs, 'startCommit')[0]?.checkpoint as string
    t.ok(Buffer.from(checkpoint, 'base64').includes(Buffer.from('acmeCo/a/pivot=00')), 'startCommit gets the runtime checkpoint as protobuf bytes')
    t.equal(logged(exit.logs, 'closed').length, 1, 'the session is closed at the end')
  })

  t.test(`${codec}: transactions without StartCommit (newer runtimes), another round after more: false, and Reset`, async (t) => {
    for (const resetHook of [false, true]) {
      const c = start(codec)
      c.send(openRequest({ resetHook }, { count: 1 }))
      c.send(read(codec, 0, { id: 'a1' }))
      c.send({ flush: {} })
      c.send({ flush: {} }) // another shard asked for a round
      c.send(read(codec, 1, { id: 'b1' })) // the next transaction: no StartCommit came
      c.send({ flush: {} })
      c.send({ reset: {} })
      c.send(read(codec, 0, { id: 'a2' }))
      c.send({ flush: {} })
      c.send({ startCommit: {} })
      c.end()
      const responses = await c.rest()
      t.same(kinds(responses), ['opened', 'published', 'published', 'flushed', 'published', 'flushed', 'published', 'published', 'flushed', 'published', 'published', 'flushed', 'startedCommit'])
      t.same(published(responses).filter((d) => d.id.startsWith('flush')).map((d) => [d.id, d.count]), [['flush-1-1', 2], ['flush-1-2', 2], ['flush-2-1', 3], ['flush-3-1', 1]], 'the count starts again after Reset')
      t.same(responses.at(-1)?.startedCommit?.state, { updatedJson: '{"count":1,"committed":3}', mergePatch: true })
      const exit = await c.exited
      t.equal(exit.code, 0, exit.stderr)
      if (resetHook) {
        t.equal(logged(exit.logs, 'reset').length, 1, 'reset() is called')
        t.equal(logged(exit.logs, 'opened').length, 1)
      } else {
        t.same(logged(exit.logs, 'opened').map((o) => o.state), [{ count: 1 }, { count: 0 }], 'without reset(), the session is opened anew with the empty state (and its defaults)')
        t.equal(logged(exit.logs, 'closed').length, 2)
      }
    }
  })

  t.test(`${codec}: an error in a handler or a pipeline names the transform and the document's UUID`, async (t) => {
    for (const [transform, message] of [
      [0, /^transform "fromA" \(0\) failed on the document with UUID 3b4c5d6e-0c5a-11ed-8c05-aabbccddeeff: this document fails on purpose$/],
      [1, /^transform "fromB" \(1\) failed on the document with UUID 3b4c5d6e-0c5a-11ed-8c05-aabbccddeeff: the pipeline fails on purpose$/],
    ] as const) {
      const c = start(codec)
      c.send(openRequest({}))
      c.send(read(codec, transform, { id: 'x', fail: true }))
      c.send({ flush: {} })
      c.send({ startCommit: {} })
      c.end()
      t.notOk(kinds(await c.rest()).includes('flushed'), 'no Flushed after a failure')
      const exit = await c.exited
      t.equal(exit.code, 1)
      t.match(exit.logs.at(-1)?.message, message)
      t.equal(exit.logs.at(-1)?.fields.code, 'CONNECTOR_FAILED')
    }
  })
}

t.test('a secret of the config appears in no log, response or error of a session, failing or not', async (t) => {
  const marker = 'MARKER-d3r1v-9z8y'
  for (const codec of codecs) {
    for (const leak of [false, true]) {
      const c = start(codec)
      c.send({ validate: { connectorType: 4, configJson: JSON.stringify({ password: marker }), collection: derived, transforms: [] } })
      const open = openRequest({ password: marker })
      c.send(open)
      c.send(read(codec, 0, { id: 'x', leak }))
      c.send({ flush: {} })
      c.send({ startCommit: {} })
      c.end()
      const responses = await c.rest().catch((error: unknown) => [String(error)])
      const exit = await c.exited
      const what = `${codec}, ${leak ? 'an error quoting the secret' : 'a session that commits'}`
      t.equal(exit.code, leak ? 1 : 0, what)
      t.ok(logged(exit.logs, 'opened').some((fields) => JSON.stringify(fields.config).includes('password')), `${what}: the config was logged`)
      if (leak) t.match(exit.logs.at(-1)?.message, /cannot log in with/, `${what}: the error is the last line`)
      t.notOk((JSON.stringify(responses) + exit.stderr).includes(marker), `${what}: the marker appears nowhere`)
    }
  }
})

t.test('every request out of order is a protocol error naming what was expected and what came', async (t) => {
  const open = openRequest({})
  const twoRounds = openRequest({ rounds: 2 })
  const r = read('json', 0, { id: 'a' })
  const cases: [string, DeriveRequest[], RegExp][] = [
    ['a Read before Open', [r], /^expected Spec, Validate or Open, got Read$/],
    ['a Flush before Open', [{ flush: {} }], /^expected Spec, Validate or Open, got Flush$/],
    ['a StartCommit right after Opened', [open, { startCommit: {} }], /^expected Read, Flush or Reset after Opened, got StartCommit$/],
    ['a StartCommit among the Reads', [open, r, { startCommit: {} }], /^expected Read or Flush in transaction 1, got StartCommit$/],
    ['a Reset among the Reads', [open, r, { reset: {} }], /^expected Read or Flush in transaction 1, got Reset$/],
    ['a Validate among the Reads', [open, r, { validate: {} }], /^expected Read or Flush in transaction 1, got Validate$/],
    ['a Read after Flushed{more}', [twoRounds, r, { flush: {} }, r], /^expected Flush after Flushed\{more\} of transaction 1, round 1, got Read$/],
    ['a StartCommit after Flushed{more}', [twoRounds, { flush: {} }, { startCommit: {} }], /^expected Flush after Flushed\{more\} of transaction 1, round 1, got StartCommit$/],
    ['a Reset after Flushed{more}', [twoRounds, { flush: {} }, { reset: {} }], /^expected Flush after Flushed\{more\} of transaction 1, round 1, got Reset$/],
    ['a Validate right after Opened', [open, { validate: {} }], /^expected Read, Flush or Reset after Opened, got Validate$/],
    ['a Spec after StartedCommit', [open, { flush: {} }, { startCommit: {} }, { spec: {} }], /^expected Read, Flush or Reset after StartedCommit of transaction 1, got Spec$/],
    ['two StartCommits', [open, { flush: {} }, { startCommit: {} }, { startCommit: {} }], /^expected Read, Flush or Reset after StartedCommit of transaction 1, got StartCommit$/],
    ['a StartCommit after Reset', [open, { flush: {} }, { reset: {} }, { startCommit: {} }], /^expected Read, Flush or Reset after Reset, got StartCommit$/],
    ['an Open inside the session', [open, open], /^expected Read, Flush or Reset after Opened, got Open$/],
    ['an Open after the Flush', [open, r, { flush: {} }, open], /^expected Flush, StartCommit, Read or Reset after the Flush of transaction 1, got Open$/],
    ['a Spec in the second transaction', [open, { flush: {} }, { startCommit: {} }, r, { spec: {} }], /^expected Read or Flush in transaction 2, got Spec$/],
    ['stdin ending among the Reads', [open, r], /^stdin ended during the Reads of transaction 1, before its Flush$/],
    ['stdin ending after Flushed{more}', [twoRounds, { flush: {} }], /^stdin ended after Flushed\{more\} of transaction 1, round 1, before the Flush it asked for$/],
    ['a Read for a transform out of range', [open, read('json', 5, { id: 'a' })], /^Read for transform 5, but the derivation has 2 transforms$/],
  ]
  for (const [name, requests, message] of cases) {
    const c = start('json')
    for (const request of requests) c.send(request)
    c.end()
    const responses = await c.rest()
    const exit = await c.exited
    t.equal(exit.code, 1, name)
    t.match(exit.logs.at(-1)?.message, message, name)
    t.equal(exit.logs.at(-1)?.fields.code, name.includes('out of range') ? 'PROTOCOL_VIOLATION' : 'PROTOCOL_ORDER', name)
    const flushes = requests.filter((q) => q.flush).length
    t.ok(kinds(responses).filter((k) => k === 'flushed').length <= flushes, `${name}: no Flushed without its Flush`)
  }
})

t.test('Published frames equal those of the general encoder, in both codecs', async (t) => {
  const connector = derive({
    config: Type.Object({}),
    lambda: Type.Object({}),
    documentationUrl: 'https://example.com',
    open: () => ({ transforms: [(doc: object) => [doc, { nested: { 'q"uote': 'é\u2028', n: [1.5, null] } }], (doc: object) => doc] }),
  })
  for (const codec of codecs) {
    const requests: DeriveRequest[] = [openRequest({}), read(codec, 0, { id: 'a', x: [1, { y: 'z' }] }), { flush: {} }]
    const input = new PassThrough()
    input.end(Buffer.concat(requests.map((request) => encodeFrame(codec, deriveRequest, request))))
    const chunks: Buffer[] = []
    const output = new Writable({ write: (chunk: Buffer, _encoding, done) => (chunks.push(chunk), done()) })
    await serveDerive(connector, { input, output, codec, logger: createLogger({ level: 'error', write: () => undefined }) })
    const bytes = Buffer.concat(chunks)
    const responses: DeriveResponse[] = []
    const reader = readFrames([bytes], codec, deriveResponse)
    for (let m = await reader.next(); m; m = await reader.next()) responses.push(m)
    t.same(kinds(responses), ['opened', 'published', 'published', 'flushed'])
    const expected = Buffer.concat(responses.map((response) => encodeFrame(codec, deriveResponse, response)))
    t.ok(bytes.equals(expected), `${codec}: the bytes written are the general encoder's`)
  }
})
