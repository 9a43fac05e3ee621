// Crash and restart: `flowkit preview --state-file` on the source-hello example and on the
// Airbyte shim (with the fixture source) is killed with SIGKILL at random points, the
// connector (for the shim: the shim or the Airbyte source under it) or, separately, the
// preview itself, and restarted from its state file each time. Every source record must be
// committed (printed) at least once, the state file must never move past a record that was not
// printed, and the final state must equal that of an uninterrupted run.
//
// During the kills the source has no end; afterwards it ends a little past where the kills left
// it, and the last run reads it to its end. The uninterrupted run reads the same source, of the
// same length, from the start.
//
// FLOWKIT_KILLS: kills per target (default 10, half of the connector, half of the preview);
// many more need tap's time limit lifted (npx tap -t 0 ...).
// FLOWKIT_KILL_SEED: the seed of the kill points; every failure message names the one used.
import t, { type Test } from 'tap'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import { helloCopy, jsonLines, root, tempDir } from '../helpers/cli.ts'
import { allExit, descendantsOf, isAlive, type ProcessInfo } from '../helpers/processes.ts'

const KILLS = Number(process.env.FLOWKIT_KILLS ?? 10)
const SEED = Number(process.env.FLOWKIT_KILL_SEED ?? Math.floor(Math.random() * 2 ** 32))
const random = mulberry32(SEED)
const seeded = (message: string) => `${message} [FLOWKIT_KILL_SEED=${SEED}]`
t.comment(`kill points from FLOWKIT_KILL_SEED=${SEED}, ${KILLS} kills per target`)

// The installed command: the compiled CLI under plain node starts faster than the sources under tsx.
const bin = join(root, 'bin/flowkit.js')
const dir = tempDir()
// State files live in memory where Linux offers it: the preview syncs its state file after every
// transaction, and a busy disk would make each run take seconds longer.
const stateDir = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/flowkit-kill-') : dir
t.teardown(() => {
  rmSync(dir, { recursive: true, force: true })
  rmSync(stateDir, { recursive: true, force: true })
})

interface Target {
  readonly name: string
  /** Kill points are drawn from the first this many lines of a run's output. */
  readonly killWindow: number
  /** Records read after the kills: the source then ends this many records past the last cursor. */
  readonly tail: number
  /** The catalog of a run that reads without end (until it is killed). */
  unbounded(): string
  /** The catalog of a run from `cursor` of a source that holds `total` records. */
  bounded(cursor: number, total: number): string
  /** The records a line of output commits, as `collection:id`. */
  records(line: unknown): string[]
  /** Every record up to `cursor`, as `records` names them. */
  upTo(cursor: number): string[]
  /** How far the state has moved through the source. */
  cursor(state: unknown): number
  /** Which of the preview's descendants may be killed as "the connector". */
  isConnector(process: ProcessInfo): boolean
}

const ids = (cursor: number) => Array.from({ length: cursor }, (_, i) => i + 1)

// source-hello runs as a production image runs it, bundled for plain node: each of the many
// restarts then starts in a fraction of the time the TypeScript sources take under tsx.
const helloBundle = join(dir, 'source-hello.mjs')
execFileSync(process.execPath, [bin, 'bundle', 'examples/source-hello/main.ts', '-o', helloBundle], { cwd: root, stdio: 'ignore' })
const helloConfig = (count: number) => (_catalog: unknown, local: { command: string[]; config: unknown }) => {
  local.command = [process.execPath, helloBundle]
  local.config = { count, checkpointEvery: 50, docBytes: 64 }
}

