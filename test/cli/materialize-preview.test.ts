// `flowkit raw spec|validate|apply --materialization` and `flowkit preview --materialization`
// run as a user runs them, on a copy of examples/materialize-sqlite/flow.yaml whose SQLite file
// is in a temporary directory: the responses, and a capture piped into the materialization.
import t from 'tap'
import Database from 'better-sqlite3'
import { spawn } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { flowkit, helloCatalog, root, runCli, tempDir } from '../helpers/cli.ts'

const dir = tempDir()
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const db = join(dir, 'hello.sqlite')

/** The example catalog, its SQLite file moved into the temporary directory. */
function sqliteCopy(): string {
  const catalog = parse(readFileSync(join(root, 'examples/materialize-sqlite/flow.yaml'), 'utf8'))
  catalog.import = [helloCatalog]
  catalog.materializations['acmeCo/hello-sqlite'].endpoint.local.config.path = db
  const path = join(dir, 'flow.yaml')
  writeFileSync(path, stringify(catalog))
  return path
}
const source = sqliteCopy()
const task = ['--source', source, '--materialization', 'acmeCo/hello-sqlite']

t.test('raw spec, validate and apply print one response each', async (t) => {
  const spec = await runCli(['raw', 'spec', ...task])
  t.equal(spec.code, 0, spec.stderr)
  t.match(JSON.parse(spec.stdout), { spec: { protocol: 3032023, resourceConfigSchema: { properties: { table: { 'x-collection-name': true } } } } })
  const validate = await runCli(['raw', 'validate', ...task])
  t.equal(validate.code, 0, validate.stderr)
  const validated = JSON.parse(validate.stdout).validated
  t.same(validated.bindings.map((b: any) => [b.resourcePath, b.deltaUpdates ?? false]), [[['greetings'], false], [['events'], true]])
  t.equal(validated.bindings[0].constraints.id.type, 'LOCATION_REQUIRED')
  const apply = await runCli(['raw', 'apply', ...task])
  t.equal(apply.code, 0, apply.stderr)
  t.same(JSON.parse(apply.stdout), { applied: { actionDescription: 'created table greetings; created table events' } })
  const discover = await runCli(['raw', 'discover', ...task])
  t.equal(discover.code, 2)
  t.match(discover.stderr, /a materialization has no discover/)
})

t.test('a capture piped into the materialization, as a user runs it', async (t) => {
  const capture = spawn(process.execPath, [flowkit, 'preview', '--source', helloCatalog, '--status-interval', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
  const materialize = spawn(process.execPath, [flowkit, 'preview', ...task, '--input', '-', '--state-file', join(dir, 'state.json')], { cwd: root, stdio: ['pipe', 'ignore', 'pipe'] })
  capture.stdout.pipe(materialize.stdin)
  let stderr = ''
  materialize.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [captured, materialized] = await Promise.all([capture, materialize].map((child) => new Promise<number | null>((resolve) => child.on('close', resolve))))
  t.equal(captured, 0)
  t.equal(materialized, 0, stderr)
  t.match(stderr, /^flowkit preview: transaction 1: 1000 documents in \(0 skipped\), 1000 keys, 0 loaded, 0 found, 1000 stored, 0 deleted; input through line 1000$/m)
  t.match(stderr, /^flowkit preview: 4000 documents in 4 transactions; 0 skipped \(of collections no binding reads\); input committed through line 4000$/m)

  const sqlite = new Database(db, { readonly: true })
  t.teardown(() => sqlite.close())
  const greetings = sqlite.prepare('SELECT * FROM greetings ORDER BY id').all() as Record<string, unknown>[]
  t.same(greetings.map((row) => row.id), Array.from({ length: 2000 }, (_, i) => i + 1))
  t.same(Object.keys(greetings[0] ?? {}).sort(), ['flow_document', 'id', 'message', 'stream', 'ts'], 'pad is excluded by the binding')
  t.equal((sqlite.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n, 2000, 'the delta-updates table has a row per document')
  t.same(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).readThrough, 4000)
})

t.test('usage errors', async (t) => {
  const noInput = await runCli(['preview', ...task])
  t.equal(noInput.code, 2)
  t.match(noInput.stderr, /--input is required/)
  const both = await runCli(['preview', ...task, '--capture', 'x', '--input', '-'])
  t.equal(both.code, 2)
  t.match(both.stderr, /--capture and --materialization name different tasks/)
})
