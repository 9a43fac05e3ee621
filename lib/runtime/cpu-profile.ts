/**
 * Where a process's time went: the V8 CPU profile that `node --cpu-prof` writes when the
 * process exits, summed by function (self time: samples whose top frame is the function).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, messageOf } from '../errors.ts'

/** The parts of a .cpuprofile (Chrome DevTools' format) a summary reads. */
export interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number } }[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

export interface SelfTime {
  /** `function file:line`, `(anonymous)` for a function without a name. */
  readonly name: string
  readonly ms: number
  /** Of all sampled time, 0–100. */
  readonly percent: number
}

/** The functions with the most self time, highest first. */
export function topSelfTime(profile: CpuProfile, count = 25): SelfTime[] {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]))
  const self = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id)
    const name = frame === undefined ? '?' : `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop() ?? ''}:${frame.lineNumber + 1}`
    const micros = profile.timeDeltas[i] ?? 0
    self.set(name, (self.get(name) ?? 0) + micros)
    total += micros
  })
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => ({ name, ms: micros / 1000, percent: total === 0 ? 0 : (micros / total) * 100 }))
}

/** One line per function: `  12.3%  name file:line`. */
export function formatSelfTime(top: readonly SelfTime[]): string {
  return top.map((entry) => `${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}\n`).join('')
}

/** The (first) .cpuprofile `node --cpu-prof --cpu-prof-dir=DIR` wrote in `dir`, and its path. */
export function readCpuProfile(dir: string): { path: string; profile: CpuProfile } {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))
  if (file === undefined) throw new ConfigError(`no .cpuprofile was written in ${dir}`)
  const path = join(dir, file)
  try {
    return { path, profile: JSON.parse(readFileSync(path, 'utf8')) as CpuProfile }
  } catch (error) {
    throw new ConfigError(`${path} is not a CPU profile: ${messageOf(error)}`, { cause: error })
  }
}
