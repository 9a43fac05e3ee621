/**
 * The Singer spec's messages and catalog, as a tap writes them: one JSON object a line on
 * stdout during a sync, and a bare `{"streams": [...]}` catalog for `--discover`. Only the
 * fields the shim reads are typed; every object may carry others.
 */
import { ConnectorError } from '../../errors.ts'
import { isObject } from '../../json/values.ts'
import { Buffer, isUtf8 } from 'node:buffer'
import { asBuffer } from '../../codec/chunks.ts'
import { ByteCursor, END, keyNames } from '../../json/byte-cursor.ts'

/** A metadata item of a catalog entry: `breadcrumb` `[]` is the stream, `["properties", name]` a field. */
export interface SingerMetadata {
  readonly breadcrumb: readonly string[]
  readonly metadata: Readonly<Record<string, unknown>>
}

/** A catalog entry, as discovered; `tap_stream_id` is filled from `stream` when a tap leaves it out. */
export interface SingerCatalogEntry {
  readonly tap_stream_id: string
  readonly stream: string
  readonly schema: Readonly<Record<string, unknown>>
  readonly key_properties?: readonly string[]
  readonly replication_key?: string
  readonly replication_method?: string
  readonly metadata?: readonly SingerMetadata[]
  readonly [other: string]: unknown
}

/** A tap's catalog, as `--discover` prints it and a sync is given it: its streams. */
export interface SingerCatalog {
  readonly streams: readonly SingerCatalogEntry[]
}

/** A sync's message; `type` is upper-cased when parsed, as the spec matches it without case. */
export interface SingerMessage {
  readonly type: string
  readonly stream?: unknown
  /** RECORD, when the line was parsed */
  readonly record?: unknown
  /** RECORD, when the line was scanned: the record's UTF-8 JSON, an object */
  readonly recordBytes?: Uint8Array
  /** SCHEMA */
  readonly schema?: unknown
  readonly key_properties?: unknown
  /** STATE */
  readonly value?: unknown
  /** ACTIVATE_VERSION (and RECORD, optionally) */
  readonly version?: unknown
  /** BATCH */
  readonly encoding?: unknown
  readonly manifest?: unknown
}

/**
 * A line of a tap's stdout as a message; undefined for a line that is not a JSON object with a
 * string `type`. A RECORD is scanned rather than parsed: its record stays bytes (`recordBytes`,
 * a view of the line, an object whose grammar was checked), so a document that needs no change
 * is never decoded, parsed or serialized. A line that is not UTF-8 is decoded with replacement
 * characters first, as text would be.
 */
export function parseSingerMessage(line: Uint8Array): SingerMessage | undefined {
  let bytes = asBuffer(line)
  if (!isUtf8(bytes)) bytes = Buffer.from(bytes.toString('utf8'))
  let value: unknown
  try {
    if (bytes.indexOf(RECORD_UPPER) >= 0 || bytes.indexOf(RECORD_LOWER) >= 0) {
      const record = scanRecord(bytes)
      if (record !== undefined) return record
    }
    value = JSON.parse(bytes.toString('utf8'))
  } catch {
    return undefined // not JSON
  }
  if (!isObject(value) || typeof value.type !== 'string') return undefined
  const type = value.type
  if (type !== type.toUpperCase()) value.type = type.toUpperCase()
  return value as unknown as SingerMessage
}

const OPEN_OBJECT = 0x7b
const RECORD_UPPER = Buffer.from('ECORD"')
const RECORD_LOWER = Buffer.from('ecord"')
const KEYS = keyNames('type', 'stream', 'record')
/** One cursor, reused line after line: it remembers the last stream name it decoded. */
const cursor = new ByteCursor()

/**
 * A RECORD line read with a byte cursor: its `type`, `stream` and the span of its `record`,
 * every other value skipped with its grammar checked. Undefined for another message, or a
 * record without a string stream or with a record that is not an object. Throws on a line
 * that is not JSON.
 */
function scanRecord(line: Buffer): SingerMessage | undefined {
  cursor.reset(line)
  let type: string | undefined
  let stream: string | undefined
  let recordBytes: Uint8Array | undefined
  cursor.openObject()
  for (let key = cursor.member(KEYS); key !== END; key = cursor.member(KEYS)) {
    if (key === 0 && cursor.atString()) type = cursor.string()
    else if (key === 1 && cursor.atString()) stream = cursor.string()
    else if (key === 2 && cursor.peek() === OPEN_OBJECT) recordBytes = line.subarray(cursor.skipValue(), cursor.pos)
    else cursor.skipValue()
  }
  cursor.end()
  if (type?.toUpperCase() !== 'RECORD' || stream === undefined || recordBytes === undefined) return undefined
  return { type: 'RECORD', stream, recordBytes }
}

/**
 * A discover answer as a catalog: every entry an object with a `stream` or `tap_stream_id`
 * name and an object `schema`. Throws a ConnectorError that says what is wrong otherwise.
 */
export function parseCatalog(value: unknown): SingerCatalog {
  if (!isObject(value) || !Array.isArray(value.streams)) throw new ConnectorError('the tap\'s discover output is not a catalog: a JSON object with a "streams" list')
  const streams = value.streams.map((entry: unknown, index: number) => {
    const id = isObject(entry) ? (entry.tap_stream_id ?? entry.stream) : undefined
    if (!isObject(entry) || typeof id !== 'string' || !isObject(entry.schema)) {
      throw new ConnectorError(`the tap's catalog entry ${index} lacks a tap_stream_id or stream name, or an object schema`)
    }
    return { ...entry, tap_stream_id: id, stream: typeof entry.stream === 'string' ? entry.stream : id } as SingerCatalogEntry
  })
  return { streams }
}

/** The metadata of a stream (breadcrumb `[]`), or `{}` when it has none. */
export function streamMetadata(entry: SingerCatalogEntry): Readonly<Record<string, unknown>> {
  const item = entry.metadata?.find((m) => isObject(m) && Array.isArray(m.breadcrumb) && m.breadcrumb.length === 0)
  return isObject(item?.metadata) ? item.metadata : {}
}
