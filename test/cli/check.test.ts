// `flowkit check`: it passes on every example capture (a flowkit connector, the Airbyte shim,
// the Singer shim), and fails, printing the broken rule's line, on a fixture connector that
// breaks one rule (test/testing/check-capture.test.ts has one fixture per rule).
import t from 'tap'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import { root, runCli, tempDir, type Run } from '../helpers/cli.ts'

const dir = tempDir()
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const CHECKS = ['spec', 'discover', 'validate', 'apply', 'session-opened', 'session-checkpoints', 'session-documents', 'resume', 'acknowledgements', 'sigterm']
const LINE = /^(pass|FAIL|skip) {2}([a-z-]+): (.+)$/

/** The check lines of a run's output, by check name. */
function linesOf(run: Run): Map<string, { status: string; reason: string }> {
  const lines = new Map<string, { status: string; reason: string }>()
  for (const line of run.stdout.split('\n').slice(0, -2)) {
    const match = LINE.exec(line)
    if (match) lines.set(match[2] as string, { status: match[1] as string, reason: match[3] as string })
  }
  return lines
}

// The examples run at once: each check starts a dozen connector processes.
const examples = ['source-hello', 'airbyte-hello', 'singer-hello'].map((name) => ({ name, run: runCli(['check', '--source', join(root, 'examples', name, 'flow.yaml')]) }))

for (const { name, run } of examples) {
  t.test(`every check passes on examples/${name}`, async (t) => {
    const result = await run
    t.equal(result.code, 0, result.stdout + result.stderr)
    const lines = linesOf(result)
    t.same([...lines.keys()], CHECKS, 'one line per check, in order')
    for (const [check, { status, reason }] of lines) t.equal(status, 'pass', `${check}: ${reason}`)
    t.match(result.stdout, /\n10 checks: 10 passed, 0 failed, 0 skipped\n$/)
  })
}

const fixture = fileURLToPath(new URL('../fixtures/check/connector.mjs', import.meta.url))
const schema = { type: 'object', properties: { id: { type: 'integer' }, n: { type: 'integer' } }, required: ['id'] }

t.test('flowkit check prints the failing line and exits 1; usage errors exit 2', async (t) => {
  const catalog = join(dir, 'duplicate-paths.flow.yaml')
  const collection = { key: ['/id'], schema }
  writeFileSync(
    catalog,
    stringify({
      captures: {
        'acmeCo/check-fixture': {
          endpoint: { local: { command: [process.execPath, fixture], config: { count: 4 }, env: { BREAK: 'duplicate-paths' } } },
          bindings: [
            { resource: { name: 'things' }, target: 'acmeCo/things' },
            { resource: { name: 'others' }, target: 'acmeCo/others' },
          ],
        },
      },
      collections: { 'acmeCo/things': collection, 'acmeCo/others': collection },
    }),
  )
  const run = await runCli(['check', '--source', catalog])
  t.equal(run.code, 1, run.stderr)
  t.match(run.stdout, /^FAIL {2}validate: bindings 0 and 1 have the same resource path \["same"\]$/m)
  t.match(run.stdout, /\n10 checks: 9 passed, 1 failed, 0 skipped\n$/)

  const usage = await runCli(['check'])
  t.equal(usage.code, 2)
  t.match(usage.stderr, /^flowkit check: --source is required/)
})
