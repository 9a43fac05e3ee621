// flowkit as a user gets it: the packed tarball, installed with npm into a project of its own
// in a temp dir, and commands run there with an environment free of this repository's
// (no npm lifecycle variables, no tap variables, no node_modules/.bin of this checkout).
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join, sep } from 'node:path'
import { root, type Run } from './cli.ts'

/** The TypeScript compiler of this checkout, for type-checking a user's project with `-p`. */
export const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')

/** The type declarations of Node of this checkout, linked into a user's project. */
export const nodeTypes = join(root, 'node_modules', '@types', 'node')

export function packageTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `flowkit-${prefix}-`))
}

/** The environment of a command run in a user's project: this process's, less what ties it to this checkout. */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_(package|lifecycle)_|npm_config_(local_)?prefix$|npm_command$|npm_execpath$|INIT_CWD$|TAP|_TAPJS|NODE_OPTIONS$)/i.test(name)) continue
    env[name] = value
  }
  const checkout = root.replace(/[\\/]+$/, '')
  const inCheckout = (entry: string) => entry === checkout || entry.startsWith(checkout + sep)
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => entry !== '' && !inCheckout(entry))
    .join(delimiter)
  return { ...env, NO_UPDATE_NOTIFIER: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra }
}

export interface CommandOptions {
  readonly cwd: string
  readonly env?: NodeJS.ProcessEnv
  /** Killed after this long (the run then has code null). Default 120 s. */
  readonly timeoutMs?: number
  /** Written to the command's stdin, which is then closed. Default: no stdin. */
  readonly input?: string
}

/** Runs a command to its end and collects its output; never rejects on a non-zero exit. */
export function runCommand(command: string, args: readonly string[], options: CommandOptions): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? userEnv(), stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
    if (options.input !== undefined) child.stdin?.end(options.input)
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** What a failed command printed, for an assertion's message. */
export function describeRun(what: string, run: Run): string {
  return `${what} exited ${run.code}\n--- stdout\n${run.stdout.slice(-4000)}\n--- stderr\n${run.stderr.slice(-4000)}`
}

export interface Packed {
  /** The tarball's path. */
  readonly tarball: string
  /** The paths it holds, relative to the package's root. */
  readonly files: readonly string[]
}

/**
 * `npm pack` of this checkout into `dir`. Scripts are skipped: the package is what
 * `npm run build` last built in dist/ (`npm test` builds first), so the tarball is made in
 * seconds and the build is not raced by a second one.
 */
export async function packFlowkit(dir: string): Promise<Packed> {
  if (!existsSync(join(root, 'dist', 'cli', 'init.js'))) throw new Error('dist/ is missing or old: run `npm run build` before this test')
  const run = await runCommand('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root })
  if (run.code !== 0) throw new Error(describeRun('npm pack', run))
  const [entry] = JSON.parse(run.stdout.slice(run.stdout.indexOf('['))) as [{ filename: string; files: { path: string }[] }]
  return { tarball: join(dir, entry.filename), files: entry.files.map((file) => file.path) }
}

/**
 * `npm install` in a user's project: the tarball, and whatever the project's package.json
 * lists, from the npm cache where it can (`--prefer-offline`).
 */
export function installTarball(project: string, tarball: string): Promise<Run> {
  return runCommand('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: project, timeoutMs: 180_000 })
}
