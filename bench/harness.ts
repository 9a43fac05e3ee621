/**
 * The shape of a benchmark and how one is measured: lib/cli/bench-measure.ts, shared with
 * `flowkit bench`. This file adds what the suite's case files need besides.
 */
import type { BenchGroup } from '../lib/cli/bench-measure.ts'

export { measureGroup } from '../lib/cli/bench-measure.ts'
export type { BenchCase, BenchGroup, Measurement, MeasureOptions, Target, TargetResult, Work } from '../lib/cli/bench-measure.ts'

/** What a case file in bench/cases/ exports. Building groups must be cheap: inputs are lazy. */
export type GroupsFactory = () => BenchGroup[] | Promise<BenchGroup[]>

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
