/**
 * How Flow's runtime starts the connector of an endpoint: a local command with its env, or an
 * image under `docker run`, in the codec the endpoint speaks, optionally under Node's inspector.
 */
import { basename } from 'node:path'
import type { Codec } from '../codec/frames.ts'
import { UsageError } from '../errors.ts'
import type { Endpoint, ImageEndpoint, LocalEndpoint } from './catalog.ts'
import { prepareImage } from './image.ts'
import type { ConnectorLog } from '../io/log-reader.ts'
import { spawnConnector, type ConnectorProcess } from './process.ts'

/**
 * How a connector is started: its log level, where its log lines go, and whether it runs under
 * Node's inspector.
 */
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

/** A started connector and the codec it speaks. */
export interface StartedEndpoint {
  readonly process: ConnectorProcess
  readonly codec: Codec
  /** True when the connector runs under the inspector: it may stay paused for as long as a debugger keeps it. */
  readonly debugging: boolean
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
export async function startEndpoint(endpoint: Endpoint, options: StartOptions = {}): Promise<StartedEndpoint> {
  return endpoint.type === 'image' ? startImage(endpoint, options) : startLocal(endpoint, options)
}

function startLocal(endpoint: LocalEndpoint, options: StartOptions): StartedEndpoint {
  const codec = endpoint.protobuf ? 'proto' : 'json'
  const debugging = options.inspect !== undefined
  const command = options.inspect === undefined ? endpoint.command : inspectedCommand(endpoint.command, options.inspect)
  const env = { ...process.env, ...endpoint.env, LOG_LEVEL: options.logLevel ?? 'info', FLOW_RUNTIME_CODEC: codec }
  const spawned = spawnConnector(command, { env, onLog: options.onLog, runtimeLines: debugging ? INSPECTOR_LINE : undefined })
  return { process: spawned, codec, debugging }
}

async function startImage(endpoint: ImageEndpoint, options: StartOptions): Promise<StartedEndpoint> {
  if (options.inspect !== undefined) {
    throw new UsageError(
      `--inspect runs a Node connector under the inspector, which cannot be done inside the image ${endpoint.image}; ` +
        'to debug the connector, give the capture a local endpoint that runs it with node (endpoint.local.command)',
    )
  }
  const { codec } = await prepareImage(endpoint.image, options)
  const command = ['docker', 'run', '-i', '--rm', '-e', `LOG_LEVEL=${options.logLevel ?? 'info'}`, '-e', `FLOW_RUNTIME_CODEC=${codec}`, endpoint.image]
  return { process: spawnConnector(command, { onLog: options.onLog }), codec, debugging: false }
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
