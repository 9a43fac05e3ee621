/**
 * `flowkit bundle`: a connector and everything it imports (flowkit included) as one ESM file for
 * plain `node`, as a production image runs it: no TypeScript loader, no node_modules, a small
 * fast-starting process. Built with esbuild, which the connector's project installs (a dev
 * dependency); packages that cannot be bundled (native addons such as better-sqlite3) stay
 * imports with `--external` and must then be installed beside the bundle.
 */
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigError, UsageError } from '../errors.ts'

export const bundleUsage = `usage: flowkit bundle ENTRY [-o OUT] [--external PACKAGE]... [--minify] [--no-sourcemap]

Bundles the connector ENTRY (a .ts or .js file) with everything it imports into one ESM file for
plain node (default OUT: dist/connector.mjs), with a source map beside it. Needs esbuild in the
project (npm install --save-dev esbuild). --external keeps a package as an import (native addons);
install it where the bundle runs.`

export interface BundleOptions {
  readonly entry: string
  readonly out: string
  readonly external: readonly string[]
  readonly minify: boolean
  readonly sourcemap: boolean
}

export function parseBundleArgs(args: string[]): BundleOptions {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      external: { type: 'string', multiple: true },
      minify: { type: 'boolean' },
      'no-sourcemap': { type: 'boolean' },
    },
    strict: true,
  })
  const [entry, ...extra] = positionals
  if (entry === undefined) throw new UsageError(`the connector's main file is required\n\n${bundleUsage}`)
  if (extra.length > 0) throw new UsageError(`one entry file, got ${positionals.length}: ${positionals.join(' ')}`)
  return { entry, out: values.out ?? 'dist/connector.mjs', external: values.external ?? [], minify: values.minify ?? false, sourcemap: !values['no-sourcemap'] }
}

/** CommonJS dependencies of a bundle may call require(): give an ESM bundle one. */
const BANNER = "import { createRequire as __flowkitCreateRequire } from 'node:module'; const require = __flowkitCreateRequire(import.meta.url);"

/** Writes the bundle; returns its path and size. */
export async function bundle(options: BundleOptions): Promise<{ path: string; bytes: number }> {
  const esbuild = await loadEsbuild()
  const out = resolve(options.out)
  mkdirSync(dirname(out), { recursive: true })
  const result = await esbuild.build({
    entryPoints: [resolve(options.entry)],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    banner: { js: BANNER },
    external: [...options.external],
    minify: options.minify,
    sourcemap: options.sourcemap ? 'linked' : false,
    metafile: true,
    logLevel: 'silent',
  }).catch((error: { errors?: { text: string; location?: { file: string; line: number } | null }[] }) => {
    const first = error.errors?.[0]
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : ''
    throw new ConfigError(`cannot bundle ${options.entry}: ${first?.text ?? String(error)}${where}`)
  })
  const bytes = result.metafile?.outputs[options.out]?.bytes ?? Object.values(result.metafile?.outputs ?? {}).find((o) => o.entryPoint !== undefined)?.bytes ?? 0
  return { path: out, bytes }
}

type Esbuild = typeof import('esbuild')

async function loadEsbuild(): Promise<Esbuild> {
  try {
    return await import('esbuild')
  } catch {
    throw new ConfigError('flowkit bundle needs esbuild: install it in the connector\'s project (npm install --save-dev esbuild)')
  }
}
