import { Buffer } from 'node:buffer'
import { ChunkWriter, HEADER_BYTES, NEWLINE_BYTES, type EncodeOptions } from '../codec/chunk-writer.ts'
import { asBuffer } from '../codec/chunks.ts'
import type { Codec } from '../codec/frames.ts'
import { FramingError, ProtocolError } from '../errors.ts'
import type { BackfillEvent, CaptureEvent, CheckpointEvent, EventBatch, SourcedSchemaEvent } from '../ops/events.ts'
import { captureResponse, checkRawJson, type CaptureResponse } from '../protocol/index.ts'


const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

/**
 * Encodes a capture session's responses straight into chunks (64 KiB by default), in either
 * codec, through a ChunkWriter: whole frames per chunk, a frame larger than a chunk alone in a
 * Buffer of its own, bytes never written again once handed over.
 *
 * Documents take the fast path: for JSON, the frame is the document's text with
 * `{"captured":{"binding":N,"doc":` before it and `}}` after it; for protobuf, a hand-written
 * tag, varint lengths and the text's UTF-8 bytes, each written in place in the chunk (tests
 * check both byte for byte against the general encoders). Other responses, rare, go through
 * the general codec.
 *
 * Enforces, at the point of emission: every document's binding is one of the session's, every
 * document is a JSON object (ProtocolError PROTOCOL_VIOLATION), every frame is within
 * `maxFrameBytes` (FramingError FRAME_TOO_LARGE, naming the binding or the response). A frame
 * that fails is not written; the frames before it are still there to take. Counts documents
 * and bytes per binding, and documents written since the last checkpoint.
 */
export class ResponseEncoder {
  readonly #json: boolean
  readonly #bindings: number
  /** Per binding, the bytes of a Captured line before the document: `{"captured":{"binding":N,"doc":`. */
  readonly #prefixes: Buffer[] = []
  readonly #writer: ChunkWriter
  readonly #docs: number[]
  readonly #bytes: number[]
  #pending = 0
  #checkpoints = 0

  /** `options`: the chunk size and the frame size limit (ArgumentError ARGUMENT_INVALID when out of range). */
  constructor(codec: Codec, bindings: number, options: EncodeOptions = {}) {
    this.#json = codec === 'json'
    this.#bindings = bindings
    this.#writer = new ChunkWriter(options)
    this.#docs = new Array<number>(bindings).fill(0)
    this.#bytes = new Array<number>(bindings).fill(0)
    for (let b = 0; b < bindings; b++) {
      this.#prefixes.push(Buffer.from(b === 0 ? '{"captured":{"doc":' : `{"captured":{"binding":${b},"doc":`, 'latin1'))
    }
  }

  /** Documents written, per binding. */
  get docs(): readonly number[] {
    return this.#docs
  }

  /** Size of the documents written, per binding: UTF-16 units of text, bytes of byte documents. */
  get bytes(): readonly number[] {
    return this.#bytes
  }

  /** Documents and sourced schemas since the last checkpoint (they are not committed yet). */
  get pending(): number {
    return this.#pending
  }

  /** Checkpoints encoded. */
  get checkpoints(): number {
    return this.#checkpoints
  }

  /** Encodes a batch; calls `onCheckpoint` for each checkpoint, in order, as it is encoded. */
  encode(batch: EventBatch, onCheckpoint?: (checkpoint: CheckpointEvent) => void): void {
    for (let i = 0; i < batch.length; ) i = this.encodeFrom(batch, i, onCheckpoint)
  }

