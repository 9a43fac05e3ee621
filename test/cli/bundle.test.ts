// flowkit bundle: a connector as one file that runs under plain node from a directory with no
// node_modules (a native addon kept external and installed beside it), in both codecs.
import t from 'tap'
import Database from 'better-sqlite3'
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { helloCopy, jsonLines, root, runCli, tempDir } from '../helpers/cli.ts'
import { startMaterialization } from '../helpers/connector-process.ts'

t.test('a capture bundled into one file runs under plain node, outside the project', async (t) => {
  const dir = tempDir()
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = join(dir, 'image', 'connector.mjs')
  const built = await runCli(['bundle', 'examples/source-hello/main.ts', '-o', out])
  t.equal(built.code, 0, built.stderr)
  t.match(built.stdout, /^wrote .*connector\.mjs \(\d+ KiB\)\n$/)
  t.ok(existsSync(`${out}.map`), 'a source map beside it')
  t.notMatch(readFileSync(out, 'utf8'), /from ["']flowkit\//, 'flowkit is inside the bundle, not imported')
  for (const codec of ['json', 'proto']) {
    const catalog = helloCopy(dir, `flow-${codec}.yaml`, (_catalog, local) => {
      local.command = ['node', out]
      local.config = { count: 5, checkpointEvery: 5 }
      local.protobuf = codec === 'proto'
    })
    const run = await runCli(['preview', '--source', catalog, '--sessions', '1'])
    t.equal(run.code, 0, run.stderr)
    t.equal(jsonLines(run.stdout).length, 10, `${codec}: five documents of each binding`)
  }
})

t.test('a native addon stays external and is loaded from beside the bundle', async (t) => {
  const dir = tempDir()
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = join(dir, 'connector.mjs')
  const built = await runCli(['bundle', 'examples/materialize-sqlite/main.ts', '-o', out, '--external', 'better-sqlite3', '--no-sourcemap'])
  t.equal(built.code, 0, built.stderr)
  t.notOk(existsSync(`${out}.map`))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(join(root, 'node_modules', 'better-sqlite3'), join(dir, 'node_modules', 'better-sqlite3'))
  for (const codec of ['json', 'proto'] as const) {
    const path = join(dir, `${codec}.db`)
    const c = startMaterialization([out], codec)
    c.send({
      apply: {
        materialization: {
          name: 'acmeCo/sqlite',
          configJson: JSON.stringify({ path }),
          bindings: [{ resourceConfigJson: '{"table":"things"}', resourcePath: ['things'], collection: { name: 'acmeCo/things', key: ['/id'], projections: [{ field: 'id', ptr: '/id', isPrimaryKey: true, inference: { types: ['integer'] } }] }, fieldSelection: { keys: ['id'], document: 'flow_document' } }],
        },
        version: 'v1',
      },
    })
    c.end()
    const [applied] = await c.rest()
    t.equal(applied?.applied?.actionDescription, 'created table things', codec)
    t.equal((await c.exited).code, 0)
    const db = new Database(path, { readonly: true })
    t.same(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all(), [{ name: 'flow_checkpoints' }, { name: 'things' }])
    db.close()
  }
})

t.test('bad arguments and entries that do not build are clear errors', async (t) => {
  const none = await runCli(['bundle'])
  t.equal(none.code, 2)
  t.match(none.stderr, /the connector's main file is required/)
  const missing = await runCli(['bundle', 'examples/nothing-here.ts', '-o', join(tempDir(), 'x.mjs')])
  t.equal(missing.code, 1)
  t.match(missing.stderr, /cannot bundle examples\/nothing-here\.ts: Could not resolve/)
})
