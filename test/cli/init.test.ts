// `flowkit init`: the command line (kinds, a directory that is not empty, help), then, for each
// kind, the project it writes used as a user would: installed with the packed flowkit tarball,
// `npm start` (a preview session), `npm test` (its node:test file over flowkit/testing) and
// `npm run build` (strict tsc over main.ts and the test). Needs `npm run build` first (`npm test`
// does it) and python3 for the airbyte and singer kinds.
import t from 'tap'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { init, namesFor, parseInitArgs } from '../../lib/cli/init.ts'
import { root, runCli, type Run } from '../helpers/cli.ts'
import { describeRun, installTarball, packageTempDir, packFlowkit, runCommand, userEnv } from '../helpers/package.ts'

t.setTimeout(600_000)
const dir = packageTempDir('init')
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}
const python = await runCommand('python3', ['--version'], { cwd: dir }).catch(() => undefined)
const hasPython = python?.code === 0

const greetings = Array.from({ length: 5 }, (_, i) => ['acmeCo/greetings', { id: i + 1, message: `hello #${i + 1}` }])
const commonFiles = ['package.json', 'tsconfig.json', 'main.ts', 'flow.yaml', 'test/main.test.ts', 'Dockerfile', '.dockerignore', '.gitignore', 'README.md']

/** What a user runs in a new project, in order; stops at the first command that fails. */
interface ProjectRuns {
  readonly project: string
  readonly steps: [string, Run][]
}

/** The projects run at once on a machine of two cores: give each command room. */
const timeoutMs = 300_000

async function useProject(kind: Kind, tarball: string): Promise<ProjectRuns> {
  const project = join(dir, `${kind}-connector`)
  const steps: [string, Run][] = []
  const commands: [string, () => Promise<Run>][] = [
    ['flowkit init', () => runCli(['init', project, '--kind', kind])],
    ['npm install', () => installTarball(project, tarball)],
    ['npm start', () => runCommand('npm', ['start'], { cwd: project, timeoutMs })],
    ['npm test', () => runCommand('npm', ['test'], { cwd: project, timeoutMs })],
    ['npm run build', () => runCommand('npm', ['run', 'build'], { cwd: project, timeoutMs })],
    ['npm run bundle', () => runCommand('npm', ['run', 'bundle'], { cwd: project, timeoutMs })],
    ['the bundle answers Spec', () => runCommand('node', ['dist/connector.mjs'], { cwd: project, env: userEnv({ FLOW_RUNTIME_CODEC: 'json' }), input: '{"spec":{"connectorType":"IMAGE","config":{}}}\n' })],
  ]
  for (const [name, command] of commands) {
    const run = await command().catch((error: unknown): Run => ({ code: null, stdout: '', stderr: String(error) }))
    steps.push([name, run])
    if (run.code !== 0) break
  }
  return { project, steps }
}

const kinds = ['capture', 'airbyte', 'singer', 'materialize', 'derive'] as const
type Kind = (typeof kinds)[number]
const skipOf = (kind: Kind) => ((kind === 'airbyte' || kind === 'singer') && !hasPython ? 'python3 is not on the PATH' : false)

// The kinds' projects are made, installed and run at the same time; each test awaits its own.
const packed = await packFlowkit(dir)
const used = new Map(kinds.filter((kind) => skipOf(kind) === false).map((kind) => [kind, useProject(kind, packed.tarball)]))

t.test('init refuses a directory that holds anything, or a file, and writes nothing', async (t) => {
  const full = join(dir, 'full')
  mkdirSync(full)
  writeFileSync(join(full, 'notes.txt'), 'mine\n')
  const file = join(dir, 'a-file')
  writeFileSync(file, '')
  const [onFull, onFile] = await Promise.all([runCli(['init', full]), runCli(['init', file, '--kind', 'airbyte'])])
  t.equal(onFull.code, 1)
  t.equal(onFull.stderr, `flowkit init: ${full} is not empty (it holds notes.txt): flowkit init writes a project only into a new or empty directory\n`)
  t.same(readdirSync(full), ['notes.txt'])
  t.equal(onFile.code, 1)
  t.equal(onFile.stderr, `flowkit init: ${file} is a file: flowkit init writes a project into a new or empty directory\n`)
  t.throws(() => init({ dir: 'full', kind: 'capture' }, dir), { name: 'ArgumentError', code: 'ARGUMENT_INVALID' })
})