  /**
   * Encodes the events of a batch from `start` on, until the batch ends or a chunk is full
   * (`takeFull()` then has it); returns the index of the first event not encoded. The serve
   * loop writes each chunk as soon as it is full, so that the reader of stdout works on it
   * while the next one is encoded, as a hand-written loop's writes go.
   */
  encodeFrom(batch: EventBatch, start: number, onCheckpoint?: (checkpoint: CheckpointEvent) => void): number {
    const full = this.#writer.fullChunks
    for (let i = start; i < batch.length; ) {
      const event = batch[i] as CaptureEvent
      if (event.type === 'document') {
        const doc = event.doc
        // JSON.stringify without indentation never writes a line break: its text needs no check for one.
        if (typeof doc === 'string') this.#document(event.binding, doc, true)
        else if (doc instanceof Uint8Array) this.documentBytes(event.binding, doc)
        else this.#document(event.binding, JSON.stringify(doc), false)
      } else if (event.type === 'checkpoint') {
        this.checkpoint(event)
        onCheckpoint?.(event)
      } else this.#bindingEvent(event)
      i++
      if (this.#writer.fullChunks > full) return i
    }
    return batch.length
  }

  /** A Captured frame for `binding` with the document's JSON text. */
  document(binding: number, json: string): void {
    this.#document(binding, json, true)
  }

  /**
   * A Captured frame for `binding` with the document's UTF-8 JSON bytes, copied into the frame
   * as they are: never decoded to a string. Bytes holding a line break (whitespace between
   * tokens) take the text path for the JSON codec, which removes it.
   */
  documentBytes(binding: number, bytes: Uint8Array): void {
    const b = this.#checkBinding(binding, 'document')
    const doc = asBuffer(bytes)
    if (!isObjectBytes(doc)) throw new ProtocolError('PROTOCOL_VIOLATION', `binding ${binding}: a document must be a JSON object, got ${excerpt(doc.toString('utf8', 0, 41))}`)
    if (this.#json && (doc.indexOf(NEWLINE) >= 0 || doc.indexOf(CARRIAGE_RETURN) >= 0)) return this.#document(binding, doc.toString('utf8'), true)
    try {
      if (this.#json) this.#jsonDocumentBytes(b, doc)
      else this.#protoDocumentBytes(b, doc)
    } catch (error) {
      throw naming(error, `document for binding ${b}`)
    }
    this.#docs[b] = (this.#docs[b] as number) + 1
    this.#bytes[b] = (this.#bytes[b] as number) + doc.length
    this.#pending++
  }

  /** `fromText`: the author gave the text; else it is JSON.stringify's, of the author's value. */
  #document(binding: number, json: string, fromText: boolean): void {
    const b = this.#checkBinding(binding, 'document')
    // JSON.stringify (no indentation) writes an object from its first character, with no line
    // break in it; it returns undefined for undefined and functions.
    const isObject = fromText ? isObjectText(json) : typeof json === 'string' && json.charCodeAt(0) === OPEN_BRACE
    if (!isObject) throw new ProtocolError('PROTOCOL_VIOLATION', `binding ${binding}: a document must be a JSON object, got ${excerpt(json)}`)
    // A line break can only stand between tokens; a JSON frame must not hold one.
    if (this.#json && fromText && (json.indexOf('\n') >= 0 || json.indexOf('\r') >= 0)) json = checkRawJson(json)
    try {
      if (this.#json) this.#jsonDocument(b, json)
      else this.#protoDocument(b, json)
    } catch (error) {
      throw naming(error, `document for binding ${b}`)
    }
    this.#docs[b] = (this.#docs[b] as number) + 1
    this.#bytes[b] = (this.#bytes[b] as number) + json.length
    this.#pending++
  }

  /** A sourced schema or a backfill's begin or end, for one of the session's bindings. */
  #bindingEvent(event: SourcedSchemaEvent | BackfillEvent): void {
    const binding = this.#checkBinding(event.binding, event.type)
    const what = `${event.type} for binding ${binding}`
    if (event.type === 'sourcedSchema') {
      const schemaJson = typeof event.schema === 'string' ? event.schema : JSON.stringify(event.schema)
      this.#respond({ sourcedSchema: { binding, schemaJson } }, what)
      this.#pending++
    } else if (event.type === 'backfillBegin') this.#respond({ backfillBegin: { binding } }, what)
    else this.#respond({ backfillComplete: { binding } }, what)
  }

  /** A Checkpoint frame; its state is the update as JSON, a merge patch or a replacement. */
  checkpoint(event: Pick<CheckpointEvent, 'updated' | 'mergePatch'>): void {
    const updatedJson = event.updated === undefined ? '{}' : JSON.stringify(event.updated)
    if (updatedJson === undefined) throw new ProtocolError('PROTOCOL_VIOLATION', 'a checkpoint state update must be a JSON value')
    this.#respond({ checkpoint: { state: event.mergePatch ? { updatedJson, mergePatch: true } : { updatedJson } } }, 'checkpoint')
    this.#pending = 0
    this.#checkpoints++
  }

  /** Any response, through the general codec. */
  response(message: CaptureResponse): void {
    this.#respond(message, `${Object.keys(message).join(', ')} response`)
  }

  /** `what` names the response in a FRAME_TOO_LARGE error. */
  #respond(message: CaptureResponse, what: string): void {
    try {
      if (this.#json) this.#writer.writeLine(captureResponse.toJson(message))
      else this.#writer.writeFrame(captureResponse.toProto(message))
    } catch (error) {
      throw naming(error, what)
    }
  }

  /** Hands over the bytes encoded since the last call: whole frames only. */
  take(): Buffer[] {
    return this.#writer.take()
  }

  /**
   * Hands over the chunks that are full, and keeps the frames encoded in the current one. The
   * serve loop takes only full chunks while the source keeps delivering, and everything when
   * it would wait for the source: each write goes out as one whole 64 KiB chunk, as a
   * hand-written loop writes them, instead of a piece per batch or per checkpoint.
   */
  takeFull(): Buffer[] {
    return this.#writer.takeFull()
  }

  /** Bytes encoded and not yet handed over. */
  get held(): number {
    return this.#writer.held
  }

  #checkBinding(binding: number, what: string): number {
    if (!(binding >= 0 && binding < this.#bindings && Number.isInteger(binding))) {
      throw new ProtocolError(
        'PROTOCOL_VIOLATION',
        `${what} for binding ${String(binding)}, but the capture has ${this.#bindings} binding${this.#bindings === 1 ? '' : 's'}` +
          (this.#bindings > 0 ? ` (0 to ${this.#bindings - 1})` : ''),
      )
    }
    return binding
  }

  /**
   * The prefix, the text and `}}\n`, each written in place: concatenating them first would
   * copy every document into a new string before encoding it (~40% more time per text document).
   */
  #jsonDocument(binding: number, json: string): void {
    const prefix = this.#prefixes[binding] as Buffer
    const writer = this.#writer
    // UTF-8 takes at most 3 bytes per UTF-16 unit: measure exactly only when that bound does not fit.
    let p =
      prefix.length + json.length * 3 + 3 <= writer.room
        ? writer.end
        : writer.reserve(prefix.length + Buffer.byteLength(json) + 3, NEWLINE_BYTES)
    const chunk = writer.chunk
    chunk.set(prefix, p)
    p += prefix.length
    p += chunk.write(json, p, 'utf8')
    chunk[p++] = CLOSE_BRACE
    chunk[p++] = CLOSE_BRACE
    chunk[p++] = NEWLINE
    writer.commit(p, NEWLINE_BYTES)
  }

  /**
   * Length prefix, tags and varint lengths, then the text's UTF-8. The text's byte length is
   * between its length and 3× its length; when the varints of the lengths have the same size
   * at both bounds (as for texts of 128 to ~5,400 UTF-16 units), the text is written first and
   * the lengths after it, which spares a pass over the text to measure it (Buffer.byteLength).
   */
  #protoDocument(binding: number, json: string): void {
    const bindingBytes = binding === 0 ? 0 : 1 + varintSize(binding)
    const docVarint = varintSize(json.length * 3)
    const innerVarint = varintSize(bindingBytes + 1 + docVarint + json.length * 3)
    if (varintSize(json.length) !== docVarint || varintSize(bindingBytes + 1 + docVarint + json.length) !== innerVarint) {
      this.#protoDocumentMeasured(binding, json)
      return
    }
    const head = HEADER_BYTES + 1 + innerVarint + bindingBytes + 1 + docVarint
    const writer = this.#writer
    const start = head + json.length * 3 <= writer.room ? writer.end : writer.reserve(head + Buffer.byteLength(json), HEADER_BYTES)
    const chunk = writer.chunk
    const docBytes = chunk.write(json, start + head, 'utf8')
    writeCapturedHead(chunk, start, binding, bindingBytes + 1 + docVarint + docBytes, docBytes)
    writer.commit(start + head + docBytes, HEADER_BYTES)
  }

  #jsonDocumentBytes(binding: number, doc: Buffer): void {
    const prefix = this.#prefixes[binding] as Buffer
    const writer = this.#writer
    let p = writer.reserve(prefix.length + doc.length + 3, NEWLINE_BYTES)
    const chunk = writer.chunk
    chunk.set(prefix, p)
    p += prefix.length
    chunk.set(doc, p)
    p += doc.length
    chunk[p++] = CLOSE_BRACE
    chunk[p++] = CLOSE_BRACE
    chunk[p++] = NEWLINE
    writer.commit(p, NEWLINE_BYTES)
  }

  #protoDocumentBytes(binding: number, doc: Buffer): void {
    const inner = (binding === 0 ? 0 : 1 + varintSize(binding)) + 1 + varintSize(doc.length) + doc.length
    const writer = this.#writer
    const start = writer.reserve(HEADER_BYTES + 1 + varintSize(inner) + inner, HEADER_BYTES)
    const p = writeCapturedHead(writer.chunk, start, binding, inner, doc.length)
    writer.chunk.set(doc, p)
    writer.commit(p + doc.length, HEADER_BYTES)
  }

