/**
 * A connector process as Flow's runtime runs one: spawned with pipes for stdin, stdout and
 * stderr; its stderr read as log events; its end turned into one error, or none, by the
 * runtime's exit policy.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { ConnectorError } from '../errors.ts'
import { LogLines, type ConnectorLog } from '../io/log-reader.ts'

export interface SpawnOptions {
  /** The environment of the process. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv | undefined
  /** Called with each log event of the connector's stderr, in order. */
  readonly onLog?: ((log: ConnectorLog) => void) | undefined
  /** Lines of stderr that are the runtime's own (a debugger's), passed to `onLog` as info, unfolded. */
  readonly runtimeLines?: RegExp | undefined
}

export interface ConnectorExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** The last event the connector logged: Flow reports its message as the task's error. */
  readonly lastLog: ConnectorLog | undefined
  /** Why the command could not be started, if it could not. */
  readonly startError?: Error
}

/** A running connector process. */
export interface ConnectorProcess {
  /** The argv that was started. */
  readonly command: readonly string[]
  readonly stdin: Writable
  readonly stdout: Readable
  /** Sends a signal unless the process has exited. */
  kill(signal?: NodeJS.Signals): void
  /** Settles when the process has exited and all of its stderr has been read. */
  readonly exited: Promise<ConnectorExit>
}

/** Starts `command` (the program, then its arguments) in this process's working directory. */
export function spawnConnector(command: readonly string[], options: SpawnOptions = {}): ConnectorProcess {
  const [program, ...args] = command as [string, ...string[]]
  const child = spawn(program, args, { cwd: process.cwd(), env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] })
  child.stdin.on('error', () => {}) // a connector may exit without reading all its input
  return {
    command,
    stdin: child.stdin,
    stdout: child.stdout,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    },
    exited: readExit(child, options),
  }
}

/** Reads stderr as logs until the process has exited; 'close' comes after every stdio stream has ended. */
function readExit(child: ChildProcessByStdio<Writable, Readable, Readable>, options: SpawnOptions): Promise<ConnectorExit> {
  let lastLog: ConnectorLog | undefined
  const logs = new LogLines((log) => {
    lastLog = log
    options.onLog?.(log)
  })
  createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => {
    if (options.runtimeLines?.test(line)) {
      logs.flush()
      options.onLog?.({ level: 'info', message: line.trim(), fields: {} })
    } else logs.push(line)
  })
  return new Promise((resolve) => {
    child.once('error', (startError) => {
      logs.flush()
      resolve({ code: null, signal: null, lastLog, startError })
    })
    child.once('close', (code, signal) => {
      logs.flush()
      resolve({ code, signal, lastLog })
    })
  })
}

/** How long a connector may take to exit once its input is closed and its output ended. */
export const EXIT_GRACE_MS = 10_000
/** How long a connector may take to stop once asked to (SIGTERM). */
export const STOP_GRACE_MS = 2_000

/** The exit, or undefined if it did not come within `ms` (Infinity: wait as long as it takes). */
export async function waitForExit(connector: ConnectorProcess, ms: number): Promise<ConnectorExit | undefined> {
  if (ms === Infinity) return connector.exited
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))
  try {
    return await Promise.race([connector.exited, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Stops a connector: SIGTERM, then SIGKILL if it has not exited within STOP_GRACE_MS. */
export async function stopConnector(connector: ConnectorProcess): Promise<void> {
  connector.kill('SIGTERM')
  if ((await waitForExit(connector, STOP_GRACE_MS)) === undefined) connector.kill('SIGKILL')
}

/**
 * Why an exit is a failure, or undefined for a clean one (exit code 0). A connector that did
 * not exit in time (`exit` undefined) is killed. A failed connector's error is its last log
 * message, as Flow reports it, with how it ended.
 */
export function exitProblem(connector: ConnectorProcess, exit: ConnectorExit | undefined): ConnectorError | undefined {
  if (exit === undefined) {
    connector.kill('SIGKILL')
    return new ConnectorError(`the connector did not exit within ${EXIT_GRACE_MS / 1000} s after its input was closed; it was killed`)
  }
  if (exit.startError) {
    const code = (exit.startError as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'no such program' : code === 'EACCES' ? 'permission denied' : exit.startError.message
    return new ConnectorError(`cannot start the connector command ${JSON.stringify(connector.command[0])}: ${reason}`, { cause: exit.startError })
  }
  if (exit.code === 0) return undefined
  const how = exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal}`
  const message = exit.lastLog?.message || 'connector exited with no log output'
  return new ConnectorError(`${message} (connector failed: ${how})`, { signal: exit.signal })
}
