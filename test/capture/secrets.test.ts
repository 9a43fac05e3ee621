// Secrets never leave a connector: sessions whose config holds a marker secret under a property
// marked secret (`secret: true` in a flowkit capture, `airbyte_secret` in an Airbyte source),
// succeeding and failing (errors that quote the config, an author who logs it, a crash), with
// all of their output searched for the marker: responses, stderr logs, errors, preview output.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import type { CaptureRequest } from '../../lib/protocol/index.ts'
import { runCaptureSession } from '../../lib/runtime/capture-session.ts'
import { discover, validate } from '../../lib/runtime/capture-rpc.ts'
import type { CaptureTask } from '../../lib/runtime/catalog.ts'
import { runCli, tempDir } from '../helpers/cli.ts'
import { startConnector, type Codec } from '../helpers/connector-process.ts'

const MARKER = 'MARKER-s3cr3t-7f3a'
const scenarios = fileURLToPath(new URL('../fixtures/capture-scenarios.ts', import.meta.url))
const airbyteSource = fileURLToPath(new URL('../fixtures/airbyte/source.py', import.meta.url))
const flowkit = fileURLToPath(new URL('../../lib/cli/flowkit.js', import.meta.url))

/** One session of the scenario connector, Open with `config`; everything it wrote, as text. */
async function flowkitSession(codec: Codec, config: object, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string; lastLog: string }> {
  const connector = startConnector(['--import', 'tsx', scenarios], codec, { LOG_LEVEL: 'debug', ...env })
  const requests: CaptureRequest[] = [
    { spec: { connectorType: 8, configJson: '{}' } },
    { open: { capture: { name: 'test/secrets', connectorType: 8, configJson: JSON.stringify(config), bindings: [{ resourceConfigJson: '{"name":"a"}', resourcePath: ['a'], stateKey: 'a' }] }, range: { keyEnd: 0xffffffff, rClockEnd: 0xffffffff }, stateJson: '{}' } },
  ]
  for (const request of requests) connector.send(request)
  connector.end()
  const responses = await connector.rest().catch((error: unknown) => [String(error)])
  const { code, stderr, logs } = await connector.exited
  return { code, output: JSON.stringify(responses) + '\n' + stderr, lastLog: JSON.stringify(logs.at(-1)) }
}

for (const codec of ['json', 'proto'] as const) {
  t.test(`${codec}: a flowkit capture never writes a value of a secret property, whatever happens`, async (t) => {
    const cases: [string, object, number][] = [
      ['a session that succeeds (config logged at debug)', { scenario: 'trailing-documents', password: MARKER }, 0],
      ['an author who logs the config and the secret', { scenario: 'logs-config', password: MARKER }, 0],
      ['an error that quotes the config', { scenario: 'error-quotes-config', password: MARKER }, 1],
      ['a crash whose message holds the secret', { scenario: 'crash', password: MARKER }, 1],
      ['a config that fails validation', { scenario: 'no-such-scenario', password: MARKER }, 1],
    ]
    for (const [what, config, expected] of cases) {
      const { code, output, lastLog } = await flowkitSession(codec, config)
      t.equal(code, expected, `${what}: exit ${expected} (${lastLog})`)
      t.notOk(output.includes(MARKER), `${what}: the marker appears nowhere`)
      if (expected === 1) t.match(lastLog, /"level":"error"/, `${what}: the error is still the last line`)
    }
  })
}

t.test('flowkit preview of a failing capture prints no secret, in documents, logs or errors', async (t) => {
  const dir = tempDir()
  for (const scenario of ['logs-config', 'error-quotes-config', 'crash']) {
    const source = join(dir, `${scenario}.flow.yaml`)
    writeFileSync(
      source,
      stringify({
        captures: {
          'acmeCo/secrets': {
            endpoint: { local: { command: [process.execPath, '--import', 'tsx', scenarios], config: { scenario, password: MARKER } } },
            bindings: [{ resource: { name: 'a' }, target: 'acmeCo/docs' }],
          },
        },
        collections: { 'acmeCo/docs': { key: ['/id'], schema: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } } },
      }),
    )
    // debug: the most the connector and the CLI ever write.
    for (const level of ['debug']) {
      const run = await runCli(['preview', '--source', source, '--log-level', level])
      t.notOk(run.stdout.includes(MARKER) || run.stderr.includes(MARKER), `${scenario} at ${level}: the marker appears nowhere (exit ${run.code})`)
    }
  }
})

/** The Airbyte fixture source behind `flowkit shim airbyte --`, with the marker as its api_key. */
function airbyteTask(scenario: string, protobuf: boolean): CaptureTask {
  return {
    name: 'acmeCo/airbyte-secrets',
    endpoint: { type: 'local', command: [process.execPath, flowkit, 'shim', 'airbyte', '--', 'python3', airbyteSource], config: { api_key: MARKER, scenario, count: 2, every: 1 }, env: { LOG_LEVEL: 'debug' }, protobuf },
    bindings: [{ resource: { stream: 'users', syncMode: 'incremental', cursorField: ['updated'] }, collection: { name: 'acmeCo/users', key: ['/id'], writeSchema: { type: 'object' } }, backfill: 0 }],
  }
}

for (const protobuf of [false, true]) {
  t.test(`${protobuf ? 'proto' : 'json'}: the Airbyte shim never writes the value of an airbyte_secret property`, async (t) => {
    const all = ['normal', 'secret-log', 'secret-error', 'secret-crash', 'crash', 'trace-error']
    for (const scenario of protobuf ? ['secret-log', 'secret-error', 'secret-crash'] : all) {
      const seen: unknown[] = []
      let error: unknown
      try {
        await runCaptureSession(airbyteTask(scenario, protobuf), { state: {}, onTransaction: (tx) => void seen.push(tx), onLog: (log) => void seen.push(log) })
      } catch (caught) {
        error = caught
      }
      const text = JSON.stringify(seen) + String(error) + JSON.stringify(error)
      t.ok(seen.length > 0, `${scenario}: the session produced output`)
      t.notOk(text.includes(MARKER), `${scenario}: the marker appears in no document, log or error${error ? ` (${String(error)})` : ''}`)
    }
    for (const rpc of [discover, validate]) {
      const outcome = await rpc(airbyteTask('secret-error', protobuf)).then(JSON.stringify, (caught: unknown) => String(caught))
      t.notOk(outcome.includes(MARKER), `${rpc.name}: the marker appears nowhere`)
    }
  })
}