t.test('init takes one directory and a known kind', async (t) => {
  const kind = await runCli(['init', join(dir, 'x'), '--kind', 'source'])
  t.equal(kind.code, 2)
  t.equal(kind.stderr, 'flowkit init: --kind must be one of capture, airbyte, singer, materialize, derive; got "source"\n')
  t.notOk(existsSync(join(dir, 'x')), 'nothing created')
  t.throws(() => parseInitArgs(['a', 'b']), { name: 'UsageError', message: 'flowkit init takes one directory; got "a", "b"' })
  t.throws(() => parseInitArgs(['--kind']), { name: 'UsageError', message: /^Option '--kind <value>' argument missing\n\nusage: flowkit init/ })
  t.same(parseInitArgs([]), { dir: '.', kind: 'capture' })
  t.same(parseInitArgs(['--kind', 'singer', 'here']), { dir: 'here', kind: 'singer' })
  t.same(namesFor('/somewhere/My Source_2.0!'), { packageName: 'my-source_2.0', taskName: 'acmeCo/my-source_2.0' })
  t.same(namesFor('/somewhere/__'), { packageName: 'flow-connector', taskName: 'acmeCo/flow-connector' })
})

t.test('init into the current directory when it is empty', async (t) => {
  const here = join(dir, 'here')
  mkdirSync(here)
  const result = init({ dir: '.', kind: 'capture' }, here)
  t.equal(result.dir, here)
  t.same(result.files, commonFiles)
  const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'))
  t.equal(pkg.name, 'here')
  t.same(pkg.dependencies, { flowkit: `^${manifest.version}`, typebox: manifest.dependencies.typebox })
  t.match(readFileSync(join(here, 'flow.yaml'), 'utf8'), /^ {2}acmeCo\/here:$/m)
})

const taskScripts = (flag: 'materialization' | 'derivation', name: string) => ({
  start: `flowkit preview --source flow.yaml --${flag} acmeCo/${name} --input documents.jsonl`,
  test: 'node --import tsx --test test/*.test.ts',
  build: 'tsc',
  bundle: 'flowkit bundle main.ts -o dist/connector.mjs',
  spec: `flowkit raw spec --source flow.yaml --${flag} acmeCo/${name}`,
  validate: `flowkit raw validate --source flow.yaml --${flag} acmeCo/${name}`,
})
const captureScripts = {
  start: 'flowkit preview --source flow.yaml --sessions 1',
  test: 'node --import tsx --test test/*.test.ts',
  build: 'tsc',
  bundle: 'flowkit bundle main.ts -o dist/connector.mjs',
  spec: 'flowkit raw spec --source flow.yaml',
  discover: 'flowkit raw discover --source flow.yaml',
}
const extraFiles: Record<Kind, string[]> = { capture: [], airbyte: ['source.py'], singer: ['tap.py'], materialize: [], derive: [] }

