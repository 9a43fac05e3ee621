// `flowkit raw`, spawned as a user runs it, against the source-hello catalog in both codecs,
// and the errors a user meets: a wrong capture name, a config that cannot be used, a connector
// that fails, an image endpoint without Docker, a wrong command line.
import t from 'tap'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { helloCatalog, helloCopy, runCli, tempDir, type Run } from '../helpers/cli.ts'

const dir = tempDir()
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const catalogs = {
  json: helloCatalog,
  proto: helloCopy(dir, 'proto.flow.yaml', (_catalog, local) => (local.protobuf = true)),
}

for (const [codec, source] of Object.entries(catalogs)) {
  t.test(`${codec}: each request prints one response of its kind on one line`, async (t) => {
    const runs = await Promise.all(['spec', 'discover', 'validate', 'apply'].map((request) => runCli(['raw', request, '--source', source])))
    for (const run of runs) {
      t.equal(run.code, 0, run.stderr)
      t.equal(run.stdout.split('\n').length, 2, 'one line')
    }
    const [spec, discovered, validated, applied] = runs as [Run, Run, Run, Run]
    const specResponse = JSON.parse(spec.stdout)
    t.same(Object.keys(specResponse), ['spec'])
    t.equal(specResponse.spec.protocol, 3032023)
    t.same(specResponse.spec.resourcePathPointers, ['/name'])
    t.equal(specResponse.spec.configSchema.properties.apiKey.secret, true)

    const discover = JSON.parse(discovered.stdout)
    t.same(
      discover.discovered.bindings.map((b: { recommendedName: string; key: string[] }) => [b.recommendedName, b.key]),
      [['greetings', ['/id']], ['events', ['/id']]],
    )
    t.same(JSON.parse(validated.stdout), { validated: { bindings: [{ resourcePath: ['greetings'] }, { resourcePath: ['events'] }] } })
    t.same(JSON.parse(applied.stdout), { applied: {} })
    t.match(spec.stderr, /^INFO |^$/, 'logs, if any, are readable lines')
  })
}

t.test('the config may be a file beside the catalog; imports are followed', async (t) => {
  const sub = join(dir, 'imports')
  mkdirSync(join(sub, 'captures'), { recursive: true })
  writeFileSync(join(sub, 'captures', 'config.yaml'), 'count: 3\ngreeting: bonjour\n')
  helloCopy(join(sub, 'captures'), 'capture.flow.yaml', (catalog, local) => {
    local.config = 'config.yaml'
    delete catalog.collections
  })
  helloCopy(sub, 'collections.flow.yaml', (catalog) => delete catalog.captures)
  writeFileSync(join(sub, 'flow.yaml'), 'import:\n  - captures/capture.flow.yaml\n  - collections.flow.yaml\n')
  const run = await runCli(['raw', 'validate', '--source', join(sub, 'flow.yaml')])
  t.equal(run.code, 0, run.stderr)
  t.same(JSON.parse(run.stdout).validated.bindings, [{ resourcePath: ['greetings'] }, { resourcePath: ['events'] }])
})

t.test('an unknown capture name fails listing the names the catalog defines', async (t) => {
  const run = await runCli(['raw', 'spec', '--source', helloCatalog, '--capture', 'acmeCo/nope'])
  t.equal(run.code, 1)
  t.equal(run.stderr, 'flowkit raw spec: capture "acmeCo/nope" is not in the catalog; it defines: acmeCo/source-hello\n')
})

t.test('two captures and no name fails listing both', async (t) => {
  const source = helloCopy(dir, 'two.flow.yaml', (catalog) => {
    catalog.captures['acmeCo/second'] = catalog.captures['acmeCo/source-hello']
  })
  const run = await runCli(['raw', 'discover', '--source', source])
  t.equal(run.code, 1)
  t.match(run.stderr, /^flowkit raw discover: the catalog defines 2 captures; name the one to run: acmeCo\/second, acmeCo\/source-hello\n$/)
})

t.test('a config file that cannot be read fails naming it', async (t) => {
  const source = helloCopy(dir, 'missing-config.flow.yaml', (_catalog, local) => (local.config = 'no-such-config.yaml'))
  const run = await runCli(['raw', 'spec', '--source', source])
  t.equal(run.code, 1)
  t.match(run.stderr, /^flowkit raw spec: cannot read config \S*no-such-config\.yaml: no such file\n$/)
})

t.test('a config file encrypted with sops is refused', async (t) => {
  writeFileSync(join(dir, 'sealed.yaml'), 'count: ENC[AES256_GCM,data:AAAA,type:int]\nsops:\n  mac: ENC[AES256_GCM,data:BBBB]\n  version: 3.8.1\n')
  const source = helloCopy(dir, 'sealed.flow.yaml', (_catalog, local) => (local.config = 'sealed.yaml'))
  const run = await runCli(['raw', 'discover', '--source', source])
  t.equal(run.code, 1)
  t.match(run.stderr, /^flowkit raw discover: config \S*sealed\.yaml is encrypted with sops; decrypt it first\n$/)
})

