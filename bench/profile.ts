/**
 * CPU-profiles one session of a capture bench connector (bundled, as the capture cases run it)
 * and prints where its time went, by function (self time), for the whole process life:
 * building documents before Opened included.
 *
 *   node --import tsx bench/profile.ts SCRIPT [json|proto] [DOCUMENTS]
 *
 * SCRIPT is a file under bench/connectors/, e.g. flowkit-objects.ts. The .cpuprofile is kept
 * in a temporary directory (its path is printed) for Chrome DevTools or VS Code.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bundled } from './bundle.ts'
import { connectorScript, runBenchSession, type Codec } from './connector-session.ts'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}
interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

// Piped into head(1) and the like: stop quietly when the reader has gone.
process.stdout.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 1))

const [script, codecArg = 'json', documentsArg = '1000000'] = process.argv.slice(2)
if (script === undefined || (codecArg !== 'json' && codecArg !== 'proto') || !/^\d+$/.test(documentsArg)) {
  process.stderr.write('usage: node --import tsx bench/profile.ts SCRIPT [json|proto] [DOCUMENTS]\n')
  process.exit(2)
}
const directory = mkdtempSync(join(tmpdir(), 'flowkit-profile-'))
const session = await runBenchSession({
  script: bundled(connectorScript(script)),
  tsx: false,
  codec: codecArg as Codec,
  documents: Number(documentsArg),
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${directory}`],
})
process.stdout.write(`${script} ${codecArg}: ${Math.round(session.docs / session.seconds)} docs/s, peak RSS ${session.peakRssMB} MB\n`)

const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'))
if (file === undefined) throw new Error(`no .cpuprofile was written in ${directory}`)
const profile = JSON.parse(readFileSync(join(directory, file), 'utf8')) as Profile
const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
const self = new Map<string, number>()
let total = 0
profile.samples.forEach((id, i) => {
  const frame = nodes.get(id)?.callFrame
  const name = frame === undefined ? '?' : `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop() ?? ''}:${frame.lineNumber + 1}`
  const micros = profile.timeDeltas[i] ?? 0
  self.set(name, (self.get(name) ?? 0) + micros)
  total += micros
})
for (const [name, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  process.stdout.write(`${((micros / total) * 100).toFixed(1).padStart(5)}%  ${name}\n`)
}
process.stdout.write(`profile: ${join(directory, file)}\n`)
