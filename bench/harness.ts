/**
 * The shape of a benchmark and how one is measured.
 *
 * A case does a fixed amount of work (a whole sample stream), never "as much as fits in a
 * second", so that runs are comparable and the suite's duration is predictable. Each group
 * has a ceiling: the same bytes moved through the same chunking without the work under test,
 * measured in the same rounds, so results are read as ratios that survive a noisy machine.
 */
/** What one run of a case processed. */
export interface Work {
  readonly bytes: number
  readonly frames: number
}

export interface BenchCase {
  readonly name: string
  /** Does the case's fixed work once. The first call may build (and cache) its inputs. */
  run(): Promise<Work>
}

export interface BenchGroup {
  /** The ceiling this group's cases are compared to. */
  readonly ceiling: BenchCase
  readonly cases: readonly BenchCase[]
  /** Called once the group is measured: drop inputs no later group needs. */
  readonly teardown?: () => void
}

/** What a case file in bench/cases/ exports. Building groups must be cheap: inputs are lazy. */
export type GroupsFactory = () => BenchGroup[] | Promise<BenchGroup[]>

export interface Measurement {
  readonly case: string
  readonly mbPerSec: number
  readonly framesPerSec: number
  readonly bytes: number
  readonly frames: number
  /** Seconds of the best (fastest) run. */
  readonly seconds: number
  readonly ratioToCeiling: number
  readonly ceiling: string
}

export interface MeasureOptions {
  /** Timed runs of each case, after one untimed warm-up run. */
  readonly runs: number
}

/**
 * Measures a group: one warm-up run of each case, then `runs` rounds in which the ceiling and
 * each case run once, in turn. Reports each case's best run (the least disturbed by the rest
 * of the machine), and its throughput relative to the ceiling's best run. Garbage is not
 * collected between runs: a forced full collection shrinks the young generation and made the
 * next run ~1.5× slower than the steady state a long-running connector sees.
 */
export async function measureGroup(group: BenchGroup, cases: readonly BenchCase[], options: MeasureOptions) {
  const all = [group.ceiling, ...cases]
  const best = new Map<BenchCase, { seconds: number; work: Work }>()
  for (const c of all) await c.run()
  for (let round = 0; round < options.runs; round++) {
    for (const c of all) {
      const start = process.hrtime.bigint()
      const work = await c.run()
      const seconds = Number(process.hrtime.bigint() - start) / 1e9
      const previous = best.get(c)
      if (previous !== undefined && (previous.work.bytes !== work.bytes || previous.work.frames !== work.frames)) {
        throw new Error(`bench case ${c.name} did different work in different runs`)
      }
      if (previous === undefined || seconds < previous.seconds) best.set(c, { seconds, work })
    }
  }
  const ceiling = best.get(group.ceiling)
  if (ceiling === undefined) throw new Error('ceiling did not run')
  const ceilingMbPerSec = ceiling.work.bytes / ceiling.seconds / 1e6
  return all.map((c): Measurement => {
    const { seconds, work } = best.get(c) ?? ceiling
    const mbPerSec = work.bytes / seconds / 1e6
    return {
      case: c.name,
      mbPerSec,
      framesPerSec: work.frames / seconds,
      bytes: work.bytes,
      frames: work.frames,
      seconds,
      ratioToCeiling: mbPerSec / ceilingMbPerSec,
      ceiling: group.ceiling.name,
    }
  })
}

export interface Lazy<T> {
  (): T
  /** Forgets the value; the next call builds it again. */
  reset(): void
}

/** A value built on first use and kept until reset. */
export function lazy<T>(build: () => T): Lazy<T> {
  let value: { v: T } | undefined
  const get = () => (value ??= { v: build() }).v
  return Object.assign(get, { reset: () => void (value = undefined) })
}