// source-hello emits `count` records per binding per session after its cursor: a run given
// `total - cursor` ends where a source of `total` records would.
const hello: Target = {
  name: 'examples/source-hello',
  killWindow: 2000,
  tail: 500,
  unbounded: () => helloCopy(dir, 'hello-unbounded.flow.yaml', helloConfig(1_000_000_000)),
  bounded: (cursor, total) => helloCopy(dir, `hello-${cursor}-${total}.flow.yaml`, helloConfig(total - cursor)),
  records: (line) => {
    const [collection, doc] = line as [string, { id: number }]
    return collection === 'connectorState' ? [] : [`${collection}:${doc.id}`]
  },
  upTo: (cursor) => ids(cursor).flatMap((id) => [`acmeCo/greetings:${id}`, `acmeCo/events:${id}`]),
  cursor: (state) => {
    const cursors = Object.values((state as { bindingStateV1?: Record<string, { cursor: number }> }).bindingStateV1 ?? {}).map((binding) => binding.cursor)
    return cursors.length === 2 ? Math.min(...cursors) : 0
  },
  isConnector: (info) => info.argv.includes(helloBundle),
}

const airbyteSource = fileURLToPath(new URL('../fixtures/airbyte/source.py', import.meta.url))

/** A catalog of the Airbyte fixture source behind the shim: its `users` stream, up to `until` when given. */
function airbyteCatalog(until?: number): string {
  const path = join(dir, `airbyte-${until ?? 'unbounded'}.flow.yaml`)
  const config = { api_key: 'k', count: 1_000_000_000, every: 5, ...(until === undefined ? {} : { until }) }
  const capture = {
    endpoint: { local: { command: [process.execPath, bin, 'shim', 'airbyte', '--', 'python3', airbyteSource], config } },
    bindings: [{ resource: { stream: 'users', syncMode: 'incremental', cursorField: ['updated'] }, target: 'acmeCo/users' }],
  }
  const collections = { 'acmeCo/users': { key: ['/id'], schema: { type: 'object', required: ['id'] } } }
  writeFileSync(path, stringify({ captures: { 'acmeCo/airbyte-killed': capture }, collections }))
  return path
}

const airbyte: Target = {
  name: 'the Airbyte shim',
  killWindow: 300,
  tail: 50,
  unbounded: () => airbyteCatalog(),
  bounded: (_cursor, total) => airbyteCatalog(total),
  records: (line) => {
    const [collection, doc] = line as [string, { id: number }]
    return collection === 'acmeCo/users' ? [`${collection}:${doc.id}`] : []
  },
  upTo: (cursor) => ids(cursor).map((id) => `acmeCo/users:${id}`),
  cursor: (state) => Number(/"cursor":(\d+)/.exec(JSON.stringify(state))?.[1] ?? 0),
  isConnector: (info) => info.argv.includes('shim') || info.argv.includes(airbyteSource),
}

interface KilledRun {
  readonly stdout: string
  readonly stderr: string
  /** Whether the kill landed before the run ended by itself. */
  readonly killed: boolean
  readonly code: number | null
}

/**
 * One preview, killed with SIGKILL once it has printed `after` lines and `delayMs` more have
 * passed: the preview itself, or one of its descendants that `isConnector` picks (at random).
 */
async function killedRun(t: Test, args: string[], victim: 'preview' | 'connector', after: number, delayMs: number, target: Target): Promise<KilledRun> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  let stdout = ''
  let stderr = ''
  let lines = 0
  let kill: Promise<boolean> | undefined
  const fire = () => (kill ??= sleep(delayMs).then(() => (victim === 'preview' ? killPreview(t, child, target) : killConnector(child, target))))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString()
    stdout += text
    lines += text.split('\n').length - 1
    if (lines >= after) void fire()
  })
  if (after === 0) void fire()
  const code = await closed
  const killed = (await kill) === true && code !== 0
  return { stdout, stderr, killed, code }
}

/** Kills the preview; its connector, left with a closed stdin, must exit by itself. */
async function killPreview(t: Test, child: ChildProcess, target: Target): Promise<boolean> {
  const orphans = descendantsOf(child.pid as number).map((info) => info.pid)
  const killed = child.exitCode === null && child.kill('SIGKILL')
  t.ok(await allExit(orphans, 15_000), seeded(`${target.name}: the killed preview's connector processes (${orphans.join(', ')}) exit`))
  return killed
}

