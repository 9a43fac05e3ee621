/**
 * The Airbyte protocol's messages, as a source writes them on stdout, one JSON object a line:
 * only the fields the shim reads are typed; every object may carry others.
 */
import { ConnectorError } from '../../errors.ts'
import { Buffer, isUtf8 } from 'node:buffer'
import { asBuffer } from '../../codec/chunks.ts'
import { ByteCursor, END, keyNames } from '../../json/byte-cursor.ts'
import type { Logger } from '../../io/log.ts'
import { isObject } from '../../json/values.ts'

/** A stream's identity in the Airbyte protocol: its name and optional namespace. */
export interface StreamDescriptor {
  readonly name: string
  readonly namespace?: string | null
}

/**
 * A stream of a source's CATALOG message: its JSON schema, sync modes, cursor and primary key as
 * the source defines them.
 */
export interface AirbyteStream extends StreamDescriptor {
  readonly json_schema: Record<string, unknown>
  readonly supported_sync_modes?: readonly string[]
  readonly source_defined_cursor?: boolean
  readonly default_cursor_field?: readonly string[]
  readonly source_defined_primary_key?: readonly (readonly string[])[]
}

/** The payload of a RECORD message: the stream, and its data parsed or kept as the line's bytes. */
export interface AirbyteRecord {
  readonly stream: string
  readonly namespace?: string | null
  /** The record's data; absent when the line was scanned and `dataBytes` holds it. */
  readonly data?: Record<string, unknown>
  /** The data's UTF-8 JSON as it stood in the line (an object, its grammar checked), when the line was scanned. */
  readonly dataBytes?: Uint8Array
}

/** A STATE message's payload: LEGACY (`data`), STREAM (`stream`) or GLOBAL (`global`). */
export interface AirbyteState {
  readonly type?: string
  readonly data?: unknown
  readonly stream?: { readonly stream_descriptor: StreamDescriptor; readonly stream_state?: unknown }
  readonly global?: unknown
}

/**
 * One Airbyte protocol message, a line of a source's stdout: `type` says which one payload it
 * carries.
 */
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

/**
 * A line of a source's stdout as a message; undefined for a line that is not a JSON object with
 * a `type`. A line is scanned first, as RECORDs are nearly all of them, rather than parsed: its data stays bytes (`dataBytes`, a view
 * of the line), so a document that needs no change is never decoded, parsed or serialized.
 * A line that is not UTF-8 is decoded with replacement characters first, as text would be.
 */
export function parseMessage(line: Uint8Array): AirbyteMessage | undefined {
  let bytes = asBuffer(line)
  if (!isUtf8(bytes)) bytes = Buffer.from(bytes.toString('utf8'))
  try {
    const record = scanRecord(bytes)
    if (record) return record
  } catch {
    return undefined // not JSON: the scan checks the same grammar JSON.parse does
  }
  let value: unknown
  try {
    value = JSON.parse(bytes.toString('utf8'))
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

const OPEN_OBJECT = 0x7b
const MESSAGE_KEYS = keyNames('type', 'record')
const RECORD_KEYS = keyNames('stream', 'namespace', 'data')
/** One cursor, reused line after line: it remembers the last stream name it decoded. */
const cursor = new ByteCursor()

/**
 * A RECORD line read with a byte cursor: `type`, and of `record` its `stream`, `namespace` and
 * the span of `data`, every other value skipped with its grammar checked. Undefined when the
 * line is another message, or a record without a stream or with data that is not an object.
 * Throws a MessageError on a line that is not JSON.
 */
function scanRecord(line: Buffer): AirbyteMessage | undefined {
  cursor.reset(line)
  let type: string | undefined
  let record: AirbyteRecord | undefined
  cursor.openObject()
  for (let key = cursor.member(MESSAGE_KEYS); key !== END; key = cursor.member(MESSAGE_KEYS)) {
    if (key === 0 && cursor.atString()) type = cursor.string()
    else if (key === 1 && cursor.peek() === OPEN_OBJECT) record = scanRecordObject(line)
    else cursor.skipValue()
  }
  cursor.end()
  return type === 'RECORD' && record !== undefined ? { type, record } : undefined
}

function scanRecordObject(line: Buffer): AirbyteRecord | undefined {
  let stream: string | undefined
  let namespace: string | undefined
  let dataBytes: Uint8Array | undefined
  cursor.openObject()
  for (let key = cursor.member(RECORD_KEYS); key !== END; key = cursor.member(RECORD_KEYS)) {
    if (key === 0 && cursor.atString()) stream = cursor.string()
    else if (key === 1 && cursor.atString()) namespace = cursor.string()
    else if (key === 2 && cursor.peek() === OPEN_OBJECT) dataBytes = line.subarray(cursor.skipValue(), cursor.pos)
    else cursor.skipValue()
  }
  if (stream === undefined || dataBytes === undefined) return undefined
  return namespace === undefined ? { stream, dataBytes } : { stream, namespace, dataBytes }
}
