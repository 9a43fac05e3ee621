/**
 * Sample streams: a capture's committed output recorded as a file, to replay and benchmark.
 *
 * The file is a sequence of MessagePack values, written and read as a stream:
 * 1. a `bin` whose bytes are the MessagePack map of the header (`SampleHeader`): format name and
 *    version, the capture, its bindings (collection, key, schema);
 * 2. entries, each a 3-element array:
 *    - `[0, binding, bin]`: a document, its JSON as UTF-8 bytes (a replay never parses it);
 *    - `[1, bin, bool]`: a checkpoint, its state update as JSON bytes, and whether it is a merge
 *      patch;
 *    - `[2, binding, bin]`: a sourced schema, as JSON bytes.
 *
 * Entries are encoded and decoded by hand here (they are nearly all documents: a few bytes of
 * framing and the document's bytes, viewed where they lie); the header goes through
 * @msgpack/msgpack. A reader yields entries in batches, one per chunk read, and fails on a
 * truncated or corrupt file naming the byte offset.
 */
import { Buffer } from 'node:buffer'
import { decode, encode } from '@msgpack/msgpack'
import { FramingError } from '../errors.ts'
import { isObject } from '../json/values.ts'

export const SAMPLE_FORMAT = 'flowkit-sample-stream'
export const SAMPLE_VERSION = 1

export interface SampleBinding {
  readonly collection: string
  /** The collection's key, as JSON pointers. */
  readonly key: readonly string[]
  /** The collection's (write) schema. */
  readonly schema: unknown
}

export interface SampleHeader {
  readonly format: typeof SAMPLE_FORMAT
  readonly version: number
  /** The capture that was recorded. */
  readonly capture: string
  readonly bindings: readonly SampleBinding[]
  /** When it was recorded (ISO 8601), and anything else the recorder notes. */
  readonly recorded: Readonly<Record<string, unknown>>
}

export type SampleEntry =
  | { readonly type: 'document'; readonly binding: number; readonly doc: Uint8Array }
  | { readonly type: 'checkpoint'; readonly state: Uint8Array; readonly mergePatch: boolean }
  | { readonly type: 'sourcedSchema'; readonly binding: number; readonly schema: Uint8Array }

const ARRAY3 = 0x93
const DOCUMENT = 0
const CHECKPOINT = 1
const SOURCED_SCHEMA = 2

/** The header, as the first bytes of a file. */
export function encodeSampleHeader(header: SampleHeader): Buffer {
  const map = encode(header)
  return Buffer.concat([binHead(map.length), map])
}

/** An entry's bytes. */
export function encodeSampleEntry(entry: SampleEntry): Buffer {
  if (entry.type === 'checkpoint') {
    return Buffer.concat([Buffer.from([ARRAY3, CHECKPOINT]), binHead(entry.state.length), entry.state, Buffer.from([entry.mergePatch ? 0xc3 : 0xc2])])
  }
  const bytes = entry.type === 'document' ? entry.doc : entry.schema
  return Buffer.concat([Buffer.from([ARRAY3, entry.type === 'document' ? DOCUMENT : SOURCED_SCHEMA]), uintHead(entry.binding), binHead(bytes.length), bytes])
}

function binHead(length: number): Buffer {
  if (length < 0x100) return Buffer.from([0xc4, length])
  if (length < 0x10000) return Buffer.from([0xc5, length >> 8, length & 0xff])
  const head = Buffer.alloc(5)
  head[0] = 0xc6
  head.writeUInt32BE(length, 1)
  return head
}

function uintHead(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  if (n < 0x10000) return Buffer.from([0xcd, n >> 8, n & 0xff])
  const head = Buffer.alloc(5)
  head[0] = 0xce
  head.writeUInt32BE(n, 1)
  return head
}

/**
 * Reads a sample stream: resolves its header, then `entries` yields its entries in batches.
 * Fails with a FramingError (FRAME_INVALID or FRAME_TRUNCATED) naming the offset of what is wrong.
 */
export async function readSampleStream(source: AsyncIterable<Uint8Array>): Promise<{ header: SampleHeader; entries: AsyncGenerator<SampleEntry[], void, undefined> }> {
  const reader = new SampleReader(source[Symbol.asyncIterator]())
  const header = await reader.header()
  return { header, entries: reader.entries() }
}

class SampleReader {
  readonly #chunks: AsyncIterator<Uint8Array>
  /** Bytes read and not yet decoded, and the file offset of their first byte. */
  #buffer: Buffer = Buffer.alloc(0)
  #offset = 0

  constructor(chunks: AsyncIterator<Uint8Array>) {
    this.#chunks = chunks
  }

