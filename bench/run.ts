/**
 * Runs the benchmark suite: every case file in bench/cases/ (each exports `groups()`).
 *
 *   node --import tsx bench/run.ts [--filter SUBSTRING] [--json] [--runs N] [--list]
 *
 * Prints a table per group as it completes, or with --json one JSON object per case per line.
 * Each case does a fixed amount of work; after a warm-up run it runs --runs times (default 7),
 * interleaved with its group's ceiling, and its best run is reported.
 */
import { readdirSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { UsageError } from '../lib/errors.ts'
import { measureGroup, type BenchGroup, type GroupsFactory, type Measurement } from './harness.ts'

const USAGE = 'usage: node --import tsx bench/run.ts [--filter SUBSTRING] [--json] [--runs N] [--list]'

async function main(): Promise<void> {
  const { values } = parseCommandLine()
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const runs = Number(values.runs)
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs must be a positive integer\n${USAGE}`)
  const filter = values.filter

  const groups = await loadGroups()
  const selected = groups
    .map((group) => ({ group, cases: group.cases.filter((c) => filter === undefined || c.name.includes(filter)) }))
    .filter(({ group, cases }) => cases.length > 0 || filter === undefined || group.ceiling.name.includes(filter))
  if (values.list) {
    for (const { group, cases } of selected) {
      process.stdout.write(`${group.ceiling.name}\n${cases.map((c) => `  ${c.name}\n`).join('')}`)
    }
    return
  }
  if (selected.length === 0) throw new UsageError(`no bench case matches --filter ${filter}`)

  const started = performance.now()
  const names = selected.flatMap(({ group, cases }) => [group.ceiling.name, ...cases.map((c) => `  ${c.name}`)])
  const table = new Table([Math.max(...names.map((n) => n.length)), 7, 10, 6])
  if (!values.json) {
    process.stdout.write(`best of ${runs} runs after a warm-up; ratio = MB/s ÷ the ceiling's MB/s in the same rounds\n\n`)
    process.stdout.write(`${table.row(['case (indented under its ceiling)', 'MB/s', 'frames/s', 'ratio'])}\n`)
  }
  for (const { group, cases } of selected) {
    const measurements = await measureGroup(group, cases, { runs })
    group.teardown?.()
    for (const m of measurements) {
      process.stdout.write(values.json ? `${JSON.stringify(m)}\n` : `${table.measurement(m)}\n`)
    }
  }
  if (!values.json) {
    const seconds = (performance.now() - started) / 1000
    process.stdout.write(`\nnode ${process.version}, ${seconds.toFixed(1)} s\n`)
  }
}

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        filter: { type: 'string', short: 'f' },
        json: { type: 'boolean', default: false },
        runs: { type: 'string', default: '7' },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    })
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`)
  }
}

/** Imports every case file in bench/cases/, in name order. */
async function loadGroups(): Promise<BenchGroup[]> {
  const dir = new URL('./cases/', import.meta.url)
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
  const groups: BenchGroup[] = []
  for (const file of files) {
    const module = (await import(new URL(file, dir).href)) as { groups?: GroupsFactory }
    if (typeof module.groups !== 'function') throw new Error(`bench/cases/${file} does not export groups()`)
    groups.push(...(await module.groups()))
  }
  return groups
}

/** Rows of fixed-width columns: the first left-aligned, the others right-aligned. */
class Table {
  readonly #widths: readonly number[]

  constructor(widths: readonly number[]) {
    this.#widths = widths
  }

  row(cells: readonly string[]): string {
    return cells
      .map((cell, i) => (i === 0 ? cell.padEnd(this.#widths[i] ?? 0) : cell.padStart(this.#widths[i] ?? 0)))
      .join('  ')
  }

  measurement(m: Measurement): string {
    const isCeiling = m.case === m.ceiling
    return this.row([
      isCeiling ? m.case : `  ${m.case}`,
      m.mbPerSec.toFixed(0),
      formatCount(m.framesPerSec),
      isCeiling ? '1' : m.ratioToCeiling.toFixed(3),
    ])
  }
}

function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`
  return n.toFixed(0)
}

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error
  process.exit(0)
})

main().catch((error: unknown) => {
  const text = error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)
  process.stderr.write(`${text}\n`)
  process.exitCode = 1
})
