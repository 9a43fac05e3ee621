/**
 * Frame I/O of whole messages, in either of Flow's codecs: the one `Codec` type, the one way to
 * frame a message, and the one reader that hands out messages one at a time. The serve loops,
 * the runtime driver and the tests all read and write frames through these.
 */
import type { Buffer } from 'node:buffer'
import { decodeLengthPrefixed, encodeLengthPrefixed } from './length-prefixed.ts'
import { decodeNdjson, encodeNdjson } from './ndjson.ts'
import { ChunkWriter } from './chunk-writer.ts'
import { MIN_CHUNK_BYTES } from './limits.ts'

/** Flow's two wire codecs: `json` lines (`FLOW_RUNTIME_CODEC=json`) or u32-LE length-prefixed `proto`. */
export type Codec = 'json' | 'proto'

/** How messages of one type are read and written in each codec (protocol/'s MessageCodec is one). */
export interface FrameCodec<T> {
  fromJson(text: string): T
  toJson(message: T): string
  fromProto(bytes: Uint8Array): T
  toProto(message: T): Uint8Array
}

/** Options of the frame functions: the largest frame they read or write. */
export interface FrameOptions {
  /** Largest frame, in bytes without the newline or header, to read or write. Default 64 MiB. */
  readonly maxFrameBytes?: number | undefined
}

/**
 * Splits framed input into messages, yielding them in batches as `decodeNdjson` and
 * `decodeLengthPrefixed` do, and failing as they fail (a FramingError naming the frame).
 */
export function decodeFrames<T>(
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  codec: Codec,
  messages: FrameCodec<T>,
  options: FrameOptions = {},
): AsyncGenerator<T[], void, undefined> {
  const { maxFrameBytes } = options
  return codec === 'json'
    ? decodeNdjson(input, { parse: messages.fromJson, maxFrameBytes })
    : decodeLengthPrefixed(input, { parse: messages.fromProto, maxFrameBytes })
}

/** An encoder of batches of messages into chunks of frames, as `encodeNdjson` and `encodeLengthPrefixed` are. */
export function encodeFrames<T>(codec: Codec, messages: FrameCodec<T>, options: FrameOptions = {}) {
  const { maxFrameBytes } = options
  return codec === 'json'
    ? encodeNdjson(messages.toJson, { maxFrameBytes })
    : encodeLengthPrefixed(messages.toProto, { maxFrameBytes })
}

/**
 * One message as one frame, in a Buffer of its own: its JSON and a newline, or its u32-LE
 * length and protobuf bytes. Throws a FramingError FRAME_TOO_LARGE beyond `maxFrameBytes`.
 */
export function encodeFrame<T>(codec: Codec, messages: FrameCodec<T>, message: T, options: FrameOptions = {}): Buffer {
  // Chunks of the least size: the frame gets a Buffer of its own size (a tiny one, 16 bytes).
  const writer = new ChunkWriter({ chunkBytes: MIN_CHUNK_BYTES, maxFrameBytes: options.maxFrameBytes })
  if (codec === 'json') writer.writeLine(messages.toJson(message))
  else writer.writeFrame(messages.toProto(message))
  return writer.take()[0] as Buffer
}

/**
 * Messages one at a time from decoded batches. `next()` resolves to the next message, or to
 * undefined once the input has ended; it rejects with what the decoder throws. Keeps count of
 * the messages handed out and the last one, for error messages that name them.
 */
export class MessageReader<T> {
  readonly #batches: AsyncIterator<readonly T[]>
  #batch: readonly T[] = []
  #index = 0
  #received = 0
  #last: T | undefined

  constructor(batches: AsyncIterable<readonly T[]>) {
    this.#batches = batches[Symbol.asyncIterator]()
  }

  /** The next message, or undefined at the end of the input. */
  async next(): Promise<T | undefined> {
    while (this.#index >= this.#batch.length) {
      const result = await this.#batches.next()
      if (result.done) return undefined
      this.#batch = result.value
      this.#index = 0
    }
    this.#received++
    this.#last = this.#batch[this.#index++]
    return this.#last
  }

  /**
   * The next message if it is already decoded (no waiting) and `accept` takes it; otherwise
   * undefined, and nothing is consumed. Lets a reader gather a run of like messages into a batch.
   */
  nextIfReady(accept: (message: T) => boolean): T | undefined {
    if (this.#index >= this.#batch.length) return undefined
    const message = this.#batch[this.#index] as T
    if (!accept(message)) return undefined
    this.#index++
    this.#received++
    this.#last = message
    return message
  }

  /** How many messages `next()` has handed out. */
  get received(): number {
    return this.#received
  }

  /** The last message `next()` handed out. */
  get last(): T | undefined {
    return this.#last
  }
}

/** Reads framed input as messages, one at a time. */
export function readFrames<T>(
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  codec: Codec,
  messages: FrameCodec<T>,
  options: FrameOptions = {},
): MessageReader<T> {
  return new MessageReader(decodeFrames(input, codec, messages, options))
}
