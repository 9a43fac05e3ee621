/**
 * The runtime's end of one connector RPC: a capture connector process started as Flow starts
 * it, requests written to its stdin and responses read from its stdout in the endpoint's
 * codec, its stderr read as logs, and the rules for turning how it ended into one error.
 */
import { spawn } from 'node:child_process'
import { basename } from 'node:path'
import { createInterface } from 'node:readline'
import { decodeLengthPrefixed, decodeNdjson } from '../codec/index.ts'
import { ConnectorError, FramingError, ProtocolError, UsageError } from '../errors.ts'
import { captureRequest, captureResponse, type CaptureRequest, type CaptureResponse } from '../protocol/index.ts'
import type { CaptureTask, Endpoint, ImageEndpoint, LocalEndpoint } from './catalog.ts'
import { prepareImage } from './image.ts'
import { LogLines, type ConnectorLog } from './logs.ts'
import { internalSpecRequest } from './requests.ts'

export interface StartOptions {
  /** The connector's LOG_LEVEL. Default: info. */
  readonly logLevel?: string | undefined
  /** Called with each line the connector logs on stderr, in order. */
  readonly onLog?: ((log: ConnectorLog) => void) | undefined
  /**
   * `HOST:PORT`: run the connector under Node's inspector, listening there and paused before
   * its first line until a debugger attaches (`node --inspect-brk`). Only for a local endpoint
   * whose command runs `node`. Port 0 picks a free port; the inspector's own lines
   * (`Debugger listening on ws://HOST:PORT/...`) reach `onLog` at info level.
   */
  readonly inspect?: string | undefined
}

export interface ConnectorExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** The last line the connector logged: Flow reports its message as the task's error. */
  readonly lastLog: ConnectorLog | undefined
  /** Why the command could not be started, if it could not. */
  readonly startError?: Error
}

/** A running connector process. */
export interface CaptureConnection {
  readonly codec: 'json' | 'proto'
  /** The argv that was started: the local command, or `docker run ...` for an image. */
  readonly command: readonly string[]
  /** True when the connector runs under the inspector: it may be paused for as long as a debugger keeps it. */
  readonly debugging: boolean
  /** Writes one request to the connector's stdin (in the background; errors are ignored). */
  send(request: CaptureRequest): void
  /** Bytes written to the connector's stdin that it has not taken yet. */
  readonly inputBacklog: number
  /** Resolves once every request written so far has been taken by the connector (or its stdin closed). */
  inputTaken(): Promise<void>
  /** Closes the connector's stdin. */
  end(): void
  /** The next response, or undefined once the connector closed its stdout. Throws on a bad frame. */
  next(): Promise<CaptureResponse | undefined>
  /** How many responses were read so far, and the last one. */
  readonly received: number
  readonly last: CaptureResponse | undefined
  kill(signal?: NodeJS.Signals): void
  /** Settles when the process has exited and its stderr is read. */
  readonly exited: Promise<ConnectorExit>
}

/**
 * Starts the endpoint's connector.
 *
 * A local command is spawned in the working directory of this process (as Flow does; relative
 * paths in `command` are relative to it) with the endpoint's `env` and LOG_LEVEL added; the
 * codec is protobuf when the endpoint says `protobuf: true`, else JSON lines, which the
 * connector is told with FLOW_RUNTIME_CODEC.
 *
 * An image runs as `docker run -i --rm -e LOG_LEVEL=... -e FLOW_RUNTIME_CODEC=... IMAGE`,
 * talking over the container's stdin and stdout. As Flow does, the image is pulled first
 * unless its tag is `:local`, and its codec is JSON when the image's `FLOW_RUNTIME_CODEC`
 * label (or environment variable) says `json`, else protobuf. Without a Docker engine that
 * answers, this fails saying so.
 */
export async function startCapture(endpoint: Endpoint, options: StartOptions = {}): Promise<CaptureConnection> {
  if (endpoint.type === 'image') return startImage(endpoint, options)
  return startLocal(endpoint, options)
}

function startLocal(endpoint: LocalEndpoint, options: StartOptions): CaptureConnection {
  const codec = endpoint.protobuf ? 'proto' : 'json'
  const command = options.inspect === undefined ? endpoint.command : inspectedCommand(endpoint.command, options.inspect)
  const env = { ...process.env, ...endpoint.env, LOG_LEVEL: options.logLevel ?? 'info', FLOW_RUNTIME_CODEC: codec }
  return spawnConnector(command, env, codec, options)
}

