// The process `flowkit bench` spawns for a ceiling (bench-ceiling.ts): MODE FILE.
import { CEILING_MODES, serveCeiling, type CeilingMode } from './bench-ceiling.ts'

const [mode, file] = process.argv.slice(2)
if (!CEILING_MODES.includes(mode as CeilingMode) || file === undefined) {
  process.stderr.write(`usage: bench-ceiling-main ${CEILING_MODES.join('|')} FILE\n`)
  process.exit(2)
}
await serveCeiling(mode as CeilingMode, file)
