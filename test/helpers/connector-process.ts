// Runs a connector as a child process and talks Flow's capture protocol to it, in either codec.
import { spawn } from 'node:child_process'
import { decodeLengthPrefixed, decodeNdjson } from '../../lib/codec/index.ts'
import { captureRequest, captureResponse, type CaptureRequest, type CaptureResponse } from '../../lib/protocol/index.ts'

export type Codec = 'json' | 'proto'

export interface ConnectorProcess {
  send(request: CaptureRequest): void
  /** Closes the connector's stdin. */
  end(): void
  /** The next response, or undefined once stdout has ended. */
  next(): Promise<CaptureResponse | undefined>
  /** All remaining responses until stdout ends. */
  rest(): Promise<CaptureResponse[]>
  kill(signal?: NodeJS.Signals): void
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; logs: Record<string, unknown>[] }>
}

export function startConnector(argv: readonly string[], codec: Codec, env: NodeJS.ProcessEnv = {}): ConnectorProcess {
  const child = spawn(process.execPath, argv, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, FLOW_RUNTIME_CODEC: codec === 'json' ? 'json' : '', LOG_LEVEL: 'info', ...env },
  })
  child.stdin.on('error', () => {})
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; logs: Record<string, unknown>[] }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr, logs: parseLogs(stderr) })),
  )
  const batches = (
    codec === 'json'
      ? decodeNdjson(child.stdout, { parse: captureResponse.fromJson })
      : decodeLengthPrefixed(child.stdout, { parse: captureResponse.fromProto })
  )[Symbol.asyncIterator]()
  let batch: CaptureResponse[] = []
  let index = 0
  const next = async (): Promise<CaptureResponse | undefined> => {
    while (index >= batch.length) {
      const result = await batches.next()
      if (result.done) return undefined
      batch = result.value
      index = 0
    }
    return batch[index++]
  }
  return {
    send(request) {
      if (codec === 'json') child.stdin.write(captureRequest.toJson(request) + '\n')
      else {
        const body = captureRequest.toProto(request)
        const prefix = Buffer.alloc(4)
        prefix.writeUInt32LE(body.length)
        child.stdin.write(Buffer.concat([prefix, body]))
      }
    },
    end: () => child.stdin.end(),
    next,
    async rest() {
      const out: CaptureResponse[] = []
      for (let r = await next(); r !== undefined; r = await next()) out.push(r)
      return out
    },
    kill: (signal = 'SIGTERM') => child.kill(signal),
    exited,
  }
}

function parseLogs(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>
      } catch {
        return { unstructured: line }
      }
    })
}
