import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ArgumentError, messageOf, UsageError } from '../errors.ts'
import { INIT_KINDS, projectFiles, type InitKind, type ProjectNames, type ProjectVersions } from './init-files.ts'

export const initUsage = `usage: flowkit init [DIR] [--kind capture|airbyte|singer|materialize|derive]

Creates a connector project in DIR (default: the current directory), which must be new or
empty: package.json (flowkit as a dependency; scripts start, test, build, bundle, spec, and
discover or validate), tsconfig.json, main.ts, flow.yaml, a test using flowkit/testing, a
Dockerfile and a README.md. Then:

  cd DIR && npm install && npm start

  --kind capture      a capture written in TypeScript with flowkit/capture (the default)
  --kind airbyte      an Airbyte source (a small Python script) run through flowkit's Airbyte shim
  --kind singer       a Singer tap (a small Python script) run through flowkit's Singer shim
  --kind materialize  a materialization into a JSON file, with flowkit/materialize; npm start
                      runs it on the sample documents in documents.jsonl
  --kind derive       a derivation that counts words, with flowkit/derive; npm start runs it
                      on the sample documents in documents.jsonl`

export interface InitOptions {
  readonly dir: string
  readonly kind: InitKind
}

export function parseInitArgs(args: readonly string[]): InitOptions {
  let parsed
  try {
    parsed = parseArgs({ args: [...args], options: { kind: { type: 'string' } }, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError(`${messageOf(error)}\n\n${initUsage}`, { cause: error })
  }
  const { values, positionals } = parsed
  if (positionals.length > 1) throw new UsageError(`flowkit init takes one directory; got ${positionals.map((p) => JSON.stringify(p)).join(', ')}`)
  const kind = values.kind ?? 'capture'
  if (!(INIT_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind must be one of ${INIT_KINDS.join(', ')}; got ${JSON.stringify(kind)}`)
  return { dir: positionals[0] ?? '.', kind: kind as InitKind }
}

/** What `init` wrote. */
export interface InitResult {
  /** The project's directory, absolute. */
  readonly dir: string
  /** The files written, relative to `dir`, in the order written. */
  readonly files: readonly string[]
}

/**
 * Writes a new connector project of `kind` into `dir` (relative to `cwd`), creating it if
 * needed. Refuses a path that is a file or a directory that holds anything, before writing.
 */
export function init(options: InitOptions, cwd = process.cwd()): InitResult {
  const dir = resolve(cwd, options.dir)
  let entries: string[] = []
  try {
    if (!statSync(dir).isDirectory()) throw new ArgumentError(`${options.dir} is a file: flowkit init writes a project into a new or empty directory`)
    entries = readdirSync(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  if (entries.length > 0) {
    const shown = entries.sort().slice(0, 5).join(', ') + (entries.length > 5 ? ', ...' : '')
    throw new ArgumentError(`${options.dir} is not empty (it holds ${shown}): flowkit init writes a project only into a new or empty directory`)
  }
  const files = projectFiles(options.kind, namesFor(dir), ownVersions())
  mkdirSync(dir, { recursive: true })
  for (const [path, text] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text, { flag: 'wx' })
  }
  return { dir, files: files.map(([path]) => path) }
}

/** The `init` command: writes the project and says what to run next. */
export function runInit(options: InitOptions, output: NodeJS.WritableStream, cwd = process.cwd()): void {
  const { dir, files } = init(options, cwd)
  const shown = relative(cwd, dir) || '.'
  const steps = [...(shown === '.' ? [] : [`cd ${shown.includes(' ') ? JSON.stringify(shown) : shown}`]), 'npm install', 'npm start', 'npm test']
  output.write(
    `Created ${options.kind === 'airbyte' ? 'an' : 'a'} ${options.kind} connector project in ${shown}:\n` +
      files.map((file) => `  ${file}\n`).join('') +
      `\nNext:\n` +
      steps.map((step) => `  ${step}\n`).join('') +
      `\nREADME.md in the project says what each file is for.\n`,
  )
}

/** The package and catalog names of a project, from its directory's name. */
export function namesFor(dir: string): ProjectNames {
  const slug =
    basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[._-]+|[._-]+$/g, '')
      .slice(0, 100) || 'flow-connector'
  return { packageName: slug, taskName: `acmeCo/${slug}` }
}

/**
 * flowkit's own version, the versions of its dependencies a project shares (typebox, tsx) and
 * of the tools it builds with (typescript, @types/node), as this package's package.json gives them.
 */
function ownVersions(): ProjectVersions {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
    dependencies?: Record<string, string>
    devDependencies?: Record<string, string>
  }
  const of = (name: string, fallback: string) => pkg.dependencies?.[name] ?? pkg.devDependencies?.[name] ?? fallback
  return {
    flowkit: `^${pkg.version}`,
    typebox: of('typebox', '^1.4.3'),
    tsx: of('tsx', '^4.20.0'),
    typescript: of('typescript', '^5.9.0'),
    typesNode: of('@types/node', '^20.19.0'),
    esbuild: of('esbuild', '^0.28.0'),
  }
}
