/**
 * Runs the benchmark suite: every case file in bench/cases/ (each exports `groups()`).
 *
 *   node --import tsx bench/run.ts [--filter SUBSTRING] [--json] [--runs N] [--list] [--memory] [--out DIR]
 *
 * Prints a table per group as it completes, or with --json one JSON object per case per line.
 * At the end writes the report (lib/cli/bench-report.ts, as `flowkit bench` does): bench.json,
 * bench.md and bench.svg in --out (default bench/results/).
 * Each case does a fixed amount of work; after a warm-up run it runs --runs times (default 7),
 * interleaved with its group's ceiling, and its best run is reported. Groups of spawned
 * connector processes take no warm-up and at most a few runs (see bench/cases/capture.ts),
 * unless --runs is given: then every group runs that many rounds.
 * Opt-in groups (the capture memory cases) run only with --memory, or when --filter names one
 * of their cases (`--filter memory`).
 */
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { writeReport } from '../lib/cli/bench-report.ts'
import { benchReport, formatCount, resultsOf, type BenchCaseResult } from '../lib/cli/bench-results.ts'
import { UsageError } from '../lib/errors.ts'
import { measureGroup, type BenchCase, type BenchGroup, type GroupsFactory, type Measurement } from './harness.ts'

const USAGE = 'usage: node --import tsx bench/run.ts [--filter SUBSTRING] [--json] [--runs N] [--list] [--memory] [--out DIR]'
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url))

async function main(): Promise<void> {
  const { values } = parseCommandLine()
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const runs = Number(values.runs ?? '7')
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs must be a positive integer\n${USAGE}`)
  const filter = values.filter

  const groups = await loadGroups()
  const matches = (group: BenchGroup, cases: readonly BenchCase[]) =>
    filter === undefined ? !group.optIn || values.memory : cases.length > 0 || group.ceiling.name.includes(filter)
  const selected = groups
    .map((group) => ({ group, cases: group.cases.filter((c) => filter === undefined || c.name.includes(filter)) }))
    .filter(({ group, cases }) => matches(group, cases))
  const skipped = groups.filter((group) => group.optIn && !selected.some((s) => s.group === group))
  if (values.list) {
    const listed = groups
      .map((group) => ({ group, cases: group.cases.filter((c) => filter === undefined || c.name.includes(filter)) }))
      .filter(({ group, cases }) => filter === undefined || cases.length > 0 || group.ceiling.name.includes(filter))
    for (const { group, cases } of listed) {
      const note = group.optIn && !selected.some((s) => s.group === group) ? '  (opt-in: --memory)' : ''
      process.stdout.write(`${group.ceiling.name}${note}\n${cases.map((c) => `  ${c.name}\n`).join('')}`)
    }
    return
  }
  if (selected.length === 0) throw new UsageError(`no bench case matches --filter ${filter}`)

  const started = performance.now()
  const names = selected.flatMap(({ group, cases }) => [group.ceiling.name, ...cases.map((c) => `  ${c.name}`)])
  const table = new Table([Math.max(...names.map((n) => n.length)), 7, 10, 6, 10, 8])
  if (!values.json) {
    process.stdout.write(
      (values.runs === undefined
        ? `best of ${runs} runs after a warm-up (capture cases: best of at most 3, no warm-up, timed from Opened to EOF)\n`
        : `best of ${runs} runs (after a warm-up, except capture cases, which are timed from Opened to EOF)\n`) +
        `ratio = MB/s ÷ the ceiling's MB/s in the same rounds; docs/s ÷ docs/s where a group counts documents\n` +
        (skipped.length > 0 ? `not run (opt-in): ${skipped.map((g) => g.ceiling.name).join(', ')}; add --memory or --filter memory\n` : '') +
        '\n',
    )
    process.stdout.write(`${table.row(['case (indented under its ceiling)', 'MB/s', 'frames/s', 'ratio', 'docs/s', 'RSS MB'])}\n`)
  }
  const results: BenchCaseResult[] = []
  for (const { group, cases } of selected) {
    const measurements = await measureGroup(group, cases, { runs, ignoreMaxRuns: values.runs !== undefined })
    group.teardown?.()
    results.push(...resultsOf(group.ceiling.name, measurements))
    for (const m of measurements) {
      process.stdout.write(values.json ? `${JSON.stringify(m)}\n` : `${table.measurement(m)}\n`)
    }
    if (!values.json) for (const m of measurements) for (const line of targetLines(m)) process.stdout.write(`${line}\n`)
  }
  const written = writeReport(benchReport(commandLine(), runs, results), values.out ?? RESULTS)
  const files = `report: ${written.json}, ${written.markdown}, ${written.svg}\n`
  if (values.json) process.stderr.write(files)
  else {
    const seconds = (performance.now() - started) / 1000
    process.stdout.write(`\nnode ${process.version}, ${seconds.toFixed(1)} s\n${files}`)
  }
}

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        filter: { type: 'string', short: 'f' },
        json: { type: 'boolean', default: false },
        runs: { type: 'string' },
        list: { type: 'boolean', default: false },
        memory: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    })
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`)
  }
}

/** How the report names this run. */
function commandLine(): string {
  const args = process.argv.slice(2)
  return args.length === 0 ? 'npm run bench' : `npm run bench -- ${args.join(' ')}`
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
      m.docsPerSec === undefined ? '' : formatCount(m.docsPerSec),
      m.peakRssMB === undefined ? '' : m.peakRssMB.toFixed(0),
    ])
  }
}

/** A line per target of a measurement: the ratio or peak RSS, the bound, and whether it is met and by what margin. */
function targetLines(m: Measurement): string[] {
  return (m.targets ?? []).map((t) => {
    if (t.peakRssBelowMB !== undefined && t.peakRssMB !== undefined) {
      const verdict = t.met ? 'met' : 'MISSED'
      return `    target  ${m.case}: peak RSS ${t.peakRssMB.toFixed(0)} MB < ${t.peakRssBelowMB} MB  ${verdict}`
    }
    const ratio = (t.ratio ?? NaN).toFixed(3)
    if (t.atLeast === undefined) return `    ratio   ${m.case} ÷ ${t.versus}: ${ratio}`
    const margin = ((t.ratio ?? NaN) / t.atLeast - 1) * 100
    const verdict = t.met ? `met (${margin >= 0 ? '+' : ''}${margin.toFixed(0)}%)` : `MISSED (${margin.toFixed(0)}%)`
    return `    target  ${m.case} ÷ ${t.versus}: ${ratio} ≥ ${t.atLeast}  ${verdict}`
  })
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
