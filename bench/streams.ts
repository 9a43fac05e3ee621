/**
 * Deterministic sample streams for benchmarks: capture Response streams that are mostly
 * Captured documents with a Checkpoint every few documents, in both of Flow's codecs.
 *
 * The same options always give the same bytes (a seeded generator, no clock, no Math.random).
 * The protobuf bytes come from a small hand-written encoder below, so that benchmarks of the
 * framing layer do not depend on lib/protocol.
 */
import { Buffer } from 'node:buffer'

export interface SampleStreamOptions {
  /** Approximate size of each document's JSON, in bytes. */
  readonly docBytes: number
  /** Stop adding documents once the ndjson stream is at least this long. */
  readonly totalBytes: number
  /** A Checkpoint follows every this many documents. */
  readonly checkpointEvery: number
  /** Number of bindings the documents are spread over (binding 0 is omitted on the wire). */
  readonly bindings?: number
  /** Put non-ASCII text in every document. */
  readonly nonAscii?: boolean
  readonly seed?: number
}

/** One checkpoint's worth of messages: its documents, then the Checkpoint. */
export interface SampleBatch {
  /** Each message as a compact JSON line, without the newline. */
  readonly json: readonly string[]
  /** Each message as protobuf bytes, without the length prefix. */
  readonly proto: readonly Uint8Array[]
}

export interface SampleStream {
  readonly name: string
  readonly batches: readonly SampleBatch[]
  /** All messages as newline-delimited JSON. */
  readonly ndjson: Buffer
  /** All messages as u32-LE length-prefixed protobuf frames. */
  readonly lengthPrefixed: Buffer
  /** Messages in the stream: documents plus checkpoints. */
  readonly frames: number
  readonly documents: number
}

/** Builds a sample stream. Costs about a second per 100 MB; callers should cache it. */
export function sampleStream(name: string, options: SampleStreamOptions): SampleStream {
  const random = mulberry32(options.seed ?? 0x5eed)
  const bindings = options.bindings ?? 4
  const batches: SampleBatch[] = []
  let jsonBytes = 0
  let protoBytes = 0
  let documents = 0
  let frames = 0
  while (jsonBytes < options.totalBytes) {
    const json: string[] = []
    const proto: Uint8Array[] = []
    for (let i = 0; i < options.checkpointEvery; i++) {
      const binding = documents % bindings
      const doc = sampleDocument(random, documents, options.docBytes, options.nonAscii ?? false)
      json.push(binding === 0 ? `{"captured":{"doc":${doc}}}` : `{"captured":{"binding":${binding},"doc":${doc}}}`)
      proto.push(encodeCaptured(binding, Buffer.from(doc)))
      documents++
    }
    const state = JSON.stringify({ cursor: { documents, at: isoTime(documents) } })
    json.push(`{"checkpoint":{"state":{"updated":${state},"mergePatch":true}}}`)
    proto.push(encodeCheckpoint(Buffer.from(state), true))
    for (const line of json) jsonBytes += Buffer.byteLength(line) + 1
    for (const body of proto) protoBytes += body.length + 4
    frames += json.length
    batches.push({ json, proto })
  }
  const ndjson = Buffer.allocUnsafe(jsonBytes)
  const lengthPrefixed = Buffer.allocUnsafe(protoBytes)
  let j = 0
  let p = 0
  for (const batch of batches) {
    for (const line of batch.json) {
      j += ndjson.write(line, j)
      ndjson[j++] = 0x0a
    }
    for (const body of batch.proto) {
      p = lengthPrefixed.writeUInt32LE(body.length, p)
      lengthPrefixed.set(body, p)
      p += body.length
    }
  }
  // Keep the messages' bytes where a serializer would leave them: compact, in stream order
  // (views of the framed stream), not scattered among the garbage of generating them.
  const compact: SampleBatch[] = []
  p = 0
  for (const batch of batches) {
    const proto = batch.proto.map((body) => {
      p += 4
      const view = lengthPrefixed.subarray(p, p + body.length)
      p += body.length
      return view
    })
    compact.push({ json: batch.json, proto })
  }
  return { name, batches: compact, ndjson, lengthPrefixed, frames, documents }
}

/** Views of `bytes` in chunks of `chunkBytes` (the last may be shorter). No copies. */
export function chunked(bytes: Buffer, chunkBytes: number): Buffer[] {
  const chunks: Buffer[] = []
  for (let pos = 0; pos < bytes.length; pos += chunkBytes) chunks.push(bytes.subarray(pos, pos + chunkBytes))
  return chunks
}

/** Yields the given items in order, as a source stage would. */
export async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T, void, undefined> {
  for (let i = 0; i < items.length; i++) yield items[i] as T
}

// ---- documents ---------------------------------------------------------------------------------

