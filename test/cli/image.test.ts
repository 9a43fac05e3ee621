// Image endpoints (`endpoint.connector.image`), run through `docker run -i --rm`. The test
// puts a fake `docker` first on PATH: it answers `version`, `pull` and `image inspect` as a
// Docker engine would (the image's labels come from FAKE_DOCKER_LABELS), runs source-hello in
// place of the image's container on `run`, with only the environment `-e` gave it, and records
// every argv it was called with, so the exact docker commands are checked.
import t from 'tap'
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { helloCopy, jsonLines, root, runCli, tempDir } from '../helpers/cli.ts'

const dir = tempDir()
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const bin = join(dir, 'bin')
mkdirSync(bin)
const fakeDocker = join(bin, 'docker')
writeFileSync(
  fakeDocker,
  `#!${process.execPath}
const { appendFileSync } = require('node:fs')
const { spawn } = require('node:child_process')
const args = process.argv.slice(2)
const env = process.env
appendFileSync(env.FAKE_DOCKER_LOG, JSON.stringify(args) + '\\n')
const fail = (message, code = 1) => {
  process.stderr.write(message + '\\n')
  process.exit(code)
}
switch (args[0]) {
  case 'version':
  case 'info':
    if (env.FAKE_DOCKER_ENGINE === 'down') fail('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?')
    console.log('27.1.1')
    break
  case 'pull':
    if (env.FAKE_DOCKER_PULL === 'fail') fail('Error response from daemon: pull access denied for ' + args.at(-1) + ', repository does not exist or may require docker login')
    console.log(args.at(-1))
    break
  case 'image':
    if (args[1] !== 'inspect') fail('unexpected: ' + args.join(' '))
    if (env.FAKE_DOCKER_MISSING === '1') fail('Error response from daemon: No such image: ' + args.at(-1))
    console.log(JSON.stringify({ Labels: JSON.parse(env.FAKE_DOCKER_LABELS || 'null'), Env: JSON.parse(env.FAKE_DOCKER_ENV || '[]'), Entrypoint: ['node', '/connector/connector.mjs'] }))
    break
  case 'run': {
    const containerEnv = { PATH: env.PATH }
    for (let i = 1; i < args.length - 1; i++) {
      if (args[i] === '-e') {
        const [key, ...value] = args[++i].split('=')
        containerEnv[key] = value.join('=')
      }
    }
    const child = spawn(process.execPath, ['--import', 'tsx', ${JSON.stringify(join(root, 'examples/source-hello/main.ts'))}], { stdio: 'inherit', env: containerEnv, cwd: ${JSON.stringify(root)} })
    for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
    child.on('exit', (code, signal) => process.exit(code ?? 128))
    break
  }
  default:
    fail('unexpected: ' + args.join(' '))
}
`,
)
chmodSync(fakeDocker, 0o755)

const IMAGE = 'ghcr.io/acmeco/source-hello:v1'

/** A catalog of source-hello as the image `image`, with `config`. */
function imageCatalog(name: string, image = IMAGE, config: object = { count: 3, checkpointEvery: 2 }): string {
  return helloCopy(dir, name, (catalog) => {
    catalog.captures['acmeCo/source-hello'].endpoint = { connector: { image, config } }
  })
}

let runs = 0
/** Runs the CLI with the fake docker first on PATH; returns the run and the docker commands it ran. */
async function withDocker(args: string[], fake: Record<string, string> = {}) {
  const log = join(dir, `docker-${++runs}.log`)
  writeFileSync(log, '')
  const run = await runCli(args, { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_DOCKER_LOG: log, ...fake } })
  const calls = readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as string[])
  return { ...run, calls }
}

const version = ['version', '--format', '{{.Server.Version}}']
const pull = (image = IMAGE) => ['pull', '--quiet', image]
const inspect = (image = IMAGE) => ['image', 'inspect', '--format', '{{json .Config}}', image]
const run = (codec: string, level = 'info', image = IMAGE) => ['run', '-i', '--rm', '-e', `LOG_LEVEL=${level}`, '-e', `FLOW_RUNTIME_CODEC=${codec}`, image]

t.test('FLOW_RUNTIME_CODEC=json on the image: the container speaks JSON lines', async (t) => {
  const source = imageCatalog('json.flow.yaml')
  const result = await withDocker(['raw', 'validate', '--source', source], { FAKE_DOCKER_LABELS: JSON.stringify({ FLOW_RUNTIME_PROTOCOL: 'capture', FLOW_RUNTIME_CODEC: 'json' }) })
  t.equal(result.code, 0, result.stderr)
  t.same(JSON.parse(result.stdout), { validated: { bindings: [{ resourcePath: ['greetings'] }, { resourcePath: ['events'] }] } })
  t.same(result.calls, [version, pull(), inspect(), run('json')])
  t.match(result.stderr, /^INFO pulling image ghcr\.io\/acmeco\/source-hello:v1\n/)
})

t.test('no codec label: protobuf, as Flow runs it', async (t) => {
  const source = imageCatalog('proto.flow.yaml')
  const result = await withDocker(['raw', 'spec', '--source', source, '--log-level', 'debug'], { FAKE_DOCKER_LABELS: JSON.stringify({ FLOW_RUNTIME_PROTOCOL: 'capture' }) })
  t.equal(result.code, 0, result.stderr)
  t.equal(JSON.parse(result.stdout).spec.protocol, 3032023)
  t.same(result.calls, [version, pull(), inspect(), run('proto', 'debug')])
})

