// Flow's rules for a capture session, each checked against a real connector process.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import type { CaptureRequest, CaptureResponse } from '../../lib/protocol/index.ts'
import type { ConnectorLog } from '../../lib/io/log-reader.ts'
import { startConnector, type Codec, type ConnectorProcess } from '../helpers/connector-process.ts'

const fixture = fileURLToPath(new URL('../fixtures/capture-scenarios.ts', import.meta.url))
const argv = ['--import', 'tsx', fixture]
const internalSpec: CaptureRequest = { spec: { connectorType: 8, configJson: '{}' } }

function open(codec: Codec, config: object, env: NodeJS.ProcessEnv = {}): ConnectorProcess {
  const connector = startConnector(argv, codec, env)
  connector.send(internalSpec)
  connector.send({
    open: {
      capture: { name: 'test/scenarios', connectorType: 8, configJson: JSON.stringify(config), bindings: [{ resourceConfigJson: '{"name":"a"}', resourcePath: ['a'], stateKey: 'a' }] },
      range: { keyEnd: 0xffffffff, rClockEnd: 0xffffffff },
      stateJson: '{}',
    },
  })
  return connector
}

/** Reads responses until one satisfies `until` (inclusive), failing after `ms`. */
async function readUntil(connector: ConnectorProcess, until: (r: CaptureResponse) => boolean, ms = 10_000): Promise<CaptureResponse[]> {
  const out: CaptureResponse[] = []
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const r = await connector.next()
    if (r === undefined) return out
    out.push(r)
    if (until(r)) return out
  }
  throw new Error('timed out')
}

const kinds = (responses: CaptureResponse[]) => responses.map((r) => Object.keys(r)[0])
const lastLog = (logs: readonly ConnectorLog[]) => logs.at(-1) as ConnectorLog