const WORDS = [
  'alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett',
  'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango',
]
const NON_ASCII_WORDS = ['Zürich', 'São Paulo', 'Kraków', 'Москва', '東京', 'Ελλάδα', 'café ☕', 'naïve']
const STATUSES = ['pending', 'paid', 'shipped', 'refunded', 'cancelled']

/**
 * One document of about `docBytes` bytes of compact JSON: an order-like record; large sizes
 * add an array of line items until the size is reached.
 */
function sampleDocument(random: () => number, id: number, docBytes: number, nonAscii: boolean): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ')
  const doc: Record<string, unknown> = {
    id,
    uuid: uuid(random),
    createdAt: isoTime(id),
    customer: {
      name: `${pick(WORDS)} ${pick(WORDS)}`,
      email: `${pick(WORDS)}.${id}@example.com`,
      city: nonAscii ? pick(NON_ASCII_WORDS) : pick(WORDS),
      vip: random() < 0.1,
    },
    amount: Math.round(random() * 1_000_000) / 100,
    currency: 'USD',
    status: pick(STATUSES),
    tags: [pick(WORDS), pick(WORDS)],
    note: '',
  }
  // Vary sizes by ±6% so frames do not all line up with chunk boundaries the same way.
  const target = Math.round(docBytes * (0.94 + random() * 0.12))
  let size = Buffer.byteLength(JSON.stringify(doc))
  if (docBytes > 2048) {
    const items: unknown[] = []
    doc.items = items
    size += 11 // ,"items":[]
    while (size < target - 200) {
      const item = { sku: `SKU-${Math.floor(random() * 1e6)}`, qty: 1 + Math.floor(random() * 9), title: words(8) }
      items.push(item)
      size += Buffer.byteLength(JSON.stringify(item)) + (items.length > 1 ? 1 : 0)
    }
  }
  const missing = target - size
  if (missing > 0) doc.note = words(Math.ceil(missing / 6)).slice(0, missing)
  return JSON.stringify(doc)
}

function uuid(random: () => number): string {
  const hex = (n: number) =>
    Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('')
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`
}

function isoTime(n: number): string {
  return new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString()
}

/** A small, fast, seeded PRNG (mulberry32): numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// ---- protobuf, by hand -------------------------------------------------------------------------
// capture.Response: 6 captured {1 binding varint, 2 doc_json bytes};
//                   7 checkpoint {1 state flow.ConnectorState {1 updated_json bytes, 2 merge_patch bool}}.
// Fields in ascending order, defaults omitted, as prost writes them.

const WIRE_VARINT = 0
const WIRE_BYTES = 2
const tag = (field: number, wire: number) => (field << 3) | wire

/** capture.Response{captured{binding, doc_json}}. */
export function encodeCaptured(binding: number, doc: Uint8Array): Uint8Array {
  const inner = (binding === 0 ? 0 : 1 + varintBytes(binding)) + 1 + varintBytes(doc.length) + doc.length
  const out = Buffer.allocUnsafe(1 + varintBytes(inner) + inner)
  let pos = 0
  out[pos++] = tag(6, WIRE_BYTES)
  pos = writeVarint(out, pos, inner)
  if (binding !== 0) {
    out[pos++] = tag(1, WIRE_VARINT)
    pos = writeVarint(out, pos, binding)
  }
  out[pos++] = tag(2, WIRE_BYTES)
  pos = writeVarint(out, pos, doc.length)
  out.set(doc, pos)
  return out
}

/** capture.Response{checkpoint{state{updated_json, merge_patch}}}. */
export function encodeCheckpoint(updated: Uint8Array, mergePatch: boolean): Uint8Array {
  const state = 1 + varintBytes(updated.length) + updated.length + (mergePatch ? 2 : 0)
  const checkpoint = 1 + varintBytes(state) + state
  const out = Buffer.allocUnsafe(1 + varintBytes(checkpoint) + checkpoint)
  let pos = 0
  out[pos++] = tag(7, WIRE_BYTES)
  pos = writeVarint(out, pos, checkpoint)
  out[pos++] = tag(1, WIRE_BYTES)
  pos = writeVarint(out, pos, state)
  out[pos++] = tag(1, WIRE_BYTES)
  pos = writeVarint(out, pos, updated.length)
  out.set(updated, pos)
  pos += updated.length
  if (mergePatch) {
    out[pos++] = tag(2, WIRE_VARINT)
    out[pos++] = 1
  }
  return out
}

function varintBytes(n: number): number {
  let bytes = 1
  while (n >= 0x80) {
    n = Math.floor(n / 128)
    bytes++
  }
  return bytes
}

function writeVarint(out: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    out[pos++] = (n & 0x7f) | 0x80
    n = Math.floor(n / 128)
  }
  out[pos++] = n
  return pos
}
