// `flowkit preview`, spawned as a user runs it: sessions that resume from each other's state,
// the state file, documents printed only once committed, connector failures, and a preview
// killed with SIGKILL that loses no committed document when it is run again.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { helloCatalog, helloCopy, jsonLines, runCli, startCli, tempDir } from '../helpers/cli.ts'

const dir = tempDir()
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const catalogs = {
  json: helloCatalog,
  proto: helloCopy(dir, 'proto.flow.yaml', (_catalog, local) => (local.protobuf = true)),
}

type Line = [string, { id: number; stream: string }]

const idsOf = (lines: unknown[], collection: string) => (lines as Line[]).filter(([name]) => name === collection).map(([, doc]) => doc.id)
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
const cursorOf = (state: any, binding: string): number => state.bindingStateV1[`${binding}.v1`].cursor

for (const [codec, source] of Object.entries(catalogs)) {
  t.test(`${codec}: two sessions print every committed document, the second resuming after the first`, async (t) => {
    const stateFile = join(dir, `${codec}.state.json`)
    const run = await runCli(['preview', '--source', source, '--sessions', '2', '--state-file', stateFile, '--output-state'])
    t.equal(run.code, 0, run.stderr)
    const lines = jsonLines(run.stdout) as Line[]
    // source-hello: 2000 documents per binding per session, a checkpoint every 250 of each.
    t.same(idsOf(lines, 'acmeCo/greetings'), range(1, 4000))
    t.same(idsOf(lines, 'acmeCo/events'), range(1, 4000))
    t.ok((lines as Line[]).every(([name, doc]) => name === 'connectorState' || doc.stream === name.slice('acmeCo/'.length)))

    // Each transaction: its documents, then the state it committed.
    const states = lines.flatMap((line, i) => (line[0] === 'connectorState' ? [{ at: i, state: line[1] }] : []))
    t.equal(states.length, 16, '8 checkpoints per session')
    states.forEach(({ at, state }, n) => {
      t.equal(at, (n + 1) * 501 - 1, `state ${n + 1} follows its 500 documents`)
      t.same(state, { bindingStateV1: { 'greetings.v1': { cursor: (n + 1) * 250 }, 'events.v1': { cursor: (n + 1) * 250 } } })
    })
    t.same(JSON.parse(readFileSync(stateFile, 'utf8')), { bindingStateV1: { 'greetings.v1': { cursor: 4000 }, 'events.v1': { cursor: 4000 } } })
    t.notOk(existsSync(`${stateFile}.tmp`), 'no temporary file is left')

    // The connector's logs are readable lines, not JSON.
    t.equal(run.stderr.match(/^INFO capture session opened /gm)?.length, 2)
    t.notMatch(run.stderr, /^\{/m)
  })
}

t.test('a later preview resumes from the state file', async (t) => {
  const stateFile = join(dir, 'resume.state.json')
  writeFileSync(stateFile, JSON.stringify({ bindingStateV1: { 'greetings.v1': { cursor: 4000 }, 'events.v1': { cursor: 10 } } }))
  const run = await runCli(['preview', '--source', helloCatalog, '--state-file', stateFile])
  t.equal(run.code, 0, run.stderr)
  const lines = jsonLines(run.stdout)
  t.same(idsOf(lines, 'acmeCo/greetings'), range(4001, 6000))
  t.same(idsOf(lines, 'acmeCo/events'), range(11, 2010))
  t.notOk(lines.some((line) => (line as Line)[0] === 'connectorState'), 'no state lines without --output-state')
  t.same(JSON.parse(readFileSync(stateFile, 'utf8')), { bindingStateV1: { 'greetings.v1': { cursor: 6000 }, 'events.v1': { cursor: 2010 } } })
})

t.test('--delay pauses between sessions; without a state file the state carries over in memory', async (t) => {
  const source = helloCopy(dir, 'small.flow.yaml', (_catalog, local) => (local.config = { count: 3, checkpointEvery: 2 }))
  const started = Date.now()
  const run = await runCli(['preview', '--source', source, '--sessions', '3', '--delay', '600ms'])
  t.equal(run.code, 0, run.stderr)
  t.ok(Date.now() - started >= 1200, 'two pauses of 600 ms')
  t.same(idsOf(jsonLines(run.stdout), 'acmeCo/events'), range(1, 9))
})

/**
 * A catalog whose connector writes `script` (JSON lines) in answer to Open, then exits with
 * `exit`. Its collections take any object with an `/id`.
 */
function scripted(name: string, script: object[], exit = 0): string {
  return helloCopy(dir, name, (catalog, local) => {
    for (const collection of Object.values<any>(catalog.collections)) collection.schema = { type: 'object' }
    local.command = ['node', '--import', 'tsx', 'test/fixtures/scripted-connector.ts']
    local.env = { SCRIPT: script.map((line) => JSON.stringify(line) + '\n').join(''), SCRIPT_EXIT: String(exit) }
  })
}

t.test('documents after the last checkpoint are not printed, and the session fails', async (t) => {
  const source = scripted('eof-in-checkpoint.flow.yaml', [
    { opened: {} },
    { captured: { doc: { id: 1 } } },
    { checkpoint: { state: { updated: { cursor: 1 }, mergePatch: true } } },
    { captured: { binding: 1, doc: { id: 2 } } },
  ])
  const stateFile = join(dir, 'eof.state.json')
  const run = await runCli(['preview', '--source', source, '--state-file', stateFile])
  t.equal(run.code, 1)
  t.equal(run.stdout, '["acmeCo/greetings",{"id":1}]\n', 'only the committed document')
  t.same(JSON.parse(readFileSync(stateFile, 'utf8')), { cursor: 1 })
  t.match(run.stderr, /flowkit preview: connector protocol error: the connector closed its output, but it was within a checkpoint: 1 document after the last checkpoint were never committed \(after response 5: \{"captured":\{"binding":1,"doc":\{"id":2\}\}\}\)\n$/)
})

t.test('a checkpoint that replaces the state, and one without state', async (t) => {
  const source = scripted('no-state.flow.yaml', [
    { opened: {} },
    { checkpoint: { state: { updated: { a: 1, b: 2 }, mergePatch: true } } },
    { checkpoint: { state: { updated: { c: 3 } } } },
    { captured: { doc: { id: 1 } } },
    { checkpoint: {} },
  ])
  const run = await runCli(['preview', '--source', source, '--output-state'])
  t.equal(run.code, 1)
  t.equal(run.stdout, '["connectorState",{"a":1,"b":2}]\n["connectorState",{"c":3}]\n')
  t.match(run.stderr, /flowkit preview: connector protocol error: a checkpoint must carry a state .* \(response 6: \{"checkpoint":\{\}\}\)\n$/)
})

t.test('a connector that exits non-zero fails with its last log line', async (t) => {
  const source = helloCopy(dir, 'failing.flow.yaml', (_catalog, local) => (local.command = ['node', '--import', 'tsx', 'test/fixtures/failing-connector.ts']))
  const run = await runCli(['preview', '--source', source])
  t.equal(run.code, 1)
  t.equal(run.stdout, '')
  t.match(run.stderr, /\nflowkit preview: cannot reach api\.example\.com: connection refused \(connector failed: exit code 1\)\n$/)
})

t.test('usage errors exit 2', async (t) => {
  const [sessions, delay] = await Promise.all([
    runCli(['preview', '--source', helloCatalog, '--sessions', '0']),
    runCli(['preview', '--source', helloCatalog, '--delay', '30']),
  ])
  t.equal(sessions.code, 2)
  t.match(sessions.stderr, /^flowkit preview: --sessions must be a positive integer; got "0"/)
  t.equal(delay.code, 2)
  t.match(delay.stderr, /^flowkit preview: --delay must be a duration such as 500ms, 30s or 5m; got "30"/)
})

t.test('SIGINT ends the session cleanly: whole transactions printed, the state file matching them', async (t) => {
  const source = helloCopy(dir, 'interrupted.flow.yaml', (_catalog, local) => (local.config = { count: 1_000_000, checkpointEvery: 100, docBytes: 64 }))
  const stateFile = join(dir, 'interrupted.state.json')
  const child = startCli(['preview', '--source', source, '--state-file', stateFile])
  let out = ''
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  child.stdout?.on('data', (chunk: Buffer) => {
    if (out.length === 0) setTimeout(() => child.kill('SIGINT'), 300)
    out += chunk.toString()
  })
  t.equal(await closed, 130)
  t.ok(out.endsWith('\n'), 'the output ends with a whole line')
  const lines = jsonLines(out)
  const greetings = idsOf(lines, 'acmeCo/greetings')
  const cursor = cursorOf(JSON.parse(readFileSync(stateFile, 'utf8')), 'greetings')
  t.ok(cursor > 0 && cursor < 1_000_000 && cursor % 100 === 0, `stopped mid-session at a checkpoint (cursor ${cursor})`)
  t.same(greetings, range(1, cursor))
  t.same(idsOf(lines, 'acmeCo/events'), range(1, cursor))
})

t.test('a preview killed with SIGKILL loses no committed document when run again', async (t) => {
  const count = 20_000
  const every = 100
  const source = helloCopy(dir, 'large.flow.yaml', (_catalog, local) => (local.config = { count, checkpointEvery: every, docBytes: 64 }))
  const stateFile = join(dir, 'killed.state.json')
  const args = ['preview', '--source', source, '--state-file', stateFile]

  const first = startCli(args)
  let out = ''
  let stderr = ''
  first.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const closed = new Promise<void>((resolve) => first.on('close', () => resolve()))
  let connectorPids: number[] = []
  await new Promise<void>((resolve) => {
    first.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (connectorPids.length === 0 && out.length > 0) connectorPids = childrenOf(first.pid as number)
      if (out.split('\n').length > 3000) {
        first.kill('SIGKILL')
        resolve()
      }
    })
    first.on('close', () => resolve())
  })
  await closed
  t.equal(first.signalCode, 'SIGKILL', `killed mid-session (${stderr})`)

  // The state file is whole, and never ahead of what was printed.
  const state = JSON.parse(readFileSync(stateFile, 'utf8'))
  const cursor = cursorOf(state, 'greetings')
  t.equal(cursorOf(state, 'events'), cursor)
  t.ok(cursor > 0 && cursor < count, `the state file is mid-session (cursor ${cursor})`)
  const firstLines = jsonLines(out)
  for (const collection of ['acmeCo/greetings', 'acmeCo/events']) {
    const printed = new Set(idsOf(firstLines, collection))
    t.ok(range(1, cursor).every((id) => printed.has(id)), `${collection}: every document up to the saved cursor was printed`)
  }

  // The orphaned connector sees its stdin close and stops.
  t.ok(await allExited(connectorPids, 15_000), `the killed preview's connector (${connectorPids.join(', ')}) exits`)

  const second = await runCli(args)
  t.equal(second.code, 0, second.stderr)
  const secondLines = jsonLines(second.stdout)
  for (const collection of ['acmeCo/greetings', 'acmeCo/events']) {
    const before = idsOf(firstLines, collection)
    const after = idsOf(secondLines, collection)
    t.same(after, range(cursor + 1, cursor + count), `${collection}: the rerun resumes after the saved cursor`)
    const union = new Set([...before, ...after])
    t.ok(range(1, count).every((id) => union.has(id)), `${collection}: every id 1..${count} is in the union of both outputs`)
    const seen = new Set(before)
    const twice = after.filter((id) => seen.has(id))
    t.ok(twice.every((id) => id > cursor && id <= cursor + every), `${collection}: only the uncommitted transaction repeats (${twice.length} ids)`)
  }
  t.equal(cursorOf(JSON.parse(readFileSync(stateFile, 'utf8')), 'events'), cursor + count)
})

/** Child processes of `pid`. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((n) => n > 0)
  } catch {
    return []
  }
}

/** Whether every process exits within `ms`; one that does not is killed. */
async function allExited(pids: number[], ms: number): Promise<boolean> {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
  const deadline = Date.now() + ms
  while (pids.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
  const left = pids.filter(alive)
  for (const pid of left) process.kill(pid, 'SIGKILL')
  return left.length === 0
}
