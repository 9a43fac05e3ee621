// A connector whose stderr reader has gone away (the runtime that read its logs was killed)
// carries on and ends as it would have: a log line that cannot be written is dropped, not an
// uncaught EPIPE whose own report, written to the same stderr, fails the same way without end.
// The Airbyte shim shows it: it logs every line its source writes on stderr.
import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { root } from '../helpers/cli.ts'

const source = fileURLToPath(new URL('../fixtures/airbyte/source.py', import.meta.url))
const capture = {
  name: 'acmeCo/airbyte',
  connectorType: 8,
  config: { api_key: 'k', count: 20, every: 5, scenario: 'secret-log' },
  bindings: [{ resourceConfig: { stream: 'users', syncMode: 'incremental', cursorField: ['updated'] }, resourcePath: ['users'], collection: { name: 'acmeCo/users', key: ['/id'], writeSchema: { type: 'object' } }, stateKey: 'users.v1' }],
}
const open = { capture, version: 'v1', range: { keyEnd: 4294967295, rClockEnd: 4294967295 }, state: {} }

t.test('with its stderr closed, a shim whose source writes to stderr runs its session to the end and exits 0', async (t) => {
  const command = [process.execPath, 'bin/flowkit.js', 'shim', 'airbyte', '--', 'python3', source]
  const child = spawn(command[0] as string, command.slice(1), { cwd: root, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, FLOW_RUNTIME_CODEC: 'json', LOG_LEVEL: 'info' } })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  child.stderr.destroy()
  child.stdin.on('error', () => {})
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stdout.on('end', () => child.stdin.end())
  child.stdin.write(JSON.stringify({ spec: { connectorType: 8, config: {} } }) + '\n')
  child.stdin.write(JSON.stringify({ open }) + '\n')
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  const exit = await exited
  clearTimeout(timer)
  t.same(exit, { code: 0, signal: null }, 'it exited 0 by itself')
  const lines = output.trim().split('\n')
  t.equal(lines.filter((line) => line.startsWith('{"captured"')).length, 20, 'every record was captured')
  t.match(lines.at(-1), /^\{"checkpoint"/, 'the output ends with the last checkpoint')
})
