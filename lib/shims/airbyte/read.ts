/**
 * A session of an Airbyte source: `read`'s messages as capture events, in order. A checkpoint
 * is emitted only for a STATE, so what a failing source wrote after its last STATE is never
 * committed; a clean end commits the records after the last STATE (a full-refresh stream may
 * emit no STATE at all).
 */
import { checkpoint, document, type CaptureEvent } from '../../ops/events.ts'
import { ConnectorError } from '../../errors.ts'
import type { Logger } from '../../io/log.ts'
import { parseJsonBytes } from '../../json/byte-cursor.ts'
import { isObject } from '../../json/values.ts'
import { configuredCatalog, ROW_ID_POINTER, type OpenBinding } from './catalog.ts'
import { logLine, streamKey, traceError, type AirbyteMessage, type AirbyteRecord } from './messages.ts'
import type { AirbyteSource } from './source.ts'
import { rowIds, statePatch } from './state.ts'

/** What an author may do to records on their way to documents. */
export interface RecordOptions {
  /** Records whose data has a truthy top-level member of one of these names are dropped (heartbeats). */
  readonly skipRecordsWith?: readonly string[] | undefined
  /** Changes a document before it is captured: gets the record's data (a copy may be returned) and the binding index. */
  readonly transform?: ((doc: Record<string, unknown>, binding: number) => Record<string, unknown>) | undefined
}

export interface ReadContext {
  readonly config: unknown
  readonly bindings: readonly OpenBinding[]
  /** The capture's state, as Open gave it. */
  readonly state: unknown
  /** The state file for `read`, or undefined for none. */
  readonly handback: unknown
  readonly logger: Logger
  readonly options: RecordOptions
  /** Aborted when the session stops: the source is stopped at once. */
  readonly signal: AbortSignal
}

/** Runs `read` and yields its events a batch of messages at a time. */
export async function* readEvents(source: AirbyteSource, context: ReadContext): AsyncGenerator<CaptureEvent[]> {
  const reader = new SessionReader(context)
  for await (const batch of source.read(context.config, configuredCatalog(context.bindings), context.handback, context.logger, context.signal)) {
    const events: CaptureEvent[] = []
    try {
      for (const message of batch) reader.message(message, events)
    } catch (error) {
      if (events.length > 0) yield events // the checkpoints before the failure stand
      throw error
    }
    if (events.length > 0) yield events
  }
  // A clean end commits the records after the last STATE; the row ids they took must be kept too.
  const rowIds = reader.takeRowIds()
  if (rowIds.rowIds !== undefined) yield [checkpoint(rowIds)]
}

class SessionReader {
  readonly #context: ReadContext
  /** Binding index by stream key. */
  readonly #bindings = new Map<string, number>()
  /** Per binding: the last row id given, for a binding keyed by row id; else undefined. */
  readonly #rowIds: (number | undefined)[]
  /** Row ids given since the last checkpoint, by state key. */
  #rowIdPatch: Record<string, number> = {}
  readonly #unknownStreams = new Set<string>()

  constructor(context: ReadContext) {
    this.#context = context
    const counters = rowIds(context.state)
    context.bindings.forEach((binding, index) => this.#bindings.set(streamKey({ name: binding.resource.stream, namespace: binding.resource.namespace ?? null }), index))
    this.#rowIds = context.bindings.map((binding) => (binding.key.length === 1 && binding.key[0] === ROW_ID_POINTER ? counters[binding.stateKey] ?? 0 : undefined))
  }

  message(message: AirbyteMessage, events: CaptureEvent[]): void {
    switch (message.type) {
      case 'RECORD':
        if (message.record) this.#record(message.record, events)
        return
      case 'STATE':
        events.push(checkpoint({ ...statePatch(message.state ?? {}), ...this.takeRowIds() }))
        return
      case 'LOG':
        return logLine(this.#context.logger, message)
      case 'TRACE':
        if (message.trace?.type === 'ERROR') throw traceError(message)
        this.#context.logger.debug('source trace', { trace: message.trace })
        return
      case 'CONNECTION_STATUS':
        if (message.connectionStatus?.status === 'FAILED') throw new ConnectorError(`the source's connection check failed: ${message.connectionStatus.message ?? 'FAILED'}`)
        return
      case 'CONTROL':
        this.#context.logger.warn('the source sent a CONTROL message (an updated config); flowkit does not persist it', {})
        return
      default:
        this.#context.logger.debug('source message ignored', { type: message.type })
    }
  }

  #record(record: AirbyteRecord, events: CaptureEvent[]): void {
    const key = streamKey({ name: record.stream, namespace: record.namespace ?? null })
    const binding = this.#bindings.get(key)
    if (binding === undefined) {
      if (!this.#unknownStreams.has(key)) this.#context.logger.warn('the source emitted records of a stream that is not captured; they are skipped', { stream: key })
      this.#unknownStreams.add(key)
      return
    }
    const { skipRecordsWith, transform } = this.#context.options
    const rowId = this.#rowIds[binding]
    if (record.dataBytes !== undefined && !transform && !skipRecordsWith?.length && rowId === undefined) {
      events.push(document(binding, record.dataBytes)) // as it came: never decoded
      return
    }
    const data: unknown = record.data ?? (record.dataBytes ? parseJsonBytes(record.dataBytes) : null)
    if (!isObject(data)) throw new ConnectorError(`the source emitted a record of stream ${key} whose data is not a JSON object`)
    if (skipRecordsWith?.some((name) => Boolean(data[name]))) return
    let doc = data
    if (transform) doc = transform(doc, binding)
    if (rowId !== undefined) {
      this.#rowIds[binding] = rowId + 1
      this.#rowIdPatch[(this.#context.bindings[binding] as OpenBinding).stateKey] = rowId + 1
      doc = { ...doc, _meta: { ...(isObject(doc._meta) ? doc._meta : {}), row_id: rowId + 1 } }
    }
    events.push(document(binding, doc))
  }

  /** `{rowIds: {...}}` for the row ids given since the last checkpoint, or `{}`. */
  takeRowIds(): { rowIds?: Record<string, number> } {
    if (Object.keys(this.#rowIdPatch).length === 0) return {}
    const rowIds = this.#rowIdPatch
    this.#rowIdPatch = {}
    return { rowIds }
  }
}
