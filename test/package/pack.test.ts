// flowkit as a user installs it: `npm pack`, a fresh project in a temp dir that installs the
// tarball, a capture written in TypeScript against flowkit/capture, type-checked under a strict
// `module: nodenext` tsconfig and compiled with tsc, then `npx flowkit raw spec` and
// `npx flowkit preview` run against the compiled connector under plain node (and once against
// the .ts source through tsx); `npx flowkit init` there writes a project at the installed
// version. Needs `npm run build` first (`npm test` does it).
import t from 'tap'
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { root } from '../helpers/cli.ts'
import { describeRun, installTarball, nodeTypes, packageTempDir, packFlowkit, runCommand, tsc } from '../helpers/package.ts'

t.setTimeout(300_000)
const dir = packageTempDir('pack')
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const project = join(dir, 'user-connector')
mkdirSync(project)
const packed = await packFlowkit(dir)
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string
  exports: Record<string, string | Record<string, string>>
  bin: Record<string, string>
  devDependencies: Record<string, string>
}

const files: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'user-connector', version: '1.0.0', private: true, type: 'module' }, null, 2),
  'tsconfig.json': JSON.stringify(
    {
      compilerOptions: {
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types: ['node'],
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        verbatimModuleSyntax: true,
        skipLibCheck: true,
      },
      include: ['main.ts'],
    },
    null,
    2,
  ),
  'main.ts': `import Type from 'typebox'
import { capture, checkpoint, document, runCapture } from 'flowkit/capture'

const Config = Type.Object({
  prefix: Type.String({ default: 'thing', description: 'Prefix of every name.' }),
  count: Type.Integer({ minimum: 1, default: 3 }),
})

const connector = capture({
  config: Config,
  resource: Type.Object({ name: Type.String() }),
  documentationUrl: 'https://example.com/user-connector',
  resourcePathPointers: ['/name'],
  async discover({ config }) {
    const prefix: string = config.prefix
    return [{ recommendedName: prefix + 's', resourceConfig: { name: prefix + 's' }, documentSchema: { type: 'object' }, key: ['/id'] }]
  },
  async *open({ config, bindings, state }) {
    const count: number = config.count
    let next = typeof state.next === 'number' ? state.next : 1
    for (const binding of bindings) {
      for (let i = 0; i < count; i++, next++) yield document(binding.index, { id: next, name: config.prefix + '-' + next, resource: binding.resourceConfig.name })
    }
    yield checkpoint({ next })
  },
})

await runCapture(connector)
`,
  // The same connector with a typo in a config property: the typed config must catch it.
  'typo.ts': `import Type from 'typebox'
import { capture } from 'flowkit/capture'

export const connector = capture({
  config: Type.Object({ count: Type.Integer() }),
  resource: Type.Object({ name: Type.String() }),
  documentationUrl: '',
  async discover({ config }) {
    return config.cuont > 0 ? [] : []
  },
  async *open() {},
})
`,
  'tsconfig.check.json': JSON.stringify({ extends: './tsconfig.json', include: ['main.ts', 'typo.ts'] }),
  'flow.yaml': catalog(['node', 'main.js']),
  'tsx.flow.yaml': catalog(['node', '--import', 'tsx', 'main.ts']),
}

function catalog(command: string[]): string {
  return `captures:
  acmeCo/user-connector:
    endpoint:
      local:
        command: ${JSON.stringify(command)}
        config: { prefix: thing, count: 3 }
    bindings:
      - resource: { name: things }
        target: acmeCo/things
collections:
  acmeCo/things:
    key: [/id]
    schema:
      type: object
      properties: { id: { type: integer }, name: { type: string }, resource: { type: string } }
      required: [id, name, resource]
`
}

const expectedDocuments = [1, 2, 3].map((id) => ['acmeCo/things', { id, name: `thing-${id}`, resource: 'things' }])

