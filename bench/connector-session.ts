/**
 * Runs one capture session of a bench connector the way Flow's runtime does, for the capture
 * benchmarks: spawns `node [--import tsx] <script>` (FLOW_RUNTIME_CODEC=json, or unset for
 * protobuf) with BENCH_DOCUMENTS set, through lib/runtime/bench-session.ts (a FIFO as stdout,
 * frames counted not decoded, timed from the Opened frame to EOF, peak RSS from the session
 * summary log). This file adds what is particular to bench/: connector scripts under
 * bench/connectors/ and the Open request with their two bindings.
 */
import { fileURLToPath } from 'node:url'
import type { Codec } from '../lib/codec/frames.ts'
import type { CaptureRequest } from '../lib/protocol/index.ts'
import { runBenchSession as runSession, type BenchSessionResult } from '../lib/runtime/bench-session.ts'

export type { Codec }
export { FrameCounter } from '../lib/runtime/frame-counter.ts'
export type SessionResult = BenchSessionResult

export interface SessionOptions {
  /** The connector's main file. */
  readonly script: string
  readonly codec: Codec
  /** BENCH_DOCUMENTS for the connector: documents it emits in the session. */
  readonly documents: number
  /** Read stdout at most this fast (a token bucket pausing and resuming the stream). */
  readonly readBytesPerSecond?: number
  /** Extra node flags for the connector process (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[]
  /** Run the script through tsx (default), or with plain node (a bundled .mjs connector). */
  readonly tsx?: boolean
  readonly env?: Readonly<Record<string, string>>
  /** Fail (and kill the connector) when stdout stays silent this long; default 60 s. */
  readonly stallMs?: number
  /** The runtime's requests, instead of `sessionRequests`. */
  readonly requests?: readonly CaptureRequest[]
}

/** Path of a connector script under bench/connectors/. */
export const connectorScript = (name: string): string => fileURLToPath(new URL(`./connectors/${name}`, import.meta.url))

const bindings = ['orders', 'refunds'].map((name) => ({
  resourceConfigJson: JSON.stringify({ name }),
  resourcePath: [name],
  stateKey: `${name}.v1`,
  collection: { name: `acmeCo/bench/${name}`, key: ['/id'] },
}))

/** The runtime's requests: the internal Spec, then Open with two bindings and empty state. */
export const sessionRequests: readonly CaptureRequest[] = [
  { spec: { connectorType: 7, configJson: '{}' } },
  {
    open: {
      capture: { name: 'acmeCo/bench/source', connectorType: 7, configJson: '{}', bindings },
      version: 'v1',
      range: { keyEnd: 0xffffffff, rClockEnd: 0xffffffff },
      stateJson: '{}',
    },
  },
]

export function runBenchSession(options: SessionOptions): Promise<SessionResult> {
  const loader = options.tsx === false ? [] : ['--import', 'tsx']
  return runSession({
    command: process.execPath,
    args: [...(options.nodeArgs ?? []), ...loader, options.script],
    codec: options.codec,
    requests: options.requests ?? sessionRequests,
    env: { BENCH_DOCUMENTS: String(options.documents), ...options.env },
    ...(options.readBytesPerSecond === undefined ? {} : { readBytesPerSecond: options.readBytesPerSecond }),
    ...(options.stallMs === undefined ? {} : { stallMs: options.stallMs }),
    name: options.script,
  })
}
