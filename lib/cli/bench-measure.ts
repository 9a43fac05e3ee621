/**
 * How a benchmark is measured, for `flowkit bench` and the dev bench suite (bench/).
 *
 * A case does a fixed amount of work (a whole sample stream), never "as much as fits in a
 * second", so that runs are comparable and a run's duration is predictable. Each group has a
 * ceiling: the same bytes moved through the same chunking without the work under test,
 * measured in the same rounds, so results are read as ratios that survive a noisy machine.
 */
import { ArgumentError, ConnectorError } from '../errors.ts'

/** What one run of a case processed. */
export interface Work {
  readonly bytes: number
  readonly frames: number
  /**
   * Documents, for a case that counts them: they are then its fixed work (checked to be the
   * same in every run), and its ratios are of documents per second.
   */
  readonly docs?: number
  /**
   * Seconds the case timed itself, when the whole `run()` call is the wrong span (a connector
   * process is timed from its Opened frame to stdout's end, without its start-up).
   */
  readonly seconds?: number
  /** Peak resident set of the process that did the work (a spawned connector), in MB. */
  readonly peakRssMB?: number
}

export interface BenchCase {
  readonly name: string
  /** Does the case's fixed work once. The first call may build (and cache) its inputs. */
  run(): Promise<Work>
}

export interface BenchGroup {
  /** The ceiling (or baseline) this group's cases are compared to. */
  readonly ceiling: BenchCase
  readonly cases: readonly BenchCase[]
  /** Called once the group is measured: drop inputs no later group needs. */
  readonly teardown?: () => void
  /** At most this many timed rounds, whatever --runs asks (cases that take seconds each). */
  readonly maxRuns?: number
  /** Run each case once, untimed, before the rounds; default true. A spawned process starts cold anyway. */
  readonly warmUp?: boolean
  /** Measured only on request (--memory, or a --filter that names one of its cases): too slow for every run. */
  readonly optIn?: boolean
  /** Ratios and bounds reported with the group's cases. */
  readonly targets?: readonly Target[]
}

/**
 * A comparison between two cases of a group (`case` ÷ `versus`, of documents per second when
 * both count documents, else of MB/s), or a bound on a case's peak RSS; a target that names a
 * case not measured in this run is left out.
 */
export interface Target {
  readonly case: string
  /** Default: the group's ceiling. Not used by a peak RSS bound. */
  readonly versus?: string
  /** The ratio should be at least this; none: the ratio is reported, not judged. */
  readonly atLeast?: number
  /** The case's peak RSS should be below this many MB. */
  readonly peakRssBelowMB?: number
}

export interface TargetResult {
  readonly versus?: string
  readonly ratio?: number
  readonly atLeast?: number
  readonly peakRssMB?: number
  readonly peakRssBelowMB?: number
  /** undefined when the target only reports. */
  readonly met?: boolean
}

export interface Measurement {
  readonly case: string
  readonly mbPerSec: number
  readonly framesPerSec: number
  readonly bytes: number
  readonly frames: number
  /** Seconds of the best (fastest) run. */
  readonly seconds: number
  /** Throughput ÷ the ceiling's, of documents per second when both count documents, else of MB/s. */
  readonly ratioToCeiling: number
  readonly ceiling: string
  readonly docs?: number
  readonly docsPerSec?: number
  /** The highest peak RSS over the case's runs. */
  readonly peakRssMB?: number
  /** The group's targets for this case, in order. */
  readonly targets?: readonly TargetResult[]
}

export interface MeasureOptions {
  /** Timed runs of each case, after one untimed warm-up run. */
  readonly runs: number
  /** Give every group `runs` rounds, even those whose `maxRuns` is lower. */
  readonly ignoreMaxRuns?: boolean
}