t.test('the tarball ships the compiled package, its bin and the README; no TypeScript sources', async (t) => {
  const shipped = new Set(packed.files)
  const needed = (path: string) => path.startsWith('dist/') || ['bin/flowkit.js', 'README.md', 'LICENSE', 'package.json'].includes(path)
  t.same(packed.files.filter((path) => !needed(path)), [], 'only dist/, the bin, README.md, LICENSE and package.json')
  t.ok(shipped.has('LICENSE'), 'the license ships with the package')
  t.same(packed.files.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts')), [], 'no TypeScript sources')
  const targets = Object.values(manifest.exports).flatMap((entry) => (typeof entry === 'string' ? [entry] : Object.values(entry)))
  t.same(targets.filter((target) => !shipped.has(target.replace(/^\.\//, ''))), [], 'every exports target is in the tarball')
  for (const path of ['bin/flowkit.js', 'dist/cli/main.js', 'dist/cli/init.js', 'dist/gen/flow.js', 'dist/gen/flow.d.ts']) t.ok(shipped.has(path), `${path} is in the tarball`)
  t.equal(manifest.bin.flowkit, './bin/flowkit.js')
})

t.test('installed into a fresh project from the tarball', { timeout: 180_000 }, async (t) => {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(project, name), text)
  const install = await installTarball(project, packed.tarball)
  t.equal(install.code, 0, describeRun('npm install', install))
  t.ok(existsSync(join(project, 'node_modules', 'flowkit', 'dist', 'capture', 'index.js')), 'flowkit is installed with its dist/')
  t.notOk(existsSync(join(project, 'node_modules', 'flowkit', 'lib')), 'and without lib/: the CLI can only run the compiled code')
  // The project's own @types/node, as a user would have it (this checkout's copy, not downloaded again).
  mkdirSync(join(project, 'node_modules', '@types'), { recursive: true })
  symlinkSync(nodeTypes, join(project, 'node_modules', '@types', 'node'), 'dir')
})

t.test('tsc --noEmit passes the connector under a strict nodenext tsconfig, and fails a typo in a config property', { timeout: 180_000 }, async (t) => {
  const check = await runCommand(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.check.json'], { cwd: project })
  t.equal(check.code, 2, 'tsc fails')
  const diagnostics = check.stdout.split('\n').filter((line) => /^\S+\(\d+,\d+\): error/.test(line))
  t.equal(diagnostics.length, 1, `one diagnostic, in typo.ts:\n${check.stdout}`)
  t.match(diagnostics[0], /^typo\.ts\(\d+,\d+\): error TS(2339|2551): Property 'cuont' does not exist on type '\{ count: number; \}'/)
})

t.test('every subpath of the package imports under plain node', async (t) => {
  const subpaths = Object.keys(manifest.exports).filter((key) => key !== './package.json').map((key) => key.replace(/^\./, 'flowkit'))
  const script = `for (const name of ${JSON.stringify(subpaths)}) console.log(name, Object.keys(await import(name)).length)`
  const run = await runCommand(process.execPath, ['--input-type=module', '-e', script], { cwd: project })
  t.equal(run.code, 0, describeRun('node -e import', run))
  const counts = run.stdout.trim().split('\n').map((line) => line.split(' '))
  t.same(counts.map(([name]) => name), subpaths)
  for (const [name, count] of counts) t.ok(Number(count) > 0, `${name} exports something`)
})

t.test('tsc compiles it; flowkit raw spec and preview run the compiled connector under plain node', { timeout: 180_000 }, async (t) => {
  const build = await runCommand(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project })
  t.equal(build.code, 0, describeRun('tsc', build))
  t.equal(build.stdout, '', 'no diagnostics')
  t.ok(existsSync(join(project, 'main.js')), 'main.js written')

  const help = await runCommand('npx', ['--no-install', 'flowkit', '--help'], { cwd: project })
  t.equal(help.code, 0, describeRun('npx flowkit --help', help))
  t.match(help.stdout, /^usage: flowkit <command>/)
  t.match(help.stdout, /\n {2}init \[DIR\]/)

  const spec = await runCommand('npx', ['--no-install', 'flowkit', 'raw', 'spec', '--source', 'flow.yaml'], { cwd: project })
  t.equal(spec.code, 0, describeRun('flowkit raw spec', spec))
  const response = JSON.parse(spec.stdout)
  t.equal(response.spec.protocol, 3032023)
  t.equal(response.spec.documentationUrl, 'https://example.com/user-connector')
  t.same(response.spec.resourcePathPointers, ['/name'])
  t.same(response.spec.configSchema, {
    type: 'object',
    required: ['prefix', 'count'],
    properties: {
      prefix: { type: 'string', default: 'thing', description: 'Prefix of every name.' },
      count: { type: 'integer', minimum: 1, default: 3 },
    },
  })
  t.same(response.spec.resourceConfigSchema, { type: 'object', required: ['name'], properties: { name: { type: 'string' } } })

  const preview = await runCommand('npx', ['--no-install', 'flowkit', 'preview', '--source', 'flow.yaml', '--sessions', '1', '--output-state'], { cwd: project })
  t.equal(preview.code, 0, describeRun('flowkit preview', preview))
  t.same(
    preview.stdout.trim().split('\n').map((line) => JSON.parse(line)),
    [...expectedDocuments, ['connectorState', { next: 4 }]],
  )
  t.match(preview.stderr, /capture session ended/, 'the connector logged its session')
})

t.test('flowkit init works from the installed package', async (t) => {
  const run = await runCommand('npx', ['--no-install', 'flowkit', 'init', 'next-connector', '--kind', 'singer'], { cwd: project })
  t.equal(run.code, 0, describeRun('npx flowkit init', run))
  t.match(run.stdout, /^Created a singer connector project in next-connector:\n/)
  const pkg = JSON.parse(readFileSync(join(project, 'next-connector', 'package.json'), 'utf8'))
  t.equal(pkg.dependencies.flowkit, `^${manifest.version}`, 'flowkit at the installed version')
  t.equal(pkg.devDependencies.typescript, manifest.devDependencies.typescript)
})

t.test('preview runs the TypeScript source through tsx as well', { timeout: 120_000 }, async (t) => {
  const preview = await runCommand('npx', ['--no-install', 'flowkit', 'preview', '--source', 'tsx.flow.yaml', '--sessions', '1'], { cwd: project })
  t.equal(preview.code, 0, describeRun('flowkit preview (tsx)', preview))
  t.same(
    preview.stdout.trim().split('\n').map((line) => JSON.parse(line)),
    expectedDocuments,
  )
})