for (const codec of ['json', 'proto'] as const) {
  t.test(`${codec}: documents left after the last checkpoint are closed with an empty merge-patch checkpoint`, async (t) => {
    const connector = open(codec, { scenario: 'trailing-documents' })
    const responses = await connector.rest()
    const { code } = await connector.exited
    t.equal(code, 0)
    t.same(kinds(responses), ['spec', 'opened', 'captured', 'checkpoint', 'captured', 'captured', 'checkpoint'])
    t.same(responses.at(-1), { checkpoint: { state: { updatedJson: '{}', mergePatch: true } } })
    t.equal(responses[5]?.captured?.docJson, '{"id":3}', 'JSON text is written as it was given')
  })

  t.test(`${codec}: a document for a binding out of range fails where it is emitted, naming the binding`, async (t) => {
    const connector = open(codec, { scenario: 'binding-out-of-range' })
    const responses = await connector.rest()
    const { code, logs } = await connector.exited
    t.equal(code, 1)
    t.same(kinds(responses), ['spec', 'opened', 'captured', 'checkpoint'], 'nothing after the committed transaction')
    t.same(lastLog(logs), { ...lastLog(logs), level: 'error', message: 'document for binding 7, but the capture has 1 binding (0 to 0)' })
  })

  t.test(`${codec}: a document that is not a JSON object fails`, async (t) => {
    const connector = open(codec, { scenario: 'not-an-object' })
    const responses = await connector.rest()
    const { code, logs } = await connector.exited
    t.equal(code, 1)
    t.same(kinds(responses), ['spec', 'opened'])
    t.match(lastLog(logs).message, /document for binding 0 must be an object, a string of JSON text or a Uint8Array of its bytes, got an array/)
  })

  t.test(`${codec}: an error in the source is the last log line and the exit status is 1`, async (t) => {
    const connector = open(codec, { scenario: 'throws', count: 4 })
    await connector.rest()
    const { code, logs } = await connector.exited
    t.equal(code, 1)
    t.equal(lastLog(logs).level, 'error')
    t.equal(lastLog(logs).message, 'the source failed after 4 tries')
  })

  t.test(`${codec}: acknowledgements are read while documents are written, and resolve checkpoints in order`, async (t) => {
    const connector = open(codec, { scenario: 'await-acks', count: 3 })
    const first = await readUntil(connector, (r) => r.checkpoint != null)
    t.same(kinds(first), ['spec', 'opened', 'captured', 'checkpoint'])
    // The source waits on the acknowledgement: nothing more comes until it is sent.
    const pending = connector.next()
    const raced = await Promise.race([pending, sleep(400).then(() => 'quiet' as const)])
    t.equal(raced, 'quiet', 'no document before the acknowledgement')
    connector.send({ acknowledge: { checkpoints: 1 } })
    t.same(kinds([(await pending) ?? {}]), ['captured'], 'document 2 follows the acknowledgement')
    const second = await readUntil(connector, (r) => r.checkpoint != null)
    t.same(kinds(second), ['checkpoint'])
    connector.send({ acknowledge: { checkpoints: 1 } })
    const third = await readUntil(connector, (r) => r.checkpoint != null)
    t.same(kinds(third), ['captured', 'checkpoint'])
    connector.send({ acknowledge: { checkpoints: 1 } })
    const tail = await connector.rest()
    t.same(tail, [], 'the source ended after its last acknowledgement')
    connector.end()
    const { code, logs } = await connector.exited
    t.equal(code, 0)
    t.same(
      logs.filter((l) => l.message === 'acknowledged').map((l) => (l.fields as { id: number }).id),
      [1, 2, 3],
      'each checkpoint was acknowledged, in order',
    )
  })

  t.test(`${codec}: acknowledging more checkpoints than were written is a protocol error`, async (t) => {
    const connector = open(codec, { scenario: 'await-acks', count: 2 })
    await readUntil(connector, (r) => r.checkpoint != null)
    connector.send({ acknowledge: { checkpoints: 3 } })
    await connector.rest()
    const { code, logs } = await connector.exited
    t.equal(code, 1)
    t.match(lastLog(logs).message, /acknowledge/i)
    t.match(lastLog(logs).message, /3/)
  })

  t.test(`${codec}: at most maxCheckpointsInFlight checkpoints wait for acknowledgement; the source is not pulled beyond`, async (t) => {
    const connector = open(codec, { scenario: 'endless' })
    const seen: CaptureResponse[] = []
    const reading = (async () => {
      for (let r = await connector.next(); r !== undefined; r = await connector.next()) seen.push(r)
    })()
    const checkpoints = () => seen.filter((r) => r.checkpoint).length
    while (checkpoints() === 0) await sleep(20) // the process has started
    await sleep(700)
    t.equal(checkpoints(), 2, 'two checkpoints, then the source waits')
    connector.send({ acknowledge: { checkpoints: 1 } })
    await sleep(500)
    t.equal(checkpoints(), 3, 'one acknowledgement lets one more through')
    connector.end()
    await reading
    const { code } = await connector.exited
    t.equal(code, 0, 'stdin closing ends the session cleanly after a checkpoint')
    t.equal(Object.keys(seen.at(-1) ?? {})[0], 'checkpoint')
  })

  t.test(`${codec}: SIGTERM stops the source through its signal; exit 0 after a checkpoint`, async (t) => {
    const connector = open(codec, { scenario: 'endless' })
    const first = await readUntil(connector, (r) => r.checkpoint != null)
    connector.send({ acknowledge: { checkpoints: 1 } })
    await sleep(50)
    connector.kill('SIGTERM')
    const rest = await connector.rest()
    const { code, logs } = await connector.exited
    t.equal(code, 0)
    const all = [...first, ...rest]
    t.equal(Object.keys(all.at(-1) ?? {})[0], 'checkpoint', 'the last frame is a whole checkpoint')
    t.same(logs.find((l) => l.message === 'source stopped')?.fields, { aborted: true }, 'the source was stopped with its AbortSignal aborted')
  })
}

t.test('LOG_LEVEL picks the level; secret config values are redacted wherever config is logged', async (t) => {
  const connector = open('json', { scenario: 'trailing-documents', password: 'hunter2' }, { LOG_LEVEL: 'debug' })
  await connector.rest()
  const { logs, stderr } = await connector.exited
  t.ok(logs.some((l) => l.level === 'debug'), 'debug lines at LOG_LEVEL=debug')
  const configLine = logs.find((l) => l.message === 'capture config') as { fields: { config: { password: string } } } | undefined
  t.equal(configLine?.fields.config.password, '[redacted]')
  t.notMatch(stderr, /hunter2/)
  for (const line of logs) t.ok(typeof line.ts === 'string' && typeof line.level === 'string' && typeof line.message === 'string', 'structured line')

  const quiet = open('json', { scenario: 'trailing-documents' }, { LOG_LEVEL: 'warn' })
  await quiet.rest()
  t.same((await quiet.exited).logs, [], 'nothing below warn')
})
