/**
 * The Airbyte protocol's messages, as a source writes them on stdout, one JSON object a line:
 * only the fields the shim reads are typed; every object may carry others.
 */
import { ConnectorError } from '../../errors.ts'
import type { Logger } from '../../io/log.ts'
import { isObject } from '../../json/values.ts'

export interface StreamDescriptor {
  readonly name: string
  readonly namespace?: string | null
}

export interface AirbyteStream extends StreamDescriptor {
  readonly json_schema: Record<string, unknown>
  readonly supported_sync_modes?: readonly string[]
  readonly source_defined_cursor?: boolean
  readonly default_cursor_field?: readonly string[]
  readonly source_defined_primary_key?: readonly (readonly string[])[]
}

export interface AirbyteRecord {
  readonly stream: string
  readonly namespace?: string | null
  readonly data: Record<string, unknown>
}

/** A STATE message's payload: LEGACY (`data`), STREAM (`stream`) or GLOBAL (`global`). */
export interface AirbyteState {
  readonly type?: string
  readonly data?: unknown
  readonly stream?: { readonly stream_descriptor: StreamDescriptor; readonly stream_state?: unknown }
  readonly global?: unknown
}

export interface AirbyteMessage {
  readonly type: string
  readonly record?: AirbyteRecord
  readonly state?: AirbyteState
  readonly log?: { readonly level?: string; readonly message?: string; readonly stack_trace?: string }
  readonly spec?: Record<string, unknown>
  /** camelCase on the wire, unlike every other payload key. */
  readonly connectionStatus?: { readonly status?: string; readonly message?: string }
  readonly catalog?: { readonly streams?: readonly AirbyteStream[] }
  readonly trace?: { readonly type?: string; readonly error?: { readonly message?: string; readonly internal_message?: string; readonly failure_type?: string } }
  readonly control?: unknown
}

/** A line of a source's stdout as a message; undefined for a line that is not a JSON object with a `type`. */
export function parseMessage(line: string): AirbyteMessage | undefined {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return undefined
  }
  if (!isObject(value) || typeof value.type !== 'string') return undefined
  return value as unknown as AirbyteMessage
}

/** One string per stream descriptor: `namespace/name`, or `name` without a namespace. */
export function streamKey(descriptor: StreamDescriptor): string {
  return descriptor.namespace ? `${descriptor.namespace}/${descriptor.name}` : descriptor.name
}

/** A LOG message at the matching level (FATAL as error), with its stack trace as a field. */
export function logLine(logger: Logger, message: AirbyteMessage): void {
  const level = (message.log?.level ?? 'INFO').toLowerCase()
  const at = level === 'fatal' ? 'error' : level === 'warning' ? 'warn' : (['error', 'warn', 'info', 'debug', 'trace'] as const).find((l) => l === level) ?? 'info'
  logger[at](message.log?.message ?? '', message.log?.stack_trace ? { stack_trace: message.log.stack_trace } : undefined)
}

/** The error of a TRACE ERROR: its user-facing message, with its failure type. */
export function traceError(message: AirbyteMessage): ConnectorError {
  const error = message.trace?.error
  const kind = error?.failure_type ? ` (${error.failure_type})` : ''
  return new ConnectorError(`${error?.message || error?.internal_message || 'the source reported an error'}${kind}`)
}
