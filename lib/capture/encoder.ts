import { Buffer } from 'node:buffer'
import { ProtocolError } from '../errors.ts'
import type { CaptureEvent, CheckpointEvent, EventBatch } from '../ops/events.ts'
import { captureResponse, checkRawJson, type CaptureResponse } from '../protocol/index.ts'

export type Codec = 'json' | 'proto'

const CHUNK_BYTES = 64 * 1024
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const NEWLINE = 0x0a

/**
 * Encodes a capture session's responses straight into 64 KiB chunks, in either codec.
 *
 * Documents take the fast path: for JSON, the frame is the document's text with
 * `{"captured":{"binding":N,"doc":` before it and `}}` after it; for protobuf, a hand-written
 * tag, varint lengths and the text's UTF-8 bytes (tests check both byte for byte against the
 * general encoders). Other responses, rare, go through the general codec.
 *
 * Enforces, at the point of emission: every document's binding is one of the session's, every
 * document is a JSON object. Counts documents and bytes per binding, and documents written
 * since the last checkpoint.
 */
export class ResponseEncoder {
  readonly #json: boolean
  readonly #bindings: number
  /** Per binding, the bytes of a Captured line before the document: `{"captured":{"binding":N,"doc":`. */
  readonly #prefixes: Buffer[] = []
  #chunk = Buffer.allocUnsafe(CHUNK_BYTES)
  #start = 0
  #end = 0
  #ready: Buffer[] = []

  /** Documents and bytes of document text written, per binding. */
  readonly docs: number[]
  readonly bytes: number[]
  /** Documents and sourced schemas since the last checkpoint (they are not committed yet). */
  pending = 0
  /** Checkpoints encoded. */
  checkpoints = 0

