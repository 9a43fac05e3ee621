/**
 * A tap's discovered catalog as Flow's discovered bindings: a binding per entry, keyed by the
 * entry's key properties (or by a row id the shim counts), its resource naming the entry by
 * `tap_stream_id` with the replication method and key the tap's metadata suggests.
 */
import { ConfigError } from '../../errors.ts'
import { parsePointer } from '../../json/pointer.ts'
import { isObject } from '../../json/values.ts'
import type { CaptureDiscoveredBinding } from '../../protocol/index.ts'
import { pathPointer, ROW_ID_POINTER, type StreamOptions } from '../airbyte/catalog.ts'
import { streamMetadata, type SingerCatalogEntry } from './messages.ts'

/** How a Singer stream is replicated, as its catalog metadata names it. */
export type ReplicationMethod = 'FULL_TABLE' | 'INCREMENTAL' | 'LOG_BASED'
const METHODS: readonly string[] = ['FULL_TABLE', 'INCREMENTAL', 'LOG_BASED']

/** A binding's resource config. */
export interface SingerResource {
  /** The stream's name, as RECORD and SCHEMA messages give it (`users`). */
  readonly stream: string
  /** The catalog entry's id (`demo-public-users`), the resource path; bookmarks use it. */
  readonly tapStreamId: string
  readonly replicationMethod?: ReplicationMethod
  /** The field an INCREMENTAL stream is bookmarked by. */
  readonly replicationKey?: string
}

/**
 * Which entries become bindings (`include`/`omit` by stream name or tap_stream_id), and
 * collection keys (JSON pointers) by either, instead of the tap's key properties.
 */
export type SingerStreamOptions = StreamOptions

/** A discovered binding per entry the options select, in the catalog's order. */
export function discoveredBindings(streams: readonly SingerCatalogEntry[], options: SingerStreamOptions = {}): CaptureDiscoveredBinding[] {
  const named = (entry: SingerCatalogEntry, names: readonly string[] | undefined) => names?.some((n) => n === entry.stream || n === entry.tap_stream_id) ?? false
  const chosen = streams.filter((entry) => (options.include === undefined || named(entry, options.include)) && !named(entry, options.omit))
  const names = chosen.map((entry) => entry.stream)
  return chosen.map((entry) => {
    const shared = names.indexOf(entry.stream) !== names.lastIndexOf(entry.stream)
    const key = options.keys?.[entry.tap_stream_id] ?? options.keys?.[entry.stream] ?? keyProperties(entry).map((name) => pathPointer([name]))
    return discoveredBinding(entry, key, shared ? entry.tap_stream_id : entry.stream)
  })
}

function discoveredBinding(entry: SingerCatalogEntry, key: readonly string[], name: string): CaptureDiscoveredBinding {
  const fallback = key.length === 0
  const resource: SingerResource = { stream: entry.stream, tapStreamId: entry.tap_stream_id, ...replicationOf(entry) }
  return {
    recommendedName: name,
    resourceConfigJson: JSON.stringify(resource),
    documentSchemaJson: JSON.stringify(bindingSchema(entry.schema, fallback ? [ROW_ID_POINTER] : key)),
    key: fallback ? [ROW_ID_POINTER] : [...key],
    resourcePath: resourcePathOf(resource),
    isFallbackKey: fallback,
  }
}

/** The entry's key properties: top-level `key_properties`, else metadata `table-key-properties` or `view-key-properties`; the first that is not empty. */
export function keyProperties(entry: SingerCatalogEntry): string[] {
  const metadata = streamMetadata(entry)
  for (const candidate of [entry.key_properties, metadata['table-key-properties'], metadata['view-key-properties']]) {
    if (Array.isArray(candidate) && candidate.length > 0 && candidate.every((name) => typeof name === 'string')) return [...candidate]
  }
  return []
}

/**
 * The replication an entry suggests: its metadata's `forced-replication-method`, else
 * `replication-method` (metadata or top level), else INCREMENTAL when it has
 * `valid-replication-keys`, else FULL_TABLE; and, for INCREMENTAL, the key: `replication-key`
 * (metadata or top level), else the first valid replication key.
 */
export function replicationOf(entry: SingerCatalogEntry): { replicationMethod: ReplicationMethod; replicationKey?: string } {
  const metadata = streamMetadata(entry)
  const method = (value: unknown) => (typeof value === 'string' && METHODS.includes(value.toUpperCase()) ? (value.toUpperCase() as ReplicationMethod) : undefined)
  const valid = Array.isArray(metadata['valid-replication-keys']) ? metadata['valid-replication-keys'].filter((k): k is string => typeof k === 'string') : []
  const replicationMethod =
    method(metadata['forced-replication-method']) ?? method(metadata['replication-method']) ?? method(entry.replication_method) ?? (valid.length > 0 ? 'INCREMENTAL' : 'FULL_TABLE')
  const key = [metadata['replication-key'], entry.replication_key, valid[0]].find((k): k is string => typeof k === 'string' && k !== '')
  return replicationMethod === 'INCREMENTAL' && key !== undefined ? { replicationMethod, replicationKey: key } : { replicationMethod }
}

/**
 * The tap's schema of a stream as a binding's document schema: an object whose top-level key
 * properties are required, with `_meta.row_id` when the row id is the key.
 */
export function bindingSchema(schema: unknown, key: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = isObject(schema) ? { ...schema } : {}
  const properties: Record<string, unknown> = isObject(out.properties) ? { ...out.properties } : {}
  if (key.includes(ROW_ID_POINTER)) properties._meta = { type: 'object', properties: { row_id: { type: 'integer' } }, required: ['row_id'] }
  const firstTokens = key.map((pointer) => parsePointer(pointer)[0]).filter((token): token is string => token !== undefined)
  const required = [...new Set([...(Array.isArray(out.required) ? out.required : []), ...firstTokens])]
  return { ...out, type: out.type ?? 'object', properties, required }
}

/** The resource path of a binding: `[tapStreamId]`. */
export function resourcePathOf(resource: SingerResource): string[] {
  return [resource.tapStreamId]
}

/** Checks a binding's resource config, naming the binding when it is not one. */
export function parseResource(value: unknown, index: number): SingerResource {
  const ok =
    isObject(value) &&
    typeof value.stream === 'string' &&
    typeof value.tapStreamId === 'string' &&
    value.tapStreamId !== '' &&
    (value.replicationMethod === undefined || METHODS.includes(value.replicationMethod as string)) &&
    (value.replicationKey === undefined || typeof value.replicationKey === 'string')
  if (!ok) {
    throw new ConfigError(`binding ${index}: the resource config must be {stream, tapStreamId, replicationMethod?: FULL_TABLE|INCREMENTAL|LOG_BASED, replicationKey?}; got ${JSON.stringify(value)}`)
  }
  return value as unknown as SingerResource
}
