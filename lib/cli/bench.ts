/**
 * `flowkit bench [STREAM …]`: how fast flowkit's serve path replays each sample stream, beside
 * the ceilings measured in the same rounds (bench-cases.ts), and optionally the user's own
 * connector end to end (bench-connector.ts). Results go to a directory as JSON, a markdown
 * table and an SVG chart (bench-report.ts); the table (or the JSON) is printed.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Codec } from '../codec/frames.ts'
import { UsageError } from '../errors.ts'
import { formatSelfTime, readCpuProfile, topSelfTime } from '../runtime/cpu-profile.ts'
import { JSON_LOOP, PREBUILT, replayCase, streamGroup } from './bench-cases.ts'
import { connectorGroup } from './bench-connector.ts'
import { renderMarkdown } from './bench-markdown.ts'
import { measureGroup, type BenchGroup } from './bench-measure.ts'
import { writeReport } from './bench-report.ts'
import { benchReport, resultsOf, type BenchCaseResult } from './bench-results.ts'
import { inspectStream, type BenchStream } from './bench-stream.ts'
import { SHAPES, writeSample, type Shape } from './sample.ts'

export const benchUsage = `usage: flowkit bench [STREAM.msgpack …] [--runs N] [--codec json|proto] [--out DIR] [--json]
                    [--source FILE [--capture NAME]] [--profile]

Measures, for each sample stream (written by flowkit record or flowkit sample), the replay of
the stream through flowkit's serve path (flowkit replay, spawned as Flow's runtime spawns a
connector, its stdout a pipe, frames counted, timed from Opened to EOF) beside two ceilings
measured in the same rounds: the same frames pre-serialized in memory and written to the same
kind of pipe, and a hand-written JSON.parse + JSON.stringify loop over the stream's documents.
Reports documents/s, MB/s, the connector's peak RSS and each case's ratio to the ceilings
(best of --runs rounds). Without STREAM, generates the standard samples (${SHAPES.join(', ')}).

  --runs N        timed rounds, the cases of a stream interleaved (default 3)
  --codec CODEC   the codec of the replay (default json; the ceilings write JSON)
  --out DIR       where bench.json, bench.md and bench.svg are written (default bench-results)
  --json          print the JSON report instead of the table
  --source FILE   also run a capture of this catalog (flow.yaml) end to end, as flowkit preview
  --capture NAME  the capture, when the catalog has several
  --profile       write a CPU profile of the replay of the first stream into --out and print
                  the functions with the most self time`

export interface BenchOptions {
  readonly streams: readonly string[]
  readonly runs: number
  readonly codec: Codec
  readonly out: string
  readonly json: boolean
  readonly source?: string
  readonly capture?: string
  readonly profile: boolean
  /** The command line, as the report names it. */
  readonly command: string
}

export function parseBenchArgs(args: string[]): BenchOptions {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      runs: { type: 'string' },
      codec: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      source: { type: 'string' },
      capture: { type: 'string' },
      profile: { type: 'boolean' },
    },
    strict: true,
  })
  const runs = values.runs ?? '3'
  if (!/^\d+$/.test(runs) || Number(runs) < 1) throw new UsageError(`--runs must be a positive integer; got ${JSON.stringify(runs)}`)
  const codec = values.codec ?? 'json'
  if (codec !== 'json' && codec !== 'proto') throw new UsageError(`--codec must be json or proto; got ${JSON.stringify(codec)}`)
  if (values.capture !== undefined && values.source === undefined) throw new UsageError('--capture needs --source')
  return {
    streams: positionals,
    runs: Number(runs),
    codec,
    out: values.out ?? 'bench-results',
    json: values.json === true,
    ...(values.source === undefined ? {} : { source: values.source }),
    ...(values.capture === undefined ? {} : { capture: values.capture }),
    profile: values.profile === true,
    command: ['flowkit bench', ...args].join(' '),
  }
}

/** Documents of each standard sample: 25–80 MB of Captured frames each. */
const STANDARD: Readonly<Record<Shape, number>> = { small: 200_000, nested: 10_000, wide: 20_000, mix: 30_000 }

/** Runs the benchmark, writes the report, prints the table or the JSON; resolves to the exit code. */
export async function bench(options: BenchOptions, output: NodeJS.WritableStream, progress: NodeJS.WritableStream = process.stderr): Promise<number> {
  const generated = options.streams.length === 0 ? mkdtempSync(join(tmpdir(), 'flowkit-bench-samples-')) : undefined
  try {
    const files = generated === undefined ? options.streams : await writeStandardSamples(generated, progress)
    const streams: BenchStream[] = []
    for (const file of files) streams.push(await inspectStream(file))
    const cases: BenchCaseResult[] = []
    const measure = async (label: string, group: BenchGroup, ceilings: readonly string[]) => {
      progress.write(`measuring ${label}\n`)
      cases.push(...resultsOf(label, await measureGroup(group, group.cases, { runs: options.runs }), ceilings))
    }
    for (const stream of streams) await measure(stream.label, streamGroup(stream, options.codec), [PREBUILT, JSON_LOOP])
    if (options.source !== undefined) {
      const { label, group } = connectorGroup({ source: options.source, ...(options.capture === undefined ? {} : { capture: options.capture }) })
      await measure(label, group, [])
    }
    const report = benchReport(options.command, options.runs, cases)
    const written = writeReport(report, options.out)
    if (options.json) output.write(`${JSON.stringify(report, null, 2)}\n`)
    else output.write(`${renderMarkdown(report)}\nwrote ${written.json}, ${written.markdown}, ${written.svg}\n`)
    const first = streams[0]
    if (options.profile && first !== undefined) await profileReplay(first, options, options.json ? progress : output)
    return 0
  } finally {
    if (generated !== undefined) rmSync(generated, { recursive: true, force: true })
  }
}

async function writeStandardSamples(dir: string, progress: NodeJS.WritableStream): Promise<string[]> {
  const files: string[] = []
  for (const shape of SHAPES) {
    const out = join(dir, `${shape}.msgpack`)
    progress.write(`generating ${out} (${STANDARD[shape]} ${shape} documents)\n`)
    await writeSample({ shape, documents: STANDARD[shape], seed: 1, out })
    files.push(out)
  }
  return files
}

/** One more replay session of `stream` under `--cpu-prof`; the profile is copied into --out and summarized. */
async function profileReplay(stream: BenchStream, options: BenchOptions, output: NodeJS.WritableStream): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flowkit-bench-profile-'))
  try {
    const work = await replayCase(stream, options.codec, ['--cpu-prof', `--cpu-prof-dir=${dir}`]).run()
    const { path, profile } = readCpuProfile(dir)
    const kept = join(options.out, `replay-${basename(stream.file).replace(/\.msgpack$/, '')}.cpuprofile`)
    copyFileSync(path, kept)
    const rate = work.docs === undefined || work.seconds === undefined ? '' : `, ${Math.round(work.docs / work.seconds)} docs/s under the profiler`
    output.write(`\nCPU profile of flowkit replay ${stream.file}${rate} (whole process, start-up included): ${kept}\nself time by function:\n`)
    output.write(formatSelfTime(topSelfTime(profile, 20)))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
