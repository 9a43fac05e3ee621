// `flowkit raw spec|validate --derivation` and `flowkit preview --derivation` run as a user runs
// them on examples/derive-balances, in both codecs: the responses; the balances published per
// transaction equal a computation written independently of the example (overdrafts refused);
// a run killed mid-way and started again over the same input ends with the balances of an
// uninterrupted run; flowctl's fixture shape gives the same balances.
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { flowkit, jsonLines, root, runCli, tempDir } from '../helpers/cli.ts'

const dir = tempDir()
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const catalog = join(root, 'examples/derive-balances/flow.yaml')
const task = ['--source', catalog, '--derivation', 'acmeCo/balances']

interface Transfer {
  id: number
  sender: string
  recipient: string
  amount: number
}

/** Transfers among five accounts, a good share of them overdrafts; the same every run. */
function transfers(count: number): Transfer[] {
  const accounts = ['ann', 'ben', 'cat', 'dan', 'eve']
  let x = 12345
  const next = (n: number) => (x = (x * 48271) % 2147483647) % n
  return Array.from({ length: count }, (_, id) => {
    const sender = accounts[next(5)] as string
    const recipient = accounts[(accounts.indexOf(sender) + 1 + next(4)) % 5] as string
    return { id, sender, recipient, amount: 5 + next(120) }
  })
}

/** What a preview with `perTransaction` documents per transaction must print, computed from the rules alone. */
function expectedOutput(list: readonly Transfer[], perTransaction: number) {
  const balances = new Map<string, number>()
  const lines: [string, { account: string; balance: number }][] = []
  let refused = 0
  for (let start = 0; start < list.length; start += perTransaction) {
    const touched = new Set<string>()
    for (const { sender, recipient, amount } of list.slice(start, start + perTransaction)) {
      for (const account of [sender, recipient]) {
        touched.add(account)
        if (!balances.has(account)) balances.set(account, 100)
      }
      if ((balances.get(sender) as number) < amount) {
        refused++
        continue
      }
      balances.set(sender, (balances.get(sender) as number) - amount)
      balances.set(recipient, (balances.get(recipient) as number) + amount)
    }
    for (const account of [...touched].sort()) lines.push(['acmeCo/balances', { account, balance: balances.get(account) as number }])
  }
  return { lines, balances: Object.fromEntries([...balances].sort()), refused }
}

/** The last balance printed per account: what a reader of the derived collection ends with. */
function finalBalances(lines: readonly unknown[]): Record<string, number> {
  const out = new Map<string, number>()
  for (const line of lines as [string, { account: string; balance: number }][]) out.set(line[1].account, line[1].balance)
  return Object.fromEntries([...out].sort())
}

const list = transfers(300)
const inputFile = join(dir, 'transfers.jsonl')
writeFileSync(inputFile, list.map((transfer) => JSON.stringify(['acmeCo/transfers', transfer]) + '\n').join(''))
const expected = expectedOutput(list, 7)

/** Exit 0, with the stderr of a run that did not. */
const exitsZero = (t: Test, run: { code: number | null; stderr: string }) => t.equal(run.code, 0, run.code === 0 ? 'exits 0' : run.stderr)

t.test('raw spec and validate print one response each', async (t) => {
  const [spec, validate] = await Promise.all([runCli(['raw', 'spec', ...task]), runCli(['raw', 'validate', ...task])])
  exitsZero(t, spec)
  t.match(JSON.parse(spec.stdout), { spec: { protocol: 3032023, configSchema: { properties: { initialBalance: { default: 100 } } } } })
  exitsZero(t, validate)
  const validated = JSON.parse(validate.stdout).validated
  t.same(validated.transforms, [{}])
  t.match(Object.keys(validated.generatedFiles), [/\/examples\/derive-balances\/flow_generated\/flowkit\/acmeCo\/balances\/fromTransfers\.ts$/], 'stubs under the catalog directory')
})

