// Inputs for the frame decoders, shared by the ndjson and length-prefixed targets: streams of
// valid frames of any protocol's Request or Response (as each codec writes them), mutated,
// truncated, cut into chunks anywhere, with frames declaring huge lengths or nesting deeply,
// or random bytes; and the check that decoding them ends well.
import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import { decodeFrames, encodeFrame, type Codec } from '../../lib/codec/frames.ts'
import { DEFAULT_MAX_FRAME_BYTES } from '../../lib/codec/limits.ts'
import { messageCodec, PROTOCOLS, type MessageCodec, type MessageKind, type ProtocolName } from '../../lib/protocol/index.ts'
import { arbitraryMessage } from '../protocol/arbitrary.ts'
import { assertCoded, chunked, cuts, depths, largestAllocation, mutate, mutation, nested, show, timed, type Mutation } from './harness.ts'

export interface FrameCase {
  readonly protocol: ProtocolName
  readonly kind: MessageKind
  readonly bytes: Uint8Array
  readonly chunks: readonly number[] | 'bytes'
  readonly maxFrameBytes: number | undefined
  /** Whether the bytes are valid frames, unchanged: they must then all decode. */
  readonly valid: number | undefined
}

const endpoints = fc.tuple(fc.constantFrom(...PROTOCOLS), fc.constantFrom<MessageKind>('request', 'response'))
const typeName = (protocol: ProtocolName, kind: MessageKind) => `${protocol}.${kind === 'request' ? 'Request' : 'Response'}`

/** A few whole frames of one message type, in `codec`. */
function frames(codec: Codec, protocol: ProtocolName, kind: MessageKind): fc.Arbitrary<Uint8Array[]> {
  const messages = messageCodec(protocol, kind) as MessageCodec<object>
  return fc.array(arbitraryMessage(typeName(protocol, kind), 1), { minLength: 1, maxLength: 3 }).map((list) => list.map((message) => encodeFrame(codec, messages, message)))
}

/** A frame whose message nests `depth` deep inside a raw JSON field (ndjson), or in a length prefix's body (proto). */
function deepFrame(codec: Codec, protocol: ProtocolName, kind: MessageKind, depth: number, closed: boolean): Uint8Array {
  const value = nested(depth, depth % 2 ? 'array' : 'object', closed)
  if (codec === 'json') {
    const field = `${kind === 'request' ? (protocol === 'derive' ? 'open' : 'spec') : 'spec'}`
    return Buffer.from(`{"${field}":{"config":${value},"x":${value}}}\n`)
  }
  // Protobuf nesting: a length-delimited field 1 holding itself, `depth` times.
  let body: Buffer = Buffer.from([0x08, 0x01])
  for (let i = 0; i < Math.min(depth, 2000); i++) body = Buffer.concat([Buffer.from([0x0a]), varint(body.length), body])
  const header = Buffer.alloc(4)
  header.writeUInt32LE(body.length)
  return Buffer.concat([header, body])
}

function varint(n: number): Buffer {
  const out: number[] = []
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  out.push(n)
  return Buffer.from(out)
}

/** A length prefix declaring `declared` bytes followed by `body`: a huge or lying header. */
function lyingPrefix(declared: number, body: Uint8Array): Uint8Array {
  const header = Buffer.alloc(4)
  header.writeUInt32LE(declared >>> 0)
  return Buffer.concat([header, body])
}

const limits = fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 4096 }), fc.integer({ min: 1, max: 64 }))

/** Every kind of input, for `codec`. */
export function frameCases(codec: Codec): fc.Arbitrary<FrameCase> {
  return endpoints.chain(([protocol, kind]) => {
    const valid = frames(codec, protocol, kind).map((list) => ({ bytes: Buffer.concat(list) as Uint8Array, valid: list.length as number | undefined }))
    const mutated = fc
      .tuple(frames(codec, protocol, kind), fc.array(mutation, { minLength: 1, maxLength: 4 }))
      .map(([list, mutations]: [Uint8Array[], Mutation[]]) => ({ bytes: mutate(Buffer.concat(list), mutations), valid: undefined }))
    const random = fc.uint8Array({ maxLength: 256 }).map((bytes) => ({ bytes: bytes as Uint8Array, valid: undefined }))
    const deep = fc
      .tuple(depths, fc.boolean())
      .map(([depth, closed]) => ({ bytes: deepFrame(codec, protocol, kind, depth, closed), valid: undefined }))
    const huge = fc
      .tuple(fc.oneof(fc.constant(0xffff_ffff), fc.integer({ min: DEFAULT_MAX_FRAME_BYTES - 8, max: 0xffff_ffff }), fc.integer({ min: 0, max: 1 << 20 })), fc.uint8Array({ maxLength: 32 }))
      .map(([declared, body]) => ({ bytes: lyingPrefix(declared, body), valid: undefined }))
    const input = fc.oneof({ arbitrary: valid, weight: 1 }, { arbitrary: mutated, weight: 5 }, { arbitrary: random, weight: 2 }, { arbitrary: deep, weight: 1 }, { arbitrary: huge, weight: 1 })
    return fc.record({ input, chunks: cuts, maxFrameBytes: limits }).map(({ input, chunks, maxFrameBytes }) => ({
      protocol,
      kind,
      bytes: input.bytes,
      valid: maxFrameBytes === undefined ? input.valid : undefined, // a small limit may refuse valid frames
      chunks,
      maxFrameBytes,
    }))
  })
}

/** Decodes one case; it must end in messages or a coded error, in time, allocating no more than the limit. */
export async function decodesOrRefuses(codec: Codec, c: FrameCase): Promise<void> {
  const input = () => `${codec} ${c.protocol} ${c.kind} maxFrameBytes ${c.maxFrameBytes} chunks ${JSON.stringify(c.chunks)} ${show(c.bytes)}`
  const messages = messageCodec(c.protocol, c.kind) as MessageCodec<object>
  const limit = c.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
  const { bytes, result } = await largestAllocation(() =>
    timed(async () => {
      let count = 0
      try {
        for await (const batch of decodeFrames(chunked(c.bytes, c.chunks), codec, messages, { maxFrameBytes: c.maxFrameBytes })) count += batch.length
      } catch (error) {
        assertCoded(error, input)
        return { count, error }
      }
      return { count, error: undefined }
    }, input),
  )
  // Beyond the frame's own bytes, a decoder holds a header or a few bytes of slack, nothing more.
  if (bytes > limit + 16) throw new Error(`allocated ${bytes} bytes with a frame size limit of ${limit}; input ${input()}`)
  if (c.valid !== undefined && (result.error !== undefined || result.count !== c.valid)) {
    throw new Error(`valid frames did not all decode: ${result.count} of ${c.valid} (${String(result.error)}); input ${input()}`)
  }
}