for (const kind of kinds) {
  t.test(`${kind}: the project installs from the tarball; npm start, npm test, npm run build and npm run bundle pass`, { skip: skipOf(kind) }, async (t) => {
    const { project, steps } = await (used.get(kind) as Promise<ProjectRuns>)
    for (const [name, run] of steps) t.equal(run.code, 0, describeRun(name, run))
    if (steps.length < 7 || steps.some(([, run]) => run.code !== 0)) return
    const [[, init], , [, start], [, test], , , [, bundled]] = steps as [string, Run][] as [[string, Run], [string, Run], [string, Run], [string, Run], [string, Run], [string, Run], [string, Run]]

    const name = `${kind}-connector`
    const files = [...commonFiles.slice(0, 3), ...extraFiles[kind], 'flow.yaml', ...(kind === 'materialize' || kind === 'derive' ? ['documents.jsonl'] : []), ...commonFiles.slice(4)]
    t.equal(init.stdout.split('\nNext:')[0], `Created ${kind === 'airbyte' ? 'an' : 'a'} ${kind} connector project in ${relative(root, project)}:\n${files.map((file) => `  ${file}\n`).join('')}`)
    t.match(init.stdout, /\nNext:\n {2}cd .*\n {2}npm install\n {2}npm start\n {2}npm test\n/)

    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'))
    t.equal(pkg.name, name)
    t.equal(pkg.type, 'module')
    t.match(pkg.dependencies.flowkit, /^file:/, 'npm install put the tarball in place of the version range')
    t.same(pkg.devDependencies, { '@types/node': manifest.devDependencies['@types/node'], esbuild: manifest.devDependencies.esbuild, tsx: manifest.dependencies.tsx, typescript: manifest.devDependencies.typescript })
    t.same(pkg.scripts, kind === 'materialize' ? taskScripts('materialization', name) : kind === 'derive' ? taskScripts('derivation', name) : captureScripts)
    const dockerfile = readFileSync(join(project, 'Dockerfile'), 'utf8')
    t.match(dockerfile, /^FROM node:20-slim AS build$/m)
    t.match(dockerfile, /^RUN npm ci --omit=dev/m)
    t.match(dockerfile, /^USER node$/m)
    t.match(dockerfile, new RegExp(`^LABEL FLOW_RUNTIME_PROTOCOL=${kind === 'materialize' || kind === 'derive' ? kind : 'capture'}$`, 'm'))
    t.match(dockerfile, /^ENTRYPOINT \["node", "--enable-source-maps", "dist\/main\.js"\]$/m)

    if (kind === 'materialize') {
      const rows = JSON.parse(readFileSync(join(project, 'materialized.json'), 'utf8')).tables.greetings
      t.same(rows, {
        '[1]': { id: 1, count: 3, message: 'hello again #1', flow_document: { count: 3, id: 1, message: 'hello again #1' } },
        '[2]': { id: 2, count: 1, message: 'hello #2', flow_document: { count: 1, id: 2, message: 'hello #2' } },
      }, 'npm start materialized documents.jsonl: key 1 reduced (count summed), key 3 deleted')
      t.match(start.stderr, /transaction 1: 5 documents in \(0 skipped\), 3 keys, 0 loaded, 0 found, 2 stored/)
      t.match(test.stdout, /^# pass 2$/m, 'npm test passes its two tests')
    } else if (kind === 'derive') {
      const published = start.stdout.split('\n').filter((line) => line.startsWith('[')).map((line) => JSON.parse(line))
      const counts = Object.fromEntries(published.map(([collection, doc]: [string, { word: string; count: number }]) => [`${collection} ${doc.word}`, doc.count]))
      t.same(counts, { 'acmeCo/derive-connector again': 1, 'acmeCo/derive-connector goodbye': 1, 'acmeCo/derive-connector hello': 2, 'acmeCo/derive-connector hi': 1, 'acmeCo/derive-connector world': 2 }, 'npm start prints the words of documents.jsonl, counted')
      t.match(test.stdout, /^# pass 2$/m, 'npm test passes its two tests')
    } else {
      const documents = start.stdout
        .split('\n')
        .filter((line) => line.startsWith('['))
        .map((line) => JSON.parse(line))
      t.same(documents, greetings, 'npm start prints the five documents of one session')
      t.match(start.stderr, /capture session ended/)
      t.match(test.stdout, /^# pass 3$/m, 'npm test passes its three tests')
    }
    t.match(test.stdout, /^# fail 0$/m)
    t.ok(existsSync(join(project, 'dist', 'main.js')), 'npm run build compiled dist/main.js, which the Dockerfile runs')
    const spec = JSON.parse(bundled.stdout.split('\n')[0] ?? '{}')
    t.equal(spec.spec?.configSchema?.type, 'object', 'the bundle, run by plain node, answers Spec with its config schema')
  })
}
