/**
 * A foreign connector (an Airbyte source, a Singer tap) run as a child process: its stdout read
 * continuously as lines, its stderr forwarded as log events, its files in a private temporary
 * directory, and the process stopped and waited for whenever the run ends, so that none is left
 * behind.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import type { Buffer } from 'node:buffer'
import { splitLines } from '../codec/lines.ts'
import { ConnectorError, FramingError } from '../errors.ts'
import type { Logger } from '../io/log.ts'
import { LogLines, type ConnectorLog } from '../io/log-reader.ts'

export interface ChildOptions {
  /** Where the child's stderr goes, one log event per line (a traceback is one event). */
  readonly logger: Logger
  /** Longest stdout line accepted, in bytes. Default 64 MiB. */
  readonly maxLineBytes?: number | undefined
  /** Fail when the child writes no stdout line for this long; 0 or undefined: wait forever. */
  readonly idleTimeoutMs?: number | undefined
  /** How long the child may take to exit once sent SIGTERM, before SIGKILL. Default 5 s. */
  readonly stopGraceMs?: number | undefined
  /** Aborting it stops the child at once (the capture session stopped). */
  readonly signal?: AbortSignal | undefined
}

export interface ChildExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** The child's last log event: its error, when it failed. */
  readonly lastLog: ConnectorLog | undefined
}

/** Files for a child, in a directory only this user can read, removed by `remove()`. */
export class ChildFiles {
  readonly dir: string
  private constructor(dir: string) {
    this.dir = dir
  }

  static async create(): Promise<ChildFiles> {
    return new ChildFiles(await mkdtemp(join(tmpdir(), 'flowkit-shim-')))
  }

  /** Writes `value` as JSON to `name` (mode 0600) and returns its path. */
  async json(name: string, value: unknown): Promise<string> {
    const path = join(this.dir, name)
    await writeFile(path, JSON.stringify(value), { mode: 0o600 })
    return path
  }

  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true })
  }
}

/**
 * Runs `command` and yields its stdout lines in batches, as they come, as bytes (views of the
 * chunks read; blank lines skipped). The child is stopped
 * (SIGTERM, then SIGKILL after the grace period) and waited for when the consumer stops early
 * or fails, and the generator fails when the child exits non-zero, with the child's last log
 * message. A line longer than `maxLineBytes`, or a silence longer than `idleTimeoutMs`, fails it
 * with a ConnectorError that says which.
 */
export async function* runChild(command: readonly string[], options: ChildOptions): AsyncGenerator<Buffer[], ChildExit, undefined> {
  const child = startChild(command, options)
  const onAbort = () => void child.stop(options.stopGraceMs ?? 5000)
  options.signal?.addEventListener('abort', onAbort, { once: true })
  if (options.signal?.aborted) onAbort()
  const name = JSON.stringify(command.join(' '))
  const lines = splitLines(child.process.stdout, { maxLineBytes: options.maxLineBytes })
  let finished = false
  try {
    for (;;) {
      const next = await withIdleTimeout(lines.next(), options.idleTimeoutMs, name)
      if (next.done) break
      yield next.value
    }
    finished = true
  } catch (error) {
    if (error instanceof FramingError && error.code === 'FRAME_TOO_LARGE') {
      throw new ConnectorError(`the connector ${name} wrote a line too long to read: ${error.message}`, { cause: error })
    }
    throw error
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    if (!finished) await child.stop(options.stopGraceMs ?? 5000)
  }
  const exit = await child.exited
  if (exit.code !== 0) {
    const how = exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal}`
    throw new ConnectorError(`${exit.lastLog?.message || 'the connector exited with no log output'} (connector ${name} failed: ${how})`)
  }
  return exit
}

interface StartedChild {
  readonly process: ChildProcessByStdio<null, Readable, Readable>
  readonly exited: Promise<ChildExit>
  stop(graceMs: number): Promise<void>
}

function startChild(command: readonly string[], options: ChildOptions): StartedChild {
  const [program, ...args] = command as [string, ...string[]]
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  // Should this process exit first, however it exits, the child goes with it.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  let lastLog: ConnectorLog | undefined
  const logs = new LogLines((log) => {
    lastLog = log
    options.logger[log.level](log.message, log.fields)
  })
  createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => logs.push(line))
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('error', (error) => {
      logs.flush()
      lastLog = { level: 'error', message: `cannot start ${JSON.stringify(program)}: ${error.message}`, fields: {} }
      resolve({ code: null, signal: null, lastLog })
    })
    child.once('close', (code, signal) => {
      logs.flush()
      resolve({ code, signal, lastLog })
    })
  })
  void exited.then(() => process.off('exit', killOnExit))
  const stop = async (graceMs: number) => {
    // Output nobody will read must not hold the child's 'close' back.
    child.stdout.destroy()
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }
  return { process: child, exited, stop }
}

/** The next line batch, or a ConnectorError once `ms` passed without one. */
async function withIdleTimeout<T>(next: Promise<T>, ms: number | undefined, name: string): Promise<T> {
  if (!ms) return next
  let timer: ReturnType<typeof setTimeout> | undefined
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConnectorError(`the connector ${name} wrote nothing for ${ms / 1000} s (idle timeout)`)), ms)
  })
  try {
    return await Promise.race([next, idle])
  } finally {
    clearTimeout(timer)
  }
}

/** The start of a line of output, as text for a log. */
export function lineExcerpt(line: Buffer): string {
  return line.length > 200 ? `${line.toString('utf8', 0, 200)}…` : line.toString('utf8')
}