  constructor(codec: Codec, bindings: number) {
    this.#json = codec === 'json'
    this.#bindings = bindings
    this.docs = new Array<number>(bindings).fill(0)
    this.bytes = new Array<number>(bindings).fill(0)
    for (let b = 0; b < bindings; b++) {
      this.#prefixes.push(Buffer.from(b === 0 ? '{"captured":{"doc":' : `{"captured":{"binding":${b},"doc":`, 'latin1'))
    }
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
    const ready = this.#ready.length
    for (let i = start; i < batch.length; ) {
      const event = batch[i] as CaptureEvent
      if (event.type === 'document') {
        const doc = event.doc
        // JSON.stringify without indentation never writes a line break: its text needs no check for one.
        if (typeof doc === 'string') this.#document(event.binding, doc, true)
        else this.#document(event.binding, JSON.stringify(doc), false)
      } else if (event.type === 'checkpoint') {
        this.checkpoint(event)
        onCheckpoint?.(event)
      } else {
        this.#checkBinding(event.binding, event.type)
        if (event.type === 'sourcedSchema') {
          const schema = typeof event.schema === 'string' ? event.schema : JSON.stringify(event.schema)
          this.response({ sourcedSchema: { binding: event.binding, schemaJson: schema } })
          this.pending++
        } else if (event.type === 'backfillBegin') this.response({ backfillBegin: { binding: event.binding } })
        else this.response({ backfillComplete: { binding: event.binding } })
      }
      i++
      if (this.#ready.length > ready) return i
    }
    return batch.length
  }

  /** A Captured frame for `binding` with the document's JSON text. */
  document(binding: number, json: string): void {
    this.#document(binding, json, true)
  }

  /** `fromText`: the author gave the text; else it is JSON.stringify's, of the author's value. */
  #document(binding: number, json: string, fromText: boolean): void {
    const b = this.#checkBinding(binding, 'document')
    // JSON.stringify (no indentation) writes an object from its first character, with no line
    // break in it; it returns undefined for undefined and functions.
    const isObject = fromText ? isObjectText(json) : typeof json === 'string' && json.charCodeAt(0) === OPEN_BRACE
    if (!isObject) throw new ProtocolError(`binding ${binding}: a document must be a JSON object, got ${excerpt(json)}`)
    // A line break can only stand between tokens; a JSON frame must not hold one.
    if (this.#json && fromText && (json.indexOf('\n') >= 0 || json.indexOf('\r') >= 0)) json = checkRawJson(json)
    this.docs[b] = (this.docs[b] as number) + 1
    this.bytes[b] = (this.bytes[b] as number) + json.length
    this.pending++
    if (this.#json) this.#jsonDocument(b, json)
    else this.#protoDocument(b, json)
  }

  /** A Checkpoint frame; its state is the update as JSON, a merge patch or a replacement. */
  checkpoint(event: Pick<CheckpointEvent, 'updated' | 'mergePatch'>): void {
    const updatedJson = event.updated === undefined ? '{}' : JSON.stringify(event.updated)
    if (updatedJson === undefined) throw new ProtocolError('a checkpoint state update must be a JSON value')
    this.response({ checkpoint: { state: event.mergePatch ? { updatedJson, mergePatch: true } : { updatedJson } } })
    this.pending = 0
    this.checkpoints++
  }

  /** Any response, through the general codec. */
  response(message: CaptureResponse): void {
    if (this.#json) {
      const line = captureResponse.toJson(message) + '\n'
      this.#reserve(Buffer.byteLength(line))
      this.#end += this.#chunk.write(line, this.#end, 'utf8')
    } else {
      const body = captureResponse.toProto(message)
      this.#reserve(4 + body.length)
      this.#chunk.writeUInt32LE(body.length, this.#end)
      this.#chunk.set(body, this.#end + 4)
      this.#end += 4 + body.length
    }
  }

  /** Hands over the bytes encoded since the last call: whole frames only. */
  take(): Buffer[] {
    const out = this.#ready
    this.#ready = []
    if (this.#end > this.#start) {
      out.push(this.#chunk.subarray(this.#start, this.#end))
      this.#start = this.#end
    }
    return out
  }

  /**
   * Hands over the chunks that are full, and keeps the frames encoded in the current one. The
   * serve loop takes only full chunks while the source keeps delivering, and everything when
   * it would wait for the source: each write goes out as one whole 64 KiB chunk, as a
   * hand-written loop writes them, instead of a piece per batch or per checkpoint.
   */
  takeFull(): Buffer[] {
    const out = this.#ready
    this.#ready = []
    return out
  }

  /** Bytes encoded and not yet handed over. */
  get held(): number {
    let bytes = this.#end - this.#start
    for (const chunk of this.#ready) bytes += chunk.length
    return bytes
  }

  #checkBinding(binding: number, what: string): number {
    if (!(binding >= 0 && binding < this.#bindings && Number.isInteger(binding))) {
      throw new ProtocolError(
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
    // UTF-8 takes at most 3 bytes per UTF-16 unit: measure exactly only when that bound does not fit.
    if (this.#end + prefix.length + json.length * 3 + 3 > this.#chunk.length) this.#reserve(prefix.length + Buffer.byteLength(json) + 3)
    const chunk = this.#chunk
    let p = this.#end
    chunk.set(prefix, p)
    p += prefix.length
    p += chunk.write(json, p, 'utf8')
    chunk[p++] = CLOSE_BRACE
    chunk[p++] = CLOSE_BRACE
    chunk[p++] = NEWLINE
    this.#end = p
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
    const head = 4 + 1 + innerVarint + bindingBytes + 1 + docVarint
    if (this.#end + head + json.length * 3 > this.#chunk.length) this.#reserve(head + Buffer.byteLength(json))
    const chunk = this.#chunk
    const start = this.#end
    const docBytes = chunk.write(json, start + head, 'utf8')
    const inner = bindingBytes + 1 + docVarint + docBytes
    writeCapturedHead(chunk, start, binding, inner, docBytes)
    this.#end = start + head + docBytes
  }

  #protoDocumentMeasured(binding: number, json: string): void {
    const docBytes = Buffer.byteLength(json)
    const inner = (binding === 0 ? 0 : 1 + varintSize(binding)) + 1 + varintSize(docBytes) + docBytes
    const body = 1 + varintSize(inner) + inner
    this.#reserve(4 + body)
    const p = writeCapturedHead(this.#chunk, this.#end, binding, inner, docBytes)
    this.#end = p + this.#chunk.write(json, p, 'utf8')
  }

  /** Makes room for `bytes` in the current chunk, starting a new one (or a larger one) if needed. */
  #reserve(bytes: number): void {
    if (this.#end + bytes <= this.#chunk.length) return
    if (this.#end > this.#start) this.#ready.push(this.#chunk.subarray(this.#start, this.#end))
    this.#chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes))
    this.#start = 0
    this.#end = 0
  }
}

/** Cheap check that JSON text is an object: its first and last non-space characters are braces. */
function isObjectText(json: string): boolean {
  let first = 0
  let last = json.length - 1
  while (first <= last && json.charCodeAt(first) <= 0x20) first++
  while (last > first && json.charCodeAt(last) <= 0x20) last--
  return json.charCodeAt(first) === OPEN_BRACE && json.charCodeAt(last) === CLOSE_BRACE
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