  #protoDocumentMeasured(binding: number, json: string): void {
    const docBytes = Buffer.byteLength(json)
    const inner = (binding === 0 ? 0 : 1 + varintSize(binding)) + 1 + varintSize(docBytes) + docBytes
    const writer = this.#writer
    const start = writer.reserve(HEADER_BYTES + 1 + varintSize(inner) + inner, HEADER_BYTES)
    const p = writeCapturedHead(writer.chunk, start, binding, inner, docBytes)
    writer.commit(p + writer.chunk.write(json, p, 'utf8'), HEADER_BYTES)
  }
}

/** A FramingError of the writer, with `what` (the frame that failed) at the head of its message; any other error as it is. */
function naming(error: unknown, what: string): unknown {
  if (!(error instanceof FramingError)) return error
  return new FramingError(error.code, `${what}: ${error.message}`, { cause: error })
}

/** Cheap check that JSON text is an object: its first and last non-space characters are braces. */
function isObjectText(json: string): boolean {
  let first = 0
  let last = json.length - 1
  while (first <= last && json.charCodeAt(first) <= 0x20) first++
  while (last > first && json.charCodeAt(last) <= 0x20) last--
  return json.charCodeAt(first) === OPEN_BRACE && json.charCodeAt(last) === CLOSE_BRACE
}

