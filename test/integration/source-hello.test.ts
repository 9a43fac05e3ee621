// The example connector, spawned as Flow's runtime spawns it and fed real frames in both codecs.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { applyMergePatch } from '../../lib/json/merge-patch.ts'
import type { CaptureRequest, CaptureResponse } from '../../lib/protocol/index.ts'
import { startConnector, type Codec } from '../helpers/connector-process.ts'

const main = fileURLToPath(new URL('../../examples/source-hello/main.ts', import.meta.url))
const argv = ['--import', 'tsx', main]

const internalSpec: CaptureRequest = { spec: { connectorType: 8, configJson: '{}' } }
const bindings = [
  { resourceConfigJson: '{"name":"greetings"}', resourcePath: ['greetings'], stateKey: 'greetings.v1', collection: { name: 'acmeCo/greetings', key: ['/id'] } },
  { resourceConfigJson: '{"name":"events"}', resourcePath: ['events'], stateKey: 'events.v1', collection: { name: 'acmeCo/events', key: ['/id'] } },
]
const captureSpec = (config: object) => ({ name: 'acmeCo/source-hello', connectorType: 8, configJson: JSON.stringify(config), bindings })
const fullRange = { keyEnd: 0xffffffff, rClockEnd: 0xffffffff }

interface Session {
  /** The responses after the one to the internal Spec. */
  responses: CaptureResponse[]
  docs: { binding: number; doc: { id: number; stream: string } }[]
  state: unknown
  code: number | null
}

/** One session as the runtime runs it: internal Spec, Open, an Acknowledge per checkpoint, EOF. */
async function captureSession(codec: Codec, config: object, state: unknown): Promise<Session> {
  const connector = startConnector(argv, codec)
  connector.send(internalSpec)
  connector.send({ open: { capture: captureSpec(config), version: 'v1', range: fullRange, stateJson: JSON.stringify(state) } })
  const spec = await connector.next()
  if (!spec?.spec) throw new Error(`expected the response to the internal Spec first, got ${JSON.stringify(spec)}`)
  const responses: CaptureResponse[] = []
  const docs: Session['docs'] = []
  let merged = state
  for (let r = await connector.next(); r !== undefined; r = await connector.next()) {
    responses.push(r)
    if (r.captured) docs.push({ binding: r.captured.binding ?? 0, doc: JSON.parse(r.captured.docJson ?? '') })
    if (r.checkpoint) {
      const updated = JSON.parse(r.checkpoint.state?.updatedJson ?? 'null')
      merged = r.checkpoint.state?.mergePatch ? applyMergePatch(merged, updated) : updated
      connector.send({ acknowledge: { checkpoints: 1 } })
    }
  }
  connector.end()
  const { code } = await connector.exited
  return { responses, docs, state: merged, code }
}

for (const codec of ['json', 'proto'] as const) {
  t.test(`${codec}: answers the internal Spec and each unary request with one response of its kind`, async (t) => {
    const connector = startConnector(argv, codec)
    const config = { count: 5 }
    connector.send(internalSpec)
    connector.send({ spec: { connectorType: 8, configJson: JSON.stringify(config) } })
    connector.send({ discover: { name: 'acmeCo/source-hello', connectorType: 8, configJson: JSON.stringify(config) } })
    connector.send({ validate: { name: 'acmeCo/source-hello', connectorType: 8, configJson: JSON.stringify(config), bindings: bindings.map((b) => ({ resourceConfigJson: b.resourceConfigJson, collection: b.collection })) } })
    connector.send({ apply: { capture: captureSpec(config), version: 'v1' } })
    connector.end()
    const responses = await connector.rest()
    const { code, stderr } = await connector.exited
    t.equal(code, 0, stderr)
    t.same(responses.map((r) => Object.keys(r)), [['spec'], ['spec'], ['discovered'], ['validated'], ['applied']])
    const spec = responses[0]?.spec
    t.equal(spec?.protocol, 3032023)
    t.same(spec?.resourcePathPointers, ['/name'])
    const configSchema = JSON.parse(spec?.configSchemaJson ?? '{}')
    t.same(Object.keys(configSchema.properties), ['count', 'checkpointEvery', 'docBytes', 'greeting', 'apiKey'])
    t.equal(configSchema.properties.apiKey.secret, true)
    const discovered = responses[2]?.discovered?.bindings ?? []
    t.same(discovered.map((b) => [b.recommendedName, b.resourceConfigJson, b.key, b.resourcePath]), [
      ['greetings', '{"name":"greetings"}', ['/id'], ['greetings']],
      ['events', '{"name":"events"}', ['/id'], ['events']],
    ])
    t.same(responses[3]?.validated?.bindings?.map((b) => b.resourcePath), [['greetings'], ['events']])
  })

  t.test(`${codec}: a session writes Opened first, documents then checkpoints, and the next session resumes after the state`, async (t) => {
    const config = { count: 10, checkpointEvery: 4 }
    const first = await captureSession(codec, config, {})
    t.equal(first.code, 0)
    t.same(first.responses[0], { opened: { explicitAcknowledgements: true } }, 'Opened comes first')
    t.ok(first.responses.at(-1)?.checkpoint, 'the last response is a checkpoint')
    t.ok(first.responses.filter((r) => r.checkpoint).every((r) => r.checkpoint?.state?.updatedJson), 'every checkpoint carries a state')
    t.same(first.docs.filter((d) => d.binding === 0).map((d) => d.doc.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    t.same(first.docs.filter((d) => d.binding === 1).map((d) => d.doc.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    t.ok(first.docs.every((d) => d.doc.stream === (d.binding === 0 ? 'greetings' : 'events')))
    t.equal(first.responses.filter((r) => r.checkpoint).length, 3, 'groups of 4, 4 and 2 per binding')
    t.same(first.state, { bindingStateV1: { 'greetings.v1': { cursor: 10 }, 'events.v1': { cursor: 10 } } })

    const second = await captureSession(codec, config, first.state)
    t.equal(second.code, 0)
    t.same(second.docs.filter((d) => d.binding === 0).map((d) => d.doc.id), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 'resumes after the cursor')
    t.same(second.state, { bindingStateV1: { 'greetings.v1': { cursor: 20 }, 'events.v1': { cursor: 20 } } })
  })

  t.test(`${codec}: a bad config fails with every failing path, as the last log line, exit 1`, async (t) => {
    const connector = startConnector(argv, codec)
    connector.send(internalSpec)
    connector.send({ discover: { connectorType: 8, configJson: JSON.stringify({ count: -1, checkpointEvery: 'often', apiKey: 'hunter2' }) } })
    connector.end()
    const responses = await connector.rest()
    const { code, logs, stderr } = await connector.exited
    t.equal(code, 1)
    t.same(responses.map((r) => Object.keys(r)), [['spec']], 'the internal Spec was answered')
    const last = logs.at(-1) as { level: string; message: string }
    t.equal(last.level, 'error')
    t.match(last.message, /config is invalid/)
    t.match(last.message, /\/count: must be >= 0/)
    t.match(last.message, /\/checkpointEvery: must be integer/)
    t.notMatch(stderr, /hunter2/, 'secrets never reach the logs')
  })
}