t.test('a connector that exits non-zero fails with its last log line', async (t) => {
  const source = helloCopy(dir, 'failing.flow.yaml', (_catalog, local) => (local.command = ['node', '--import', 'tsx', 'test/fixtures/failing-connector.ts']))
  const run = await runCli(['raw', 'spec', '--source', source])
  t.equal(run.code, 1)
  t.match(run.stderr, /^INFO starting up\nERROR cannot reach api\.example\.com: connection refused \{"attempt":3\}\n/, 'its logs, readable')
  t.match(run.stderr, /\nflowkit raw spec: cannot reach api\.example\.com: connection refused \(connector failed: exit code 1\)\n$/)
})

t.test('discover --emit-raw prints each discovered binding on its own line', async (t) => {
  const [whole, lines, wrong] = await Promise.all([
    runCli(['raw', 'discover', '--source', helloCatalog]),
    runCli(['raw', 'discover', '--emit-raw', '--source', helloCatalog]),
    runCli(['raw', 'validate', '--emit-raw', '--source', helloCatalog]),
  ])
  t.equal(lines.code, 0, lines.stderr)
  const bindings = JSON.parse(whole.stdout).discovered.bindings
  t.equal(bindings.length, 2)
  t.same(lines.stdout.split('\n'), [...bindings.map((b: unknown) => JSON.stringify(b)), ''], 'the same bindings, one per line, in order')
  t.equal(wrong.code, 2)
  t.match(wrong.stderr, /^flowkit raw validate: --emit-raw is for discover only, not validate\n/)
})

t.test('a plain Node connector that crashes fails with its whole stack trace, not its last line', async (t) => {
  const script = join(dir, 'crash.mjs')
  writeFileSync(script, `console.error(JSON.stringify({ level: 'info', message: 'starting' }))\nthrow new Error('cannot parse the endpoint config')\n`)
  const source = helloCopy(dir, 'crash.flow.yaml', (_catalog, local) => (local.command = ['node', script]))
  const run = await runCli(['raw', 'spec', '--source', source])
  t.equal(run.code, 1)
  t.match(run.stderr, /^INFO starting\n/)
  const error = run.stderr.slice(run.stderr.indexOf('flowkit raw spec: '))
  t.match(error, /^flowkit raw spec: \S*crash\.mjs:2\n/, 'the error starts where Node starts its report')
  t.match(error, /\nError: cannot parse the endpoint config\n    at /, 'and holds the exception with its stack')
  t.match(error, /Node\.js v\d+.*\(connector failed: exit code 1\)\n$/s)
})

t.test('a command that does not exist fails naming it', async (t) => {
  const source = helloCopy(dir, 'no-command.flow.yaml', (_catalog, local) => (local.command = ['flowkit-no-such-connector']))
  const run = await runCli(['raw', 'spec', '--source', source])
  t.equal(run.code, 1)
  t.equal(run.stderr, 'flowkit raw spec: cannot start the connector command "flowkit-no-such-connector": no such program\n')
})

t.test('an image endpoint without a Docker engine fails, suggesting a local endpoint', async (t) => {
  const source = helloCopy(dir, 'image.flow.yaml', (catalog) => {
    catalog.captures['acmeCo/source-hello'].endpoint = { connector: { image: 'ghcr.io/acmeco/source-hello:v1', config: { count: 1 } } }
  })
  // An empty PATH: no docker to find, whatever this machine has.
  const run = await runCli(['raw', 'spec', '--source', source], { env: { ...process.env, PATH: join(dir, 'empty-path') } })
  t.equal(run.code, 1)
  t.match(run.stderr, /^flowkit raw spec: cannot run the image ghcr\.io\/acmeco\/source-hello:v1: image endpoints need a running Docker engine/)
  t.equal(run.stderr.split('\n').length, 2, 'one line')
  t.match(run.stderr, /docker is not installed/)
  t.match(run.stderr, /local endpoint/)
})

t.test('usage errors exit 2', async (t) => {
  const [noSource, unknown, level, help, top] = await Promise.all([
    runCli(['raw', 'spec']),
    runCli(['raw', 'capture', '--source', helloCatalog]),
    runCli(['raw', 'spec', '--source', helloCatalog, '--log-level', 'loud']),
    runCli(['raw', '--help']),
    runCli(['--help']),
  ])
  t.equal(noSource.code, 2)
  t.match(noSource.stderr, /^flowkit raw spec: --source is required/)
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /^flowkit raw: unknown request "capture"; expected one of spec, discover, validate, apply/)
  t.equal(level.code, 2)
  t.match(level.stderr, /--log-level must be one of error, warn, info, debug, trace/)
  t.equal(help.code, 0)
  t.match(help.stdout, /^usage: flowkit raw spec\|discover\|validate\|apply --source FILE/)
  t.match(top.stdout, /raw spec\|discover\|validate\|apply/)
  t.match(top.stdout, /preview/)
  t.match(top.stdout, /transcode/)
})