t.test("the codec may come from the image's environment; any value but json is protobuf", async (t) => {
  const source = imageCatalog('env.flow.yaml')
  const fromEnv = await withDocker(['raw', 'spec', '--source', source], { FAKE_DOCKER_ENV: JSON.stringify(['PATH=/usr/bin', 'FLOW_RUNTIME_CODEC=json']) })
  t.equal(fromEnv.code, 0, fromEnv.stderr)
  t.same(fromEnv.calls.at(-1), run('json'))
  const other = await withDocker(['raw', 'spec', '--source', source], { FAKE_DOCKER_LABELS: JSON.stringify({ FLOW_RUNTIME_CODEC: 'proto' }) })
  t.equal(other.code, 0, other.stderr)
  t.same(other.calls.at(-1), run('proto'))
})

t.test('a preview of an image: the config goes in the requests; sessions pull and inspect once', async (t) => {
  const source = imageCatalog('preview.flow.yaml')
  const result = await withDocker(['preview', '--source', source, '--sessions', '2'], { FAKE_DOCKER_LABELS: JSON.stringify({ FLOW_RUNTIME_CODEC: 'json' }) })
  t.equal(result.code, 0, result.stderr)
  const lines = jsonLines(result.stdout) as [string, { id: number }][]
  t.same(
    lines.filter(([name]) => name === 'acmeCo/events').map(([, doc]) => doc.id),
    [1, 2, 3, 4, 5, 6],
    'count: 3 per session, the second resuming from the first',
  )
  t.same(result.calls, [version, pull(), inspect(), run('json'), run('json')])
})

t.test('an image tagged :local is not pulled', async (t) => {
  const image = 'acmeco/source-hello:local'
  const source = imageCatalog('local-tag.flow.yaml', image)
  const result = await withDocker(['raw', 'spec', '--source', source], { FAKE_DOCKER_LABELS: JSON.stringify({ FLOW_RUNTIME_CODEC: 'json' }) })
  t.equal(result.code, 0, result.stderr)
  t.same(result.calls, [version, inspect(image), run('json', 'info', image)])
  t.notMatch(result.stderr, /pulling/)
})

t.test('a pull that fails: the copy the engine has runs, with a warning; without one, it fails', async (t) => {
  const source = imageCatalog('no-pull.flow.yaml')
  const present = await withDocker(['raw', 'spec', '--source', source], { FAKE_DOCKER_PULL: 'fail', FAKE_DOCKER_LABELS: JSON.stringify({ FLOW_RUNTIME_CODEC: 'json' }) })
  t.equal(present.code, 0, present.stderr)
  t.match(present.stderr, /^WARN cannot pull the image ghcr\.io\/acmeco\/source-hello:v1 \(Error response from daemon: pull access denied .*\); running the copy this Docker engine has$/m)
  t.same(present.calls, [version, pull(), inspect(), inspect(), run('json')])

  const missing = await withDocker(['raw', 'spec', '--source', source], { FAKE_DOCKER_PULL: 'fail', FAKE_DOCKER_MISSING: '1' })
  t.equal(missing.code, 1)
  t.match(missing.stderr, /\nflowkit raw spec: cannot pull the image ghcr\.io\/acmeco\/source-hello:v1: Error response from daemon: pull access denied for ghcr\.io\/acmeco\/source-hello:v1, repository does not exist or may require docker login\n$/)
  t.same(missing.calls, [version, pull(), inspect()])
})

t.test('a Docker client without an engine: one line that says so and suggests a local endpoint', async (t) => {
  const source = imageCatalog('down.flow.yaml')
  const result = await withDocker(['raw', 'discover', '--source', source], { FAKE_DOCKER_ENGINE: 'down' })
  t.equal(result.code, 1)
  t.equal(
    result.stderr,
    'flowkit raw discover: cannot run the image ghcr.io/acmeco/source-hello:v1: image endpoints need a running Docker engine, and none answered `docker version` ' +
      '(Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?); ' +
      'start Docker, or give the capture a local endpoint (endpoint.local.command) to run the connector without it\n',
  )
  t.same(result.calls, [version])
})

t.test('an image of another protocol is refused', async (t) => {
  const source = imageCatalog('materialize.flow.yaml')
  const result = await withDocker(['raw', 'spec', '--source', source], { FAKE_DOCKER_LABELS: JSON.stringify({ FLOW_RUNTIME_PROTOCOL: 'materialize' }) })
  t.equal(result.code, 1)
  t.match(result.stderr, /flowkit raw spec: the image ghcr\.io\/acmeco\/source-hello:v1 is a materialize connector \(its label FLOW_RUNTIME_PROTOCOL=materialize\), not a capture\n$/)
  t.notOk(result.calls.some((call) => call[0] === 'run'))
})

t.test('--inspect is refused for an image, before docker is asked anything', async (t) => {
  const source = imageCatalog('inspect.flow.yaml')
  const result = await withDocker(['preview', '--source', source, '--inspect'])
  t.equal(result.code, 2)
  t.match(result.stderr, /^flowkit preview: --inspect runs a Node connector under the inspector, which cannot be done inside the image ghcr\.io\/acmeco\/source-hello:v1; .*local endpoint/)
  t.same(result.calls, [])
})
