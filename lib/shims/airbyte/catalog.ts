/**
 * Streams and bindings: a source's CATALOG as Flow's discovered bindings, and the bindings of an
 * Open as the ConfiguredAirbyteCatalog a source's `read` takes.
 */
import { ConfigError } from '../../errors.ts'
import { escapePointerToken, parsePointer } from '../../json/pointer.ts'
import { isObject } from '../../json/values.ts'
import type { CaptureDiscoveredBinding } from '../../protocol/index.ts'
import { streamKey, type AirbyteStream } from './messages.ts'

/** A binding's resource config. */
export interface StreamResource {
  readonly stream: string
  readonly namespace?: string
  readonly syncMode: 'incremental' | 'full_refresh'
  readonly cursorField?: readonly string[]
}

/** Which streams become bindings, and their keys. */
export interface StreamOptions {
  /** Only these streams (by name, or `namespace/name`). Default: every stream. */
  readonly include?: readonly string[] | undefined
  /** Streams left out. */
  readonly omit?: readonly string[] | undefined
  /** Collection keys (JSON pointers) by stream, instead of the source's primary key. */
  readonly keys?: Readonly<Record<string, readonly string[]>> | undefined
}

/** The key of a stream with no primary key: a counter the shim adds to each document. */
export const ROW_ID_POINTER = '/_meta/row_id'

/** A discovered binding per stream the options select. */
export function discoveredBindings(streams: readonly AirbyteStream[], options: StreamOptions = {}): CaptureDiscoveredBinding[] {
  const named = (stream: AirbyteStream, names: readonly string[] | undefined) => names?.some((n) => n === stream.name || n === streamKey(stream)) ?? false
  return streams
    .filter((stream) => (options.include === undefined || named(stream, options.include)) && !named(stream, options.omit))
    .map((stream) => discoveredBinding(stream, options.keys?.[streamKey(stream)] ?? options.keys?.[stream.name]))
}

function discoveredBinding(stream: AirbyteStream, keyOverride: readonly string[] | undefined): CaptureDiscoveredBinding {
  const primary = (stream.source_defined_primary_key ?? []).filter((path) => path.length > 0).map(pathPointer)
  const key = keyOverride ?? primary
  const fallback = key.length === 0
  const incremental = stream.supported_sync_modes?.includes('incremental') === true
  const resource: StreamResource = {
    stream: stream.name,
    ...(stream.namespace ? { namespace: stream.namespace } : {}),
    syncMode: incremental ? 'incremental' : 'full_refresh',
    ...(incremental && stream.default_cursor_field?.length ? { cursorField: stream.default_cursor_field } : {}),
  }
  return {
    recommendedName: stream.name,
    resourceConfigJson: JSON.stringify(resource),
    documentSchemaJson: JSON.stringify(documentSchema(stream.json_schema, fallback ? [ROW_ID_POINTER] : key)),
    key: fallback ? [ROW_ID_POINTER] : [...key],
    resourcePath: resourcePathOf(resource),
    isFallbackKey: fallback,
  }
}

/** A key path of the source (`["a.b"]` is one property named `a.b`) as a JSON pointer. */
export function pathPointer(path: readonly string[]): string {
  return path.map((token) => `/${escapePointerToken(token)}`).join('')
}

/** The resource path of a stream: `[namespace, stream]`, or `[stream]` without a namespace. */
export function resourcePathOf(resource: StreamResource): string[] {
  return resource.namespace ? [resource.namespace, resource.stream] : [resource.stream]
}

/** The stream's schema, its top-level key properties required, and the row id when it is the key. */
function documentSchema(schema: Record<string, unknown>, key: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = isObject(schema) ? { ...schema } : {}
  const properties = isObject(out.properties) ? { ...out.properties } : {}
  if (key.includes(ROW_ID_POINTER)) {
    properties._meta = { type: 'object', properties: { row_id: { type: 'integer' } }, required: ['row_id'] }
  }
  const topLevel = key.map((pointer) => parsePointer(pointer)).filter((tokens) => tokens.length > 0).map((tokens) => tokens[0] as string)
  const required = new Set([...(Array.isArray(out.required) ? (out.required as string[]) : []), ...topLevel])
  return { ...out, type: out.type ?? 'object', properties, required: [...required] }
}

/** An Open binding, as the shim needs it. */
export interface OpenBinding {
  readonly resource: StreamResource
  readonly key: readonly string[]
  readonly writeSchema: unknown
  readonly stateKey: string
}

/** The ConfiguredAirbyteCatalog for a session's bindings. */
export function configuredCatalog(bindings: readonly OpenBinding[]): unknown {
  return {
    streams: bindings.map(({ resource, key, writeSchema }) => {
      const fallback = key.length === 1 && key[0] === ROW_ID_POINTER
      return {
        stream: {
          name: resource.stream,
          ...(resource.namespace ? { namespace: resource.namespace } : {}),
          json_schema: isObject(writeSchema) ? writeSchema : {},
          supported_sync_modes: [resource.syncMode],
        },
        sync_mode: resource.syncMode,
        destination_sync_mode: 'append',
        ...(resource.cursorField ? { cursor_field: resource.cursorField } : {}),
        ...(fallback ? {} : { primary_key: key.map((pointer) => parsePointer(pointer)) }),
      }
    }),
  }
}

/** Checks a binding's resource config, naming the binding when it is not one. */
export function parseResource(value: unknown, index: number): StreamResource {
  const ok =
    isObject(value) &&
    typeof value.stream === 'string' &&
    (value.syncMode === 'incremental' || value.syncMode === 'full_refresh') &&
    (value.namespace === undefined || typeof value.namespace === 'string') &&
    (value.cursorField === undefined || (Array.isArray(value.cursorField) && value.cursorField.every((f) => typeof f === 'string')))
  if (!ok) throw new ConfigError(`binding ${index}: the resource config must be {stream, namespace?, syncMode: incremental|full_refresh, cursorField?}; got ${JSON.stringify(value)}`)
  return value as unknown as StreamResource
}
