// The Dockerfile, read as Docker would read it (there is no engine here): its final stage
// carries consistent labels and env, runs as a non-root user, and its entrypoint runs the bundle
// where the build stage put it. The same bundle, built with the build stage's command and run
// with the entrypoint's command and env, speaks Flow's protocol as connector-init would drive it.
import t from 'tap'
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { root, runCli, tempDir } from '../helpers/cli.ts'
import { startConnector } from '../helpers/connector-process.ts'

interface Instruction {
  readonly keyword: string
  readonly args: string
}

/** Instructions per stage, continuation lines joined and comments dropped. */
function stages(text: string): Instruction[][] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'))
  const out: Instruction[][] = []
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/)
    if (keyword.toUpperCase() === 'FROM') out.push([])
    out[out.length - 1]?.push({ keyword: keyword.toUpperCase(), args: rest.join(' ') })
  }
  return out
}

const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')
const [build = [], final = []] = stages(dockerfile)
const all = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args)
/** ARG defaults of a stage. */
const args = (stage: Instruction[]) => Object.fromEntries(all(stage, 'ARG').map((a) => a.split('=') as [string, string]))
/** `${NAME}` resolved with the stage's ARG defaults. */
const resolve = (stage: Instruction[], text: string) => text.replace(/\$\{(\w+)\}/g, (_, name: string) => args(stage)[name] ?? '')

t.test('the final stage: labels and env agree, a non-root user, the entrypoint runs the copied bundle', async (t) => {
  t.equal(stages(dockerfile).length, 2, 'two stages: build, then run')
  const labels = Object.fromEntries(all(final, 'LABEL').map((l) => l.split('=') as [string, string]))
  const env = Object.fromEntries(all(final, 'ENV').map((e) => e.split('=') as [string, string]))
  t.equal(resolve(final, labels.FLOW_RUNTIME_PROTOCOL ?? ''), 'capture', 'FLOW_RUNTIME_PROTOCOL from ARG PROTOCOL, capture by default')
  t.match(labels.FLOW_RUNTIME_PROTOCOL, /^\$\{PROTOCOL\}$/)
  t.equal(resolve(final, labels.FLOW_RUNTIME_CODEC ?? ''), 'proto', 'FLOW_RUNTIME_CODEC proto by default')
  t.equal(labels.FLOW_RUNTIME_CODEC, env.FLOW_RUNTIME_CODEC, 'the codec label and env come from the same ARG')
  const user = all(final, 'USER').at(-1)
  t.ok(user !== undefined && user !== 'root' && user !== '0', `runs as ${user}`)
  const copy = all(final, 'COPY').find((c) => c.startsWith('--from=build'))
  t.ok(copy, 'the bundle comes from the build stage')
  const destination = copy?.split(/\s+/).at(-1) ?? ''
  const entrypoint = JSON.parse(all(final, 'ENTRYPOINT').at(-1) ?? '[]') as string[]
  t.equal(entrypoint[0], 'node')
  const bundle = entrypoint.at(-1) ?? ''
  t.ok(bundle.startsWith(destination), `the entrypoint's ${bundle} is where the bundle is copied (${destination})`)
  t.notOk(final.some((i) => i.keyword === 'RUN' && /npm (ci|install)/.test(i.args)), 'the run stage installs nothing: Node and the bundle')
})

t.test("the build stage's bundle, run by the entrypoint's command as connector-init runs it, in both codecs", async (t) => {
  const run = all(build, 'RUN').find((r) => r.includes('flowkit.js bundle')) ?? ''
  t.match(run, /bundle "\$CONNECTOR" -o \/out\/connector\.mjs/)
  const connector = args(build).CONNECTOR
  t.equal(connector, 'examples/source-hello/main.ts', 'the source-hello example by default')
  const dir = tempDir()
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const built = await runCli(['bundle', connector ?? '', '-o', join(dir, 'out', 'connector.mjs')])
  t.equal(built.code, 0, built.stderr)
  // The image holds the bundle alone.
  mkdirSync(join(dir, 'connector'))
  copyFileSync(join(dir, 'out', 'connector.mjs'), join(dir, 'connector', 'connector.mjs'))
  const entrypoint = (JSON.parse(all(final, 'ENTRYPOINT').at(-1) ?? '[]') as string[]).slice(1).map((arg) => (arg.startsWith('/connector/') ? join(dir, arg) : arg))
  for (const codec of ['proto', 'json'] as const) {
    const c = startConnector(entrypoint, codec)
    c.send({ spec: { connectorType: 7, configJson: '{}' } })
    c.send({ discover: { connectorType: 7, configJson: '{"count":3}' } })
    c.end()
    const [spec, discovered] = await c.rest()
    t.equal(spec?.spec?.protocol, 3032023, codec)
    t.same(discovered?.discovered?.bindings?.map((b) => b.recommendedName), ['greetings', 'events'], codec)
    t.equal((await c.exited).code, 0)
  }
})
