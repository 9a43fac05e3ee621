/**
 * Bench connectors run as production connectors do: bundled into one ESM file by esbuild and
 * started with plain `node`, so that start-up, memory and speed are flowkit's and not those of
 * a TypeScript loader (under tsx a connector's resident set is ~80 MB larger).
 */
import { buildSync } from 'esbuild'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'

let directory: string | undefined
const bundles = new Map<string, string>()

/** The path of `script` bundled (once per process; removed when the process exits). */
export function bundled(script: string): string {
  const done = bundles.get(script)
  if (done !== undefined) return done
  if (directory === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'flowkit-bench-'))
    directory = made
    process.once('exit', () => rmSync(made, { recursive: true, force: true }))
  }
  const outfile = join(directory, basename(script).replace(/\.ts$/, '.mjs'))
  buildSync({
    entryPoints: [script],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'error',
  })
  bundles.set(script, outfile)
  return outfile
}