async function startImage(endpoint: ImageEndpoint, options: StartOptions): Promise<CaptureConnection> {
  if (options.inspect !== undefined) {
    throw new UsageError(
      `--inspect runs a Node connector under the inspector, which cannot be done inside the image ${endpoint.image}; ` +
        'to debug the connector, give the capture a local endpoint that runs it with node (endpoint.local.command)',
    )
  }
  const { codec } = await prepareImage(endpoint.image, options)
  const command = ['docker', 'run', '-i', '--rm', '-e', `LOG_LEVEL=${options.logLevel ?? 'info'}`, '-e', `FLOW_RUNTIME_CODEC=${codec}`, endpoint.image]
  return spawnConnector(command, process.env, codec, options)
}

/**
 * The command with `--inspect-brk=HOST:PORT` right after the program, which must be node:
 * a wrapper (npx, tsx, a shell script) would either start the inspector in the wrong process
 * or, through NODE_OPTIONS, in every node process it starts, all on the same port.
 */
function inspectedCommand(command: readonly string[], address: string): string[] {
  const [program, ...args] = command as [string, ...string[]]
  const name = basename(program).toLowerCase()
  if (name !== 'node' && name !== 'node.exe') {
    throw new UsageError(
      `--inspect needs the connector's command to start node itself, so that the inspector runs in the connector's process; ` +
        `this capture's command starts ${JSON.stringify(program)}: write it as node and its arguments, ` +
        'e.g. ["node", "--import", "tsx", "main.ts"] (endpoint.local.command)',
    )
  }
  return [program, `--inspect-brk=${address}`, ...args]
}

/** Lines Node's inspector writes on stderr: the runtime's, not the connector's. */
const INSPECTOR_LINE = /^(Debugger listening on ws:\/\/|Debugger ending on ws:\/\/|For help, see: https:\/\/nodejs\.org\/|Debugger attached\.|Waiting for the debugger to disconnect\.\.\.)/

function spawnConnector(command: readonly string[], env: NodeJS.ProcessEnv, codec: 'json' | 'proto', options: StartOptions): CaptureConnection {
  const [program, ...args] = command as [string, ...string[]]
  const debugging = options.inspect !== undefined
  const child = spawn(program, args, { cwd: process.cwd(), env, stdio: ['pipe', 'pipe', 'pipe'] })
  child.stdin.on('error', () => {}) // a connector may exit without reading all its input

  let lastLog: ConnectorLog | undefined
  const logs = new LogLines((log) => {
    lastLog = log
    options.onLog?.(log)
  })
  const lines = createInterface({ input: child.stderr, crlfDelay: Infinity })
  lines.on('line', (line) => {
    if (debugging && INSPECTOR_LINE.test(line)) {
      logs.flush()
      options.onLog?.({ level: 'info', message: line.trim(), fields: {} })
      return
    }
    logs.push(line)
  })
  // 'close' comes after every stdio stream has ended, so all of stderr has been read by then.
  const exited = new Promise<ConnectorExit>((resolve) => {
    child.once('error', (startError) => {
      logs.flush()
      resolve({ code: null, signal: null, lastLog, startError })
    })
    child.once('close', (code, signal) => {
      logs.flush()
      resolve({ code, signal, lastLog })
    })
  })

  const batches = (
    codec === 'json'
      ? decodeNdjson(child.stdout, { parse: captureResponse.fromJson })
      : decodeLengthPrefixed(child.stdout, { parse: captureResponse.fromProto })
  )[Symbol.asyncIterator]()
  let batch: CaptureResponse[] = []
  let index = 0
  let received = 0
  let last: CaptureResponse | undefined

  return {
    codec,
    command,
    debugging,
    send(request) {
      if (child.stdin.destroyed || child.stdin.writableEnded) return
      if (codec === 'json') {
        child.stdin.write(captureRequest.toJson(request) + '\n')
      } else {
        const body = captureRequest.toProto(request)
        const header = Buffer.allocUnsafe(4)
        header.writeUInt32LE(body.length, 0)
        child.stdin.write(Buffer.concat([header, body]))
      }
    },
    get inputBacklog() {
      return child.stdin.writableLength
    },
    inputTaken() {
      if (child.stdin.writableLength === 0 || child.stdin.destroyed) return Promise.resolve()
      return new Promise<void>((resolve) => {
        child.stdin.once('close', resolve)
        child.stdin.write('', () => resolve())
      })
    },
    end: () => {
      if (!child.stdin.writableEnded) child.stdin.end()
    },
    async next() {
      while (index >= batch.length) {
        const result = await batches.next()
        if (result.done) return undefined
        batch = result.value
        index = 0
      }
      received++
      last = batch[index++]
      return last
    },
    get received() {
      return received
    },
    get last() {
      return last
    },
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    },
    exited,
  }
}

const RESPONSE_KINDS = ['spec', 'discovered', 'validated', 'applied', 'opened', 'captured', 'sourcedSchema', 'checkpoint', 'backfillBegin', 'backfillComplete'] as const
export type ResponseKind = (typeof RESPONSE_KINDS)[number]