/**
 * Measures a group: one warm-up run of each case (unless the group says not to), then `runs`
 * rounds (at most the group's `maxRuns`, unless `ignoreMaxRuns`) in which the ceiling and each case run once, in turn.
 * Reports each case's best run (the least disturbed by the rest of the machine), its
 * throughput relative to the ceiling's best run, and the group's targets. Garbage is not
 * collected between runs: a forced full collection shrinks the young generation and made the
 * next run ~1.5× slower than the steady state a long-running connector sees.
 */
export async function measureGroup(group: BenchGroup, cases: readonly BenchCase[], options: MeasureOptions) {
  const all = [group.ceiling, ...cases]
  const best = new Map<BenchCase, { seconds: number; work: Work }>()
  const peakRss = new Map<BenchCase, number>()
  if (group.warmUp ?? true) for (const c of all) await c.run()
  const runs = options.ignoreMaxRuns ? options.runs : Math.min(options.runs, group.maxRuns ?? Infinity)
  for (let round = 0; round < runs; round++) {
    for (const c of all) {
      const start = process.hrtime.bigint()
      const work = await c.run()
      const seconds = work.seconds ?? Number(process.hrtime.bigint() - start) / 1e9
      const previous = best.get(c)
      if (previous !== undefined && !sameWork(previous.work, work)) {
        throw new ConnectorError(`bench case ${c.name} did different work in different runs`)
      }
      if (previous === undefined || seconds < previous.seconds) best.set(c, { seconds, work })
      if (work.peakRssMB !== undefined) peakRss.set(c, Math.max(peakRss.get(c) ?? 0, work.peakRssMB))
    }
  }
  const ceiling = best.get(group.ceiling)
  if (ceiling === undefined) throw new ArgumentError('the ceiling did not run')
  const rate = (c: BenchCase) => {
    const { seconds, work } = best.get(c) ?? ceiling
    return { docs: work.docs === undefined ? undefined : work.docs / seconds, mb: work.bytes / seconds / 1e6 }
  }
  /** a's throughput ÷ b's: of documents when both count them. */
  const ratio = (a: BenchCase, b: BenchCase) => {
    const x = rate(a)
    const y = rate(b)
    return x.docs !== undefined && y.docs !== undefined ? x.docs / y.docs : x.mb / y.mb
  }
  const byName = new Map(all.map((c) => [c.name, c]))
  return all.map((c): Measurement => {
    const { seconds, work } = best.get(c) ?? ceiling
    const targets = (group.targets ?? []).filter((t) => t.case === c.name).flatMap((t): TargetResult[] => {
      if (t.peakRssBelowMB !== undefined) {
        const peak = peakRss.get(c)
        return peak === undefined ? [] : [{ peakRssMB: peak, peakRssBelowMB: t.peakRssBelowMB, met: peak < t.peakRssBelowMB }]
      }
      const versus = byName.get(t.versus ?? group.ceiling.name)
      if (versus === undefined) return []
      const r = ratio(c, versus)
      return [{ versus: versus.name, ratio: r, ...(t.atLeast === undefined ? {} : { atLeast: t.atLeast, met: r >= t.atLeast }) }]
    })
    const peakRssMB = peakRss.get(c)
    return {
      case: c.name,
      mbPerSec: work.bytes / seconds / 1e6,
      framesPerSec: work.frames / seconds,
      bytes: work.bytes,
      frames: work.frames,
      seconds,
      ratioToCeiling: ratio(c, group.ceiling),
      ceiling: group.ceiling.name,
      ...(work.docs === undefined ? {} : { docs: work.docs, docsPerSec: work.docs / seconds }),
      ...(peakRssMB === undefined ? {} : { peakRssMB }),
      ...(targets.length === 0 ? {} : { targets }),
    }
  })
}

/** A case that counts documents must emit the same documents every run; others, the same bytes and frames. */
function sameWork(a: Work, b: Work): boolean {
  return a.docs !== undefined || b.docs !== undefined ? a.docs === b.docs : a.bytes === b.bytes && a.frames === b.frames
}
