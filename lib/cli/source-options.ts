import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { UsageError } from '../errors.ts'
import { formatLog, type ConnectorLog } from '../io/log-reader.ts'
import type { Endpoint } from '../runtime/catalog.ts'

/** The options every command that runs a catalog's capture takes. */
export interface SourceOptions {
  /** The catalog file. */
  readonly source: string
  /** The capture to run; the catalog's only one when absent. */
  readonly capture?: string
  /** The materialization to run, which makes the command run a materialization instead of a capture. */
  readonly materialization?: string
  /** The derivation (derived collection) to run, which makes the command run a derivation. */
  readonly derivation?: string
  /** The connector's LOG_LEVEL; else the capture's `shards.logLevel`, else info. */
  readonly logLevel?: string
  /** `HOST:PORT`: run the connector under Node's inspector there, waiting for a debugger. */
  readonly inspect?: string
}

export const SOURCE_OPTIONS = {
  source: { type: 'string' },
  capture: { type: 'string' },
  materialization: { type: 'string' },
  derivation: { type: 'string' },
  'log-level': { type: 'string' },
} as const

/** The usage lines of `--inspect`. */
export const INSPECT_USAGE = `  --inspect[=[HOST:]PORT]
                      run the connector under Node's inspector (node --inspect-brk),
                      listening on HOST:PORT (default 127.0.0.1:9229), and wait for a
                      debugger to attach before it starts; the command must run node`

const LEVELS = ['error', 'warn', 'info', 'debug', 'trace']

/** Where `--inspect` listens when it gives no address, as with node. */
export const DEFAULT_INSPECT = '127.0.0.1:9229'

/**
 * Takes `--inspect` and `--inspect=[HOST:]PORT` out of `args` (parseArgs has no option with
 * an optional value), up to a `--`. Returns the other arguments and the address, if any.
 */
export function extractInspect(args: readonly string[]): { args: string[]; inspect?: string } {
  const rest: string[] = []
  let inspect: string | undefined
  let ended = false
  for (const arg of args) {
    if (ended || !(arg === '--inspect' || arg.startsWith('--inspect='))) {
      if (arg === '--') ended = true
      rest.push(arg)
      continue
    }
    inspect = arg === '--inspect' ? DEFAULT_INSPECT : parseInspectAddress(arg.slice('--inspect='.length))
  }
  return inspect === undefined ? { args: rest } : { args: rest, inspect }
}

/** `PORT`, `HOST:PORT` or `[IPv6]:PORT`, as `HOST:PORT`; the host defaults to 127.0.0.1. */
export function parseInspectAddress(text: string): string {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(text)
  const port = Number(match?.[2])
  if (!match || port > 65535) throw new UsageError(`--inspect takes [HOST:]PORT, e.g. --inspect=127.0.0.1:9229 or --inspect=9230; got ${JSON.stringify(text)}`)
  return `${match[1] ?? '127.0.0.1'}:${port}`
}

export function sourceOptionsOf(
  values: { source?: string | undefined; capture?: string | undefined; materialization?: string | undefined; derivation?: string | undefined; 'log-level'?: string | undefined },
  inspect?: string,
): SourceOptions {
  if (values.source === undefined) throw new UsageError('--source is required (a flow.yaml or JSON catalog)')
  const level = values['log-level']
  if (level !== undefined && !LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}; got ${JSON.stringify(level)}`)
  if (values.capture !== undefined && values.materialization !== undefined) throw new UsageError('--capture and --materialization name different tasks; give one of them')
  if (values.derivation !== undefined && (values.capture !== undefined || values.materialization !== undefined)) {
    throw new UsageError(`--derivation and --${values.capture !== undefined ? 'capture' : 'materialization'} name different tasks; give one of them`)
  }
  return {
    source: values.source,
    ...(values.capture === undefined ? {} : { capture: values.capture }),
    ...(values.materialization === undefined ? {} : { materialization: values.materialization }),
    ...(values.derivation === undefined ? {} : { derivation: values.derivation }),
    ...(level === undefined ? {} : { logLevel: level }),
    ...(inspect === undefined ? {} : { inspect }),
  }
}

const LISTENING = /^Debugger listening on ws:\/\/([^/\s]+)\//

/**
 * A connector's log line as the CLI shows it: readable, with the CLI's own note after the
 * inspector's "Debugger listening" line, saying where the connector waits for a debugger.
 */
export function connectorLogText(log: ConnectorLog): string {
  const text = formatLog(log)
  const listening = LISTENING.exec(log.message)
  if (listening === null) return text
  return `${text}flowkit: the connector waits for a debugger at ${listening[1]} before it starts; attach one (see flowkit's docs/debugging.md)\n`
}

/** Writes a connector's log line to stderr, readably. */
export function printConnectorLog(log: ConnectorLog): void {
  process.stderr.write(connectorLogText(log))
}

/** The lines of an input file (or stdin for `-`), read from the first pull on: readline drops lines emitted before it is iterated. */
export async function* inputLines(input: string): AsyncGenerator<string> {
  const lines = createInterface({ input: input === '-' ? process.stdin : createReadStream(input), crlfDelay: Infinity })
  try {
    yield* lines
  } finally {
    lines.close()
  }
}

/** The task with its local connector's codec set; an image's codec is its own (a UsageError). */
export function withCodec<T extends { readonly endpoint: Endpoint }>(task: T, codec: 'json' | 'proto' | undefined): T {
  if (codec === undefined) return task
  if (task.endpoint.type !== 'local') throw new UsageError('--codec is for a local connector; an image says its codec itself (its FLOW_RUNTIME_CODEC label)')
  return { ...task, endpoint: { ...task.endpoint, protobuf: codec === 'proto' } }
}