  async header(): Promise<SampleHeader> {
    for (;;) {
      const first = this.#buffer[0]
      if (first !== undefined && first !== 0xc4 && first !== 0xc5 && first !== 0xc6) throw invalid(0, 'not a sample stream: it does not start with its header')
      const length = binLength(this.#buffer, 0, 0)
      if (length !== undefined && this.#buffer.length >= length.start + length.length) {
        const header = parseHeader(this.#buffer.subarray(length.start, length.start + length.length))
        this.#consume(length.start + length.length)
        return header
      }
      if (!(await this.#more())) throw new FramingError('FRAME_TRUNCATED', `sample stream truncated in its header at offset ${this.#offset + this.#buffer.length}`)
    }
  }

  async *entries(): AsyncGenerator<SampleEntry[], void, undefined> {
    for (;;) {
      const batch: SampleEntry[] = []
      const used = decodeEntries(this.#buffer, this.#offset, batch)
      this.#consume(used)
      if (batch.length > 0) yield batch
      if (!(await this.#more())) break
    }
    if (this.#buffer.length > 0) throw new FramingError('FRAME_TRUNCATED', `sample stream truncated at offset ${this.#offset}: ${this.#buffer.length} bytes of an unfinished entry`)
  }

  async #more(): Promise<boolean> {
    const next = await this.#chunks.next()
    if (next.done) return false
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength)
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    return true
  }

  #consume(bytes: number): void {
    this.#buffer = this.#buffer.subarray(bytes)
    this.#offset += bytes
  }
}

function parseHeader(bytes: Buffer): SampleHeader {
  let header: unknown
  try {
    header = decode(bytes)
  } catch (error) {
    throw invalid(0, `its header is not MessagePack (${(error as Error).message})`)
  }
  if (!isObject(header) || header.format !== SAMPLE_FORMAT) throw invalid(0, `not a sample stream: its header's format is not ${SAMPLE_FORMAT}`)
  if (header.version !== SAMPLE_VERSION) throw invalid(0, `sample stream version ${String(header.version)}; this flowkit reads version ${SAMPLE_VERSION}`)
  if (!Array.isArray(header.bindings)) throw invalid(0, 'its header has no bindings')
  return header as unknown as SampleHeader
}

/** Decodes the whole entries at the start of `b` into `out`; returns the bytes they took. */
function decodeEntries(b: Buffer, offset: number, out: SampleEntry[]): number {
  let p = 0
  while (p < b.length) {
    if (b[p] !== ARRAY3) throw invalid(offset + p, `expected an entry (a 3-element array), found byte 0x${(b[p] as number).toString(16)}`)
    if (p + 2 > b.length) break
    const type = b[p + 1]
    if (type === CHECKPOINT) {
      const bin = binLength(b, p + 2, offset)
      if (bin === undefined || bin.start + bin.length >= b.length) break
      const flag = b[bin.start + bin.length]
      if (flag !== 0xc2 && flag !== 0xc3) throw invalid(offset + bin.start + bin.length, 'a checkpoint entry must end with a boolean')
      out.push({ type: 'checkpoint', state: b.subarray(bin.start, bin.start + bin.length), mergePatch: flag === 0xc3 })
      p = bin.start + bin.length + 1
      continue
    }
    if (type !== DOCUMENT && type !== SOURCED_SCHEMA) throw invalid(offset + p + 1, `unknown entry type ${String(type)}`)
    const binding = uintAt(b, p + 2)
    if (binding === undefined) break
    if (binding === null) throw invalid(offset + p + 2, 'an entry binding must be an unsigned integer')
    const bin = binLength(b, binding.end, offset)
    if (bin === undefined || bin.start + bin.length > b.length) break
    const bytes = b.subarray(bin.start, bin.start + bin.length)
    out.push(type === DOCUMENT ? { type: 'document', binding: binding.value, doc: bytes } : { type: 'sourcedSchema', binding: binding.value, schema: bytes })
    p = bin.start + bin.length
  }
  return p
}

/**
 * A `bin` head at `p`: where its bytes start and how many; undefined when the head is not all
 * there; a FramingError naming `offset + p` when it is not a `bin`.
 */
function binLength(b: Buffer, p: number, offset: number): { start: number; length: number } | undefined {
  const head = b[p]
  if (head === 0xc4) return p + 2 <= b.length ? { start: p + 2, length: b[p + 1] as number } : undefined
  if (head === 0xc5) return p + 3 <= b.length ? { start: p + 3, length: b.readUInt16BE(p + 1) } : undefined
  if (head === 0xc6) return p + 5 <= b.length ? { start: p + 5, length: b.readUInt32BE(p + 1) } : undefined
  if (head === undefined) return undefined
  throw invalid(offset + p, `expected bytes (a MessagePack bin), found byte 0x${head.toString(16)}`)
}

/** An unsigned integer at `p`: its value and end; undefined when not all there; null when not an unsigned integer. */
function uintAt(b: Buffer, p: number): { value: number; end: number } | undefined | null {
  const head = b[p]
  if (head === undefined) return undefined
  if (head < 0x80) return { value: head, end: p + 1 }
  if (head === 0xcc) return p + 2 <= b.length ? { value: b[p + 1] as number, end: p + 2 } : undefined
  if (head === 0xcd) return p + 3 <= b.length ? { value: b.readUInt16BE(p + 1), end: p + 3 } : undefined
  if (head === 0xce) return p + 5 <= b.length ? { value: b.readUInt32BE(p + 1), end: p + 5 } : undefined
  return null
}

function invalid(offset: number, what: string): FramingError {
  return new FramingError('FRAME_INVALID', `sample stream corrupt at offset ${offset}: ${what}`)
}
