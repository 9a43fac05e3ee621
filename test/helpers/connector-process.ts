// Runs a connector as a child process and talks Flow's capture protocol to it, in either
// codec, through the same runtime driver and log reader as `flowkit preview`.
import type { Codec } from '../../lib/codec/frames.ts'
import { captureRequest, captureResponse, deriveRequest, deriveResponse, materializeRequest, materializeResponse, type CaptureRequest, type CaptureResponse, type DeriveRequest, type DeriveResponse, type MaterializeRequest, type MaterializeResponse, type MessageCodec } from '../../lib/protocol/index.ts'
import { Connection } from '../../lib/runtime/connection.ts'
import type { ConnectorLog } from '../../lib/io/log-reader.ts'
import { spawnConnector } from '../../lib/runtime/process.ts'

export type { Codec }

export interface ConnectorProcess<Req = CaptureRequest, Res = CaptureResponse> {
  send(request: Req): void
  /** Closes the connector's stdin. */
  end(): void
  /** The next response, or undefined once stdout has ended. */
  next(): Promise<Res | undefined>
  /** All remaining responses until stdout ends. */
  rest(): Promise<Res[]>
  kill(signal?: NodeJS.Signals): void
  /** The exit, with every log event of stderr in order, and their text (to search for what must not be logged). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; logs: ConnectorLog[] }>
}

/** Starts `node ARGV...` with FLOW_RUNTIME_CODEC set for `codec`, LOG_LEVEL=info and `env`. */
export function startConnector(argv: readonly string[], codec: Codec, env: NodeJS.ProcessEnv = {}): ConnectorProcess {
  return startProtocol(argv, codec, env, captureRequest, captureResponse)
}

/** The same, for a materialization. */
export function startMaterialization(argv: readonly string[], codec: Codec, env: NodeJS.ProcessEnv = {}): ConnectorProcess<MaterializeRequest, MaterializeResponse> {
  return startProtocol(argv, codec, env, materializeRequest, materializeResponse)
}

/** The same, for a derivation. */
export function startDerivation(argv: readonly string[], codec: Codec, env: NodeJS.ProcessEnv = {}): ConnectorProcess<DeriveRequest, DeriveResponse> {
  return startProtocol(argv, codec, env, deriveRequest, deriveResponse)
}

function startProtocol<Req extends object, Res extends object>(argv: readonly string[], codec: Codec, env: NodeJS.ProcessEnv, requests: MessageCodec<Req>, responses: MessageCodec<Res>): ConnectorProcess<Req, Res> {
  const logs: ConnectorLog[] = []
  const spawned = spawnConnector([process.execPath, ...argv], {
    env: { ...process.env, FLOW_RUNTIME_CODEC: codec === 'json' ? 'json' : '', LOG_LEVEL: 'info', ...env },
    onLog: (log) => logs.push(log),
  })
  const connection = new Connection({ process: spawned, codec, debugging: false }, requests, responses)
  return {
    send: (request) => connection.send(request),
    end: () => connection.end(),
    next: () => connection.next(),
    async rest() {
      const out: Res[] = []
      for (let r = await connection.next(); r !== undefined; r = await connection.next()) out.push(r)
      return out
    },
    kill: (signal = 'SIGTERM') => connection.kill(signal),
    exited: spawned.exited.then(({ code, signal }) => ({ code, signal, logs, stderr: logs.map((log) => JSON.stringify(log)).join('\n') })),
  }
}
