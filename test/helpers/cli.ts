// Runs the `flowkit` command as a user runs it: `node lib/cli/flowkit.js ...` from the
// repository's root, so relative `command` paths of the example catalogs resolve.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse, stringify } from 'yaml'

export const root = fileURLToPath(new URL('../../', import.meta.url))
export const flowkit = join(root, 'lib/cli/flowkit.js')
export const helloCatalog = join(root, 'examples/source-hello/flow.yaml')

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv
}

export function startCli(args: string[], options: RunOptions = {}): ChildProcess {
  return spawn(process.execPath, [flowkit, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env })
}

export function runCli(args: string[], options: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = startCli(args, options)
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'flowkit-cli-'))
}

/**
 * Writes a copy of the source-hello catalog into `dir`, changed by `edit` (given the parsed
 * catalog and the capture's local endpoint), and returns its path.
 */
export function helloCopy(dir: string, name: string, edit: (catalog: any, local: any) => void): string {
  const catalog = parse(readFileSync(helloCatalog, 'utf8'))
  edit(catalog, catalog.captures['acmeCo/source-hello'].endpoint.local)
  const path = join(dir, name)
  writeFileSync(path, stringify(catalog))
  return path
}

/** The JSON lines of an output, less a last line cut short (by a kill). */
export function jsonLines(text: string): unknown[] {
  const lines = text.split('\n').filter((line) => line !== '')
  const out: unknown[] = []
  for (const [i, line] of lines.entries()) {
    try {
      out.push(JSON.parse(line))
    } catch (error) {
      if (i === lines.length - 1 && !text.endsWith('\n')) break
      throw error
    }
  }
  return out
}
