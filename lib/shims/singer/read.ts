/**
 * A sync's messages as capture events, in order: RECORD → a document, the records of a BATCH's
 * files → documents (all of them before the next message), SCHEMA → a sourced schema, STATE →
 * a checkpoint that replaces the capture's state. A checkpoint is emitted only for a STATE, so
 * what a failing tap wrote after its last STATE is never committed; a clean end commits what
 * came after it (the serve loop closes the transaction), with a last checkpoint that keeps the
 * row ids those records took.
 */
import { ConfigError, ConnectorError } from '../../errors.ts'
import type { Logger } from '../../io/log.ts'
import { parseJsonBytes } from '../../json/byte-cursor.ts'
import { isObject } from '../../json/values.ts'
import { checkpoint, document, sourcedSchema, type CaptureEvent } from '../../ops/events.ts'
import { pathPointer, ROW_ID_POINTER } from '../airbyte/catalog.ts'
import type { RecordOptions } from '../airbyte/read.ts'
import { batchFiles, batchRecords } from './batch.ts'
import { bindingSchema, type SingerResource } from './catalog.ts'
import type { SingerMessage } from './messages.ts'
import { flowState, RowIds, type SingerFlowState } from './state.ts'

/** What an author may do with a sync's records and markers. */
export interface SyncOptions extends RecordOptions {
  /**
   * Called for each ACTIVATE_VERSION, in order with the records, before the next message is
   * read: the stream's full-table copy tagged `version` is complete (or, before a first copy,
   * begins), so documents of older versions could be dropped. `binding` is undefined for a
   * stream that is not captured.
   */
  readonly onActivateVersion?: ((stream: string, version: number, binding: number | undefined) => void | Promise<void>) | undefined
}

/** An Open binding, as a sync needs it. */
export interface SyncBinding {
  readonly resource: SingerResource
  /** The collection's key. */
  readonly key: readonly string[]
  readonly stateKey: string
}

export interface SyncContext {
  readonly bindings: readonly SyncBinding[]
  readonly state: SingerFlowState
  readonly logger: Logger
  readonly options: SyncOptions
  /** Longest line of a batch file. */
  readonly maxLineBytes: number
}

const BATCH_CHUNK = 1000

/** The events of a sync's messages, a batch at a time; fails as the messages fail, after the events before the failure. */
export async function* syncEvents(messages: AsyncIterable<readonly SingerMessage[]>, context: SyncContext): AsyncGenerator<CaptureEvent[]> {
  const reader = new SyncReader(context)
  for await (const batch of messages) {
    let events: CaptureEvent[] = []
    try {
      for (const message of batch) {
        if (message.type === 'BATCH') {
          if (events.length > 0) yield events
          events = []
          yield* reader.batch(message)
        } else if (message.type === 'ACTIVATE_VERSION') await reader.activateVersion(message)
        else reader.message(message, events)
      }
    } catch (error) {
      if (events.length > 0) yield events // the checkpoints before the failure stand
      throw error
    }
    if (events.length > 0) yield events
  }
  const last = reader.lastCheckpoint()
  if (last !== undefined) yield [last]
}

/** Binding index by the names a tap's messages give a stream: its tap_stream_id, or its stream name. */
export function streamBindings(bindings: readonly SyncBinding[]): Map<string, number> {
  const byName = new Map<string, number>()
  bindings.forEach(({ resource }, index) => {
    const other = byName.get(resource.stream)
    if (other !== undefined) throw new ConfigError(`bindings ${other} and ${index} capture streams of the same name ${JSON.stringify(resource.stream)}, which the tap's records cannot tell apart (set each binding's stream to the name its records carry)`)
    byName.set(resource.stream, index)
  })
  bindings.forEach(({ resource }, index) => byName.set(resource.tapStreamId, index))
  return byName
}

class SyncReader {
  readonly #context: SyncContext
  readonly #bindings: Map<string, number>
  readonly #rowIds: RowIds
  /** The last STATE value. */
  #singer: unknown
  /** The last sourced schema of each binding, as JSON. */
  readonly #schemas: (string | undefined)[] = []
  readonly #unknownStreams = new Set<string>()

  constructor(context: SyncContext) {
    this.#context = context
    this.#bindings = streamBindings(context.bindings)
    this.#rowIds = new RowIds(context.bindings, context.state.rowIds)
    this.#singer = context.state.singer
  }

