// `npm run fuzz`: every fuzz target, FUZZ_RUNS cases each (default 100,000), or only the
// targets named on the command line. Prints cases, time and peak RSS per target; exits 1 on a
// failure, after printing fast-check's report (its seed and path replay the case).
import { performance } from 'node:perf_hooks'
import * as airbyteLines from './airbyte-lines.ts'
import * as jsonMapping from './json-mapping.ts'
import * as lengthPrefixedFrames from './length-prefixed-frames.ts'
import * as ndjsonFrames from './ndjson-frames.ts'
import * as singerLines from './singer-lines.ts'
import * as tuples from './tuples.ts'
import type { RunResult } from './harness.ts'

export const targets: readonly { readonly name: string; run(runs: number): Promise<RunResult> }[] = [ndjsonFrames, lengthPrefixedFrames, jsonMapping, airbyteLines, singerLines, tuples]

const runs = Number(process.env.FUZZ_RUNS ?? 100_000)
const only = process.argv.slice(2)
const chosen = only.length ? targets.filter((target) => only.includes(target.name)) : targets
if (chosen.length === 0) {
  console.error(`no such target: ${only.join(', ')}; targets are ${targets.map((target) => target.name).join(', ')}`)
  process.exit(2)
}

let failed = false
const started = performance.now()
console.log(`fuzzing ${chosen.length} target${chosen.length === 1 ? '' : 's'}, ${runs} cases each${process.env.FUZZ_SEED ? `, seed ${process.env.FUZZ_SEED}` : ''}`)
for (const target of chosen) {
  const result = await target.run(runs)
  const rssMB = Math.round(process.resourceUsage().maxRSS / 1024)
  const perSecond = Math.round(result.cases / Math.max(result.ms / 1000, 1e-3))
  console.log(`${result.failed ? 'FAIL' : 'ok  '} ${result.target.padEnd(24)} ${String(result.cases).padStart(8)} cases ${(result.ms / 1000).toFixed(1).padStart(7)} s ${String(perSecond).padStart(7)} cases/s  peak RSS ${rssMB} MB`)
  if (result.failed) {
    failed = true
    console.log(result.report)
  }
}
console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`)
process.exit(failed ? 1 : 0)