t.test('the balances of each transaction, as computed from the transfers: JSON lines over the JSON codec, a fixture (flowctl shape) over protobuf', async (t) => {
  const fixture = join(dir, 'fixture.json')
  const groups: unknown[][] = []
  for (let start = 0; start < list.length; start += 7) groups.push(list.slice(start, start + 7).map((transfer) => ['acmeCo/transfers', transfer]))
  writeFileSync(fixture, JSON.stringify(groups))
  const [lines, fixed] = await Promise.all([
    runCli(['preview', ...task, '--input', inputFile, '--transaction-docs', '7', '--codec', 'json']),
    runCli(['preview', ...task, '--fixture', fixture, '--codec', 'proto']),
  ])
  t.ok(expected.refused > 20, `the transfers include overdrafts (${expected.refused})`)
  exitsZero(t, lines)
  t.same(jsonLines(lines.stdout), expected.lines, 'every transaction prints the balance of each account it touched')
  t.match(lines.stderr, /^flowkit preview: 300 documents in 43 transactions; 0 skipped \(of collections no transform reads\); input committed through 300$/m)
  exitsZero(t, fixed)
  t.same(jsonLines(fixed.stdout), expected.lines, 'the same from the fixture, a transaction per element')
  t.match(fixed.stderr, /^flowkit preview: 300 documents in 43 transactions; .*input committed through 43$/m)
})

/** Starts a preview over stdin with a state file; resolves with its stdout once `until` says to kill it. */
function killedRun(stateFile: string, until: (stdout: string) => boolean): Promise<string> {
  const child = spawn(process.execPath, [flowkit, 'preview', ...task, '--input', '-', '--transaction-docs', '7', '--codec', 'proto', '--state-file', stateFile], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] })
  child.stdin.write(list.slice(0, 200).map((transfer) => JSON.stringify(['acmeCo/transfers', transfer]) + '\n').join(''))
  let stdout = ''
  child.stderr.resume()
  return new Promise((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (until(stdout) && child.exitCode === null) child.kill('SIGKILL')
    })
    child.on('close', () => resolve(stdout))
  })
}

t.test('killed mid-run (SIGKILL) and run again from its state file, it ends with the balances of an uninterrupted run', async (t) => {
  const stateFile = join(dir, 'state.json')
  const first = await killedRun(stateFile, (stdout) => stdout.split('\n').length > 30)
  const committed = JSON.parse(readFileSync(stateFile, 'utf8'))
  t.ok(committed.readThrough > 0 && committed.readThrough < 300, `the first run committed part of the input (${committed.readThrough} lines)`)
  const second = await runCli(['preview', ...task, '--input', inputFile, '--transaction-docs', '7', '--codec', 'proto', '--state-file', stateFile])
  exitsZero(t, second)
  t.match(second.stderr, new RegExp(`resuming after input ${committed.readThrough}`))
  t.same(finalBalances([...jsonLines(first), ...jsonLines(second.stdout)]), expected.balances, 'the final balances')
  t.same(finalBalances(expected.lines), expected.balances)
  t.same(JSON.parse(readFileSync(stateFile, 'utf8')), { readThrough: 300, connectorState: { balances: expected.balances }, pending: [] }, 'the state file holds every balance')
})

t.test('usage errors', async (t) => {
  const [none, both, tasks, apply] = await Promise.all([
    runCli(['preview', ...task]),
    runCli(['preview', ...task, '--input', inputFile, '--fixture', inputFile]),
    runCli(['preview', ...task, '--capture', 'x', '--input', '-']),
    runCli(['raw', 'apply', ...task]),
  ])
  t.equal(none.code, 2)
  t.match(none.stderr, /give one of --input .* and --fixture/)
  t.equal(both.code, 2)
  t.equal(tasks.code, 2)
  t.match(tasks.stderr, /--derivation and --capture name different tasks/)
  t.equal(apply.code, 2)
  t.match(apply.stderr, /a derivation has no apply; run spec or validate/)
})
