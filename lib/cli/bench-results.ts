/**
 * The results of a benchmark run as one JSON document: where and when it ran (machine, Node
 * version, date, command) and one object per case, grouped (a sample stream, or a group of the
 * dev suite) and related to the ceilings measured in the same rounds. `flowkit bench` and
 * `npm run bench` both write this shape, and render it (bench-markdown.ts, bench-chart.ts).
 */
import { arch, cpus, platform, release, totalmem } from 'node:os'
import type { Measurement } from './bench-measure.ts'

export interface BenchMachine {
  /** `linux 6.8.0 x64` */
  readonly os: string
  readonly cpu: string
  readonly cores: number
  readonly memoryGB: number
}

export interface BenchCaseResult {
  /** The stream (or group of cases) the case belongs to. */
  readonly group: string
  readonly case: string
  /** A ceiling: the same output without the work under test, that cases are compared to. */
  readonly ceiling: boolean
  /** Documents emitted in the best run (absent for a case that does not count them). */
  readonly docs?: number
  readonly bytes: number
  readonly frames: number
  /** Seconds of the best run. */
  readonly seconds: number
  readonly docsPerSec?: number
  readonly mbPerSec: number
  /** The highest peak resident set over the runs, in MB, when the process reported it. */
  readonly peakRssMB?: number
  /** Throughput ÷ each ceiling's in the same rounds (documents/s when both count documents, else MB/s), by the ceiling's name. */
  readonly ratios: Readonly<Record<string, number>>
}

export interface BenchReport {
  /** The command line that produced it. */
  readonly command: string
  /** ISO 8601, when the run ended. */
  readonly date: string
  readonly node: string
  readonly machine: BenchMachine
  /** Timed rounds asked for (a group may run fewer). */
  readonly runs: number
  readonly cases: readonly BenchCaseResult[]
}

export function machineInfo(): BenchMachine {
  const cores = cpus()
  return {
    os: `${platform()} ${release()} ${arch()}`,
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
  }
}

export function benchReport(command: string, runs: number, cases: readonly BenchCaseResult[]): BenchReport {
  return { command, date: new Date().toISOString(), node: process.version, machine: machineInfo(), runs, cases }
}

/**
 * A measured group's cases as results. `ceilings` names the cases that are ceilings (default:
 * the group's own ceiling); each case's ratios are those measureGroup reported, to the group's
 * ceiling and its targets' ratios to other cases, but never to itself.
 */
export function resultsOf(group: string, measurements: readonly Measurement[], ceilings?: readonly string[]): BenchCaseResult[] {
  return measurements.map((m) => {
    const ratios: Record<string, number> = {}
    if (m.case !== m.ceiling) ratios[m.ceiling] = m.ratioToCeiling
    for (const target of m.targets ?? []) if (target.versus !== undefined && target.ratio !== undefined && target.versus !== m.case) ratios[target.versus] = target.ratio
    return {
      group,
      case: m.case,
      ceiling: ceilings === undefined ? m.case === m.ceiling : ceilings.includes(m.case),
      ...(m.docs === undefined ? {} : { docs: m.docs }),
      bytes: m.bytes,
      frames: m.frames,
      seconds: m.seconds,
      ...(m.docsPerSec === undefined ? {} : { docsPerSec: m.docsPerSec }),
      mbPerSec: m.mbPerSec,
      ...(m.peakRssMB === undefined ? {} : { peakRssMB: m.peakRssMB }),
      ratios,
    }
  })
}

/** The groups of a report's cases, in the order they first appear. */
export function groupsOf(cases: readonly BenchCaseResult[]): { group: string; cases: BenchCaseResult[] }[] {
  const groups = new Map<string, BenchCaseResult[]>()
  for (const c of cases) {
    const list = groups.get(c.group)
    if (list === undefined) groups.set(c.group, [c])
    else list.push(c)
  }
  return [...groups].map(([group, list]) => ({ group, cases: list }))
}

/** `1.23 M`, `45.6 k`, `789`. */
export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`
  return n.toFixed(0)
}

/** `1.23 M docs/s, 456 MB/s` (MB/s alone for a case that does not count documents). */
export function formatThroughput(c: BenchCaseResult): string {
  const mb = `${c.mbPerSec >= 10 ? c.mbPerSec.toFixed(0) : c.mbPerSec.toFixed(1)} MB/s`
  return c.docsPerSec === undefined ? mb : `${formatCount(c.docsPerSec)} docs/s, ${mb}`
}

/** `0.91× pre-serialized write, 2.03× JSON loop`; empty for a case compared to nothing. */
export function formatRatios(c: BenchCaseResult): string {
  return Object.entries(c.ratios)
    .map(([versus, ratio]) => `${ratio.toFixed(2)}× ${versus}`)
    .join(', ')
}

/** A line about where a report was measured. */
export function describeRun(report: BenchReport): string {
  const m = report.machine
  return `${report.date.slice(0, 16).replace('T', ' ')} UTC, node ${report.node}, ${m.os}, ${m.cpu} × ${m.cores} cores, ${m.memoryGB} GB; best of ${report.runs} run${report.runs === 1 ? '' : 's'}`
}
