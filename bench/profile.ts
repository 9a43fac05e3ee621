/**
 * CPU-profiles one session of a capture bench connector (bundled, as the capture cases run it)
 * and prints where its time went, by function (self time, summed by lib/runtime/cpu-profile.ts),
 * for the whole process life: building documents before Opened included.
 *
 *   node --import tsx bench/profile.ts SCRIPT [json|proto] [DOCUMENTS]
 *
 * SCRIPT is a file under bench/connectors/, e.g. flowkit-objects.ts. The .cpuprofile is kept
 * in a temporary directory (its path is printed) for Chrome DevTools or VS Code.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatSelfTime, readCpuProfile, topSelfTime } from '../lib/runtime/cpu-profile.ts'
import { bundled } from './bundle.ts'
import { connectorScript, runBenchSession, type Codec } from './connector-session.ts'

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

const { path, profile } = readCpuProfile(directory)
process.stdout.write(formatSelfTime(topSelfTime(profile, 25)))
process.stdout.write(`profile: ${path}\n`)