/** Kills one of the preview's connector processes, waiting for it to have started. */
async function killConnector(child: ChildProcess, target: Target): Promise<boolean> {
  for (let tries = 0; tries < 200 && child.exitCode === null; tries++) {
    const candidates = descendantsOf(child.pid as number).filter(target.isConnector)
    const pick = candidates[Math.floor(random() * candidates.length)]
    if (pick !== undefined && isAlive(pick.pid)) {
      try {
        process.kill(pick.pid, 'SIGKILL')
        return true
      } catch {
        return false // it ended just now, by itself
      }
    }
    await sleep(25)
  }
  return false
}

const readState = (file: string): unknown => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {})

const preview = (source: string, stateFile: string) => ['preview', '--source', source, '--state-file', stateFile, '--status-interval', '0']

for (const target of [hello, airbyte]) {
  t.test(`${target.name}: ${KILLS} random SIGKILLs of the connector or the preview lose no record, and the final state is an uninterrupted run's`, async (t) => {
    const stateFile = join(stateDir, `${target.name.replace(/\W/g, '-')}.state.json`)
    const committed = new Set<string>()
    const counts = { connector: 0, preview: 0, endedFirst: 0, lost: 0 }
    const commit = (run: KilledRun) => {
      for (const line of jsonLines(run.stdout)) for (const record of target.records(line)) committed.add(record)
    }
    for (let kill = 0; kill < KILLS; kill++) {
      const victim = kill % 2 === 0 ? 'connector' : 'preview'
      const after = Math.floor(random() * target.killWindow)
      const delayMs = Math.floor(random() * 40)
      const run = await killedRun(t, preview(target.unbounded(), stateFile), victim, after, delayMs, target)
      commit(run)
      if (run.killed) counts[victim]++
      else counts.endedFirst++
      t.ok(run.killed, seeded(`${target.name}: kill ${kill + 1} (${victim}) landed before the run ended (exit ${run.code}: ${run.stderr.trim().split('\n').at(-1)})`))
      if (run.killed && victim === 'connector') t.match(run.stderr, /SIGKILL/, seeded(`${target.name}: kill ${kill + 1}: the preview fails naming the signal`))
      // The state file is whole and never past what was printed.
      const moved = target.cursor(readState(stateFile))
      const missing = target.upTo(moved).filter((record) => !committed.has(record))
      counts.lost += missing.length
      t.same(missing, [], seeded(`${target.name}: kill ${kill + 1} (${victim}, after ${after} lines + ${delayMs} ms): every record up to the saved cursor ${moved} was printed`))
    }

    // The source ends a little past where the kills left it; the last run reads to its end.
    const cursor = target.cursor(readState(stateFile))
    const total = cursor + target.tail
    const last = await killedRun(t, preview(target.bounded(cursor, total), stateFile), 'preview', Infinity, 0, target)
    t.equal(last.code, 0, last.stderr)
    commit(last)
    const missing = target.upTo(total).filter((record) => !committed.has(record))
    counts.lost += missing.length
    t.same(missing, [], seeded(`${target.name}: every one of the source's ${total} records was committed at least once`))

    const uninterruptedFile = join(stateDir, `${target.name.replace(/\W/g, '-')}.uninterrupted.json`)
    const uninterrupted = await killedRun(t, preview(target.bounded(0, total), uninterruptedFile), 'preview', Infinity, 0, target)
    t.equal(uninterrupted.code, 0, uninterrupted.stderr)
    t.equal(target.cursor(readState(uninterruptedFile)), total, 'the uninterrupted run reads the whole source')
    t.same(readState(stateFile), readState(uninterruptedFile), seeded(`${target.name}: the final state equals an uninterrupted run's`))
    t.comment(
      `${target.name}: ${counts.connector + counts.preview} random kills survived (${counts.connector} of the connector, ${counts.preview} of the preview; ${counts.endedFirst} missed); ` +
        `records lost: ${counts.lost} [FLOWKIT_KILL_SEED=${SEED}]`,
    )
  })
}

/** A small seeded PRNG (mulberry32): numbers in [0, 1), the same sequence for the same seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}