/** The kind of a response: the one sub-message it carries, or undefined if none. */
export function responseKind(response: CaptureResponse): ResponseKind | undefined {
  return RESPONSE_KINDS.find((kind) => response[kind] != null)
}

/** The connector output ended where a response was due. */
class ConnectorEof extends ProtocolError {}

/** A broken rule of the protocol, naming the rule and the offending response. */
export function violation(connection: CaptureConnection, rule: string): ProtocolError {
  return new ProtocolError(`connector protocol error: ${rule} (response ${connection.received}: ${describeResponse(connection.last)})`)
}

/** The connector closed its output where `expected` was due. */
export function unexpectedEof(connection: CaptureConnection, expected: string): ProtocolError {
  const after = connection.received === 0 ? 'before any response' : `after response ${connection.received}: ${describeResponse(connection.last)}`
  return new ConnectorEof(`connector protocol error: the connector closed its output, but ${expected} (${after})`)
}

function describeResponse(response: CaptureResponse | undefined): string {
  if (response === undefined) return 'none'
  const text = captureResponse.toJson(response)
  return text.length <= 240 ? text : `${text.slice(0, 240)}… (${text.length} characters)`
}

/**
 * Starts the connector (LOG_LEVEL: the option, else the capture's `shards.logLevel`, else
 * info) and plays the runtime's first exchange of every capture stream: the internal Spec
 * (empty config), whose response must be a Spec. Returns the connection and that response's
 * `spec` (its resourcePathPointers are used to build bindings).
 */
export async function connect(task: CaptureTask, options: StartOptions): Promise<{ connection: CaptureConnection; spec: NonNullable<CaptureResponse['spec']> }> {
  const connection = await startCapture(task.endpoint, { ...options, logLevel: options.logLevel ?? task.logLevel })
  try {
    connection.send(internalSpecRequest(task))
    const response = await connection.next()
    if (response === undefined) throw unexpectedEof(connection, 'a Spec response to the internal Spec request was due')
    if (response.spec == null) throw violation(connection, `the first response must be a Spec (the answer to the runtime's internal Spec request), not ${responseKind(response) ?? 'an empty message'}`)
    return { connection, spec: response.spec }
  } catch (error) {
    throw await failure(connection, error)
  }
}

/** How long a connector may take to exit once its input is closed and its output ended. */
const EXIT_GRACE_MS = 10_000
/** How long a connector may take to stop once asked to (SIGTERM). */
const STOP_GRACE_MS = 2_000

/** Ends an RPC that went as it should: closes stdin, waits for the exit, fails if it was not clean. */
export async function finish(connection: CaptureConnection): Promise<void> {
  connection.end()
  const problem = exitProblem(connection, await waitForExit(connection))
  if (problem) throw problem
}

/**
 * Ends an RPC that went wrong and returns the error to report. When the output ended early
 * (or mid-frame), the connector's own failure, if it exited non-zero, explains it best;
 * otherwise the connector is stopped and `error` stands.
 */
export async function failure(connection: CaptureConnection, error: unknown): Promise<unknown> {
  const ended = error instanceof ConnectorEof || (error instanceof FramingError && error.code === 'FRAME_TRUNCATED')
  if (ended) {
    connection.end()
    return exitProblem(connection, await waitForExit(connection)) ?? error
  }
  connection.kill('SIGTERM')
  if ((await waitForExit(connection, STOP_GRACE_MS)) === undefined) connection.kill('SIGKILL')
  if (error instanceof FramingError) return new ProtocolError(`connector protocol error: ${error.message}`, { cause: error })
  return error
}

/**
 * The exit, or undefined if it did not come within `ms` (the exit grace by default, without
 * limit for a connector under a debugger, which may hold it paused).
 */
async function waitForExit(connection: CaptureConnection, ms = connection.debugging ? Infinity : EXIT_GRACE_MS): Promise<ConnectorExit | undefined> {
  if (ms === Infinity) return connection.exited
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))
  try {
    return await Promise.race([connection.exited, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Why an exit is a failure, or undefined for a clean exit. */
function exitProblem(connection: CaptureConnection, exit: ConnectorExit | undefined): ConnectorError | undefined {
  if (exit === undefined) {
    connection.kill('SIGKILL')
    return new ConnectorError(`the connector did not exit within ${EXIT_GRACE_MS / 1000} s after its input was closed; it was killed`)
  }
  if (exit.startError) {
    const code = (exit.startError as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'no such program' : code === 'EACCES' ? 'permission denied' : exit.startError.message
    return new ConnectorError(`cannot start the connector command ${JSON.stringify(connection.command[0])}: ${reason}`, { cause: exit.startError })
  }
  if (exit.code === 0) return undefined
  const how = exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal}`
  const message = exit.lastLog?.message || 'connector exited with no log output'
  return new ConnectorError(`${message} (connector failed: ${how})`, { signal: exit.signal })
}