  message(message: SingerMessage, events: CaptureEvent[]): void {
    switch (message.type) {
      case 'RECORD':
        return this.#record(message, events)
      case 'SCHEMA':
        return this.#schema(message, events)
      case 'STATE':
        if (message.value === undefined) return this.#context.logger.warn('the tap emitted a STATE message without a value; ignored', {})
        this.#singer = message.value
        events.push(checkpoint(flowState(this.#singer, this.#rowIds.all()), { mergePatch: false }))
        return
      default:
        this.#context.logger.debug('tap message ignored', { type: message.type })
    }
  }

  /** The records of a BATCH message's files, as documents, file by file. */
  async *batch(message: SingerMessage): AsyncGenerator<CaptureEvent[]> {
    const files = batchFiles(message)
    const binding = this.#binding(message.stream, 'batches')
    if (binding === undefined) return
    for (const file of files) {
      for await (const records of batchRecords(file, BATCH_CHUNK, this.#context.maxLineBytes)) {
        const events: CaptureEvent[] = []
        for (const record of records) {
          if (!isObject(record)) throw new ConnectorError(`the tap's batch file ${file.path} holds a record that is not a JSON object`)
          this.#document(binding, record, events)
        }
        if (events.length > 0) yield events
      }
    }
  }

  async activateVersion(message: SingerMessage): Promise<void> {
    const stream = typeof message.stream === 'string' ? message.stream : ''
    this.#context.logger.info('the tap activated a version of a stream', { stream, version: message.version })
    if (typeof message.version === 'number') await this.#context.options.onActivateVersion?.(stream, message.version, this.#bindings.get(stream))
  }

  /** After a clean end: a checkpoint that keeps the row ids given since the last STATE, if any were. */
  lastCheckpoint(): CaptureEvent | undefined {
    return this.#rowIds.changed ? checkpoint(flowState(this.#singer, this.#rowIds.all()), { mergePatch: false }) : undefined
  }

  /** A RECORD's document; its JSON bytes as they came when nothing changes it (no skip, transform or row id). */
  #record(message: SingerMessage, events: CaptureEvent[]): void {
    const binding = this.#binding(message.stream, 'records')
    if (binding === undefined) return
    const { skipRecordsWith, transform } = this.#context.options
    if (message.recordBytes !== undefined && !transform && !skipRecordsWith?.length && !this.#rowIds.keyed(binding)) {
      events.push(document(binding, message.recordBytes))
      return
    }
    const record: unknown = message.recordBytes === undefined ? message.record : parseJsonBytes(message.recordBytes)
    if (!isObject(record)) throw new ConnectorError(`the tap emitted a RECORD of stream ${JSON.stringify(message.stream)} whose record is not a JSON object`)
    this.#document(binding, record, events)
  }

  #document(binding: number, record: Record<string, unknown>, events: CaptureEvent[]): void {
    const { skipRecordsWith, transform } = this.#context.options
    if (skipRecordsWith !== undefined && skipRecordsWith.some((name) => Boolean(record[name]))) return
    const doc = transform ? transform(record, binding) : record
    const rowId = this.#rowIds.next(binding)
    events.push(document(binding, rowId === undefined ? doc : { ...doc, _meta: { ...(isObject(doc._meta) ? doc._meta : {}), row_id: rowId } }))
  }

  /**
   * A sourced schema when the stream's schema changed: the tap's schema with its
   * key_properties and the collection's key required (and the row id, when that is the key).
   */
  #schema(message: SingerMessage, events: CaptureEvent[]): void {
    const binding = this.#bindings.get(typeof message.stream === 'string' ? message.stream : '')
    if (binding === undefined) return this.#context.logger.debug('schema of a stream that is not captured', { stream: message.stream })
    if (!isObject(message.schema)) throw new ConnectorError(`the tap emitted a SCHEMA of stream ${JSON.stringify(message.stream)} whose schema is not a JSON object`)
    const keyProperties = Array.isArray(message.key_properties) ? message.key_properties.filter((name): name is string => typeof name === 'string') : []
    const { key } = this.#context.bindings[binding] as SyncBinding
    const rowIdKeyed = key.length === 1 && key[0] === ROW_ID_POINTER
    const tapKey = keyProperties.map((name) => pathPointer([name]))
    const schema = JSON.stringify(bindingSchema(message.schema, [...key, ...tapKey]))
    if (schema === this.#schemas[binding]) return
    this.#schemas[binding] = schema
    events.push(sourcedSchema(binding, schema))
    if (!rowIdKeyed && tapKey.length > 0 && tapKey.join() !== key.join()) {
      this.#context.logger.warn('the tap\'s key_properties of a stream are not its collection\'s key', { stream: message.stream, keyProperties, collectionKey: key })
    }
  }

  /** The binding of a stream; a stream not captured is warned about once and gives undefined. */
  #binding(stream: unknown, what: string): number | undefined {
    const name = typeof stream === 'string' ? stream : JSON.stringify(stream)
    const binding = this.#bindings.get(name)
    if (binding === undefined && !this.#unknownStreams.has(name)) {
      this.#unknownStreams.add(name)
      this.#context.logger.warn(`the tap emitted ${what} of a stream that is not captured; they are skipped`, { stream: name })
    }
    return binding
  }
}