/** The same check on bytes. */
function isObjectBytes(doc: Buffer): boolean {
  let first = 0
  let last = doc.length - 1
  while (first <= last && (doc[first] as number) <= 0x20) first++
  while (last > first && (doc[last] as number) <= 0x20) last--
  return doc[first] === OPEN_BRACE && doc[last] === CLOSE_BRACE
}

function excerpt(json: string | undefined): string {
  if (typeof json !== 'string') return String(json)
  return JSON.stringify(json.length > 40 ? json.slice(0, 40) + '…' : json)
}

/**
 * A Captured frame up to its document's bytes: the length prefix, Response.captured's tag and
 * length (`inner`), the binding unless 0, doc_json's tag and length. Returns where the
 * document's bytes go.
 */
function writeCapturedHead(chunk: Buffer, at: number, binding: number, inner: number, docBytes: number): number {
  chunk.writeUInt32LE(1 + varintSize(inner) + inner, at)
  let p = at + 4
  chunk[p++] = 0x32 // Response.captured = 6, length-delimited
  p = writeVarint(chunk, p, inner)
  if (binding !== 0) {
    chunk[p++] = 0x08 // Captured.binding = 1, varint
    p = writeVarint(chunk, p, binding)
  }
  chunk[p++] = 0x12 // Captured.doc_json = 2, length-delimited
  return writeVarint(chunk, p, docBytes)
}

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x20_0000 ? 3 : n < 0x1000_0000 ? 4 : 5
}

function writeVarint(buffer: Buffer, offset: number, n: number): number {
  while (n >= 0x80) {
    buffer[offset++] = (n & 0x7f) | 0x80
    n >>>= 7
  }
  buffer[offset++] = n
  return offset
}
