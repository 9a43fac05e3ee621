/**
 * Length-prefixed framing, as Flow's protobuf codec reads and writes it: each frame is a
 * 4-byte little-endian unsigned length N, then N bytes of message. N excludes the header, may
 * be 0, and is what `maxFrameBytes` limits.
 */
import { Buffer } from 'node:buffer'
import { FramingError, messageOf } from '../errors.ts'
import { batchEncoder } from './batch-encoder.ts'
import { HEADER_BYTES, type EncodeOptions } from './chunk-writer.ts'
import { splitChunks, type Splitter } from './chunks.ts'
import { resolveMaxFrameBytes } from './limits.ts'

/**
 * Options of `decodeLengthPrefixed()`: how a frame's bytes become a message, and the largest frame
 * accepted.
 */
export interface LengthPrefixedDecodeOptions<T> {
  /**
   * Turns the N bytes of one frame into a message. The bytes may be a view of an input chunk:
   * they stay valid as long as the source leaves its chunks alone, so a message may keep
   * them. What it throws fails the stream with a FramingError FRAME_INVALID that has the
   * thrown error as `cause`.
   */
  readonly parse: (frame: Uint8Array) => T
  /** Largest frame, in bytes without the header, to accept. Default 64 MiB (`1 << 26`). */
  readonly maxFrameBytes?: number | undefined
}

/**
 * Splits a stream of bytes into length-prefixed frames and parses each one.
 *
 * Yields one array per input chunk that completed at least one frame, holding that chunk's
 * messages in order; the output does not depend on where the input was split. A frame that
 * lies wholly within one chunk is passed to `parse` as a view of it; only a frame spanning
 * chunks is copied, once, into a Buffer of its declared size. Fails with a FramingError:
 * FRAME_TOO_LARGE as soon as a header declares more than `maxFrameBytes` (before anything of
 * the body is buffered), FRAME_INVALID when `parse` throws, and FRAME_TRUNCATED when the
 * stream ends inside a header or a body. Before failing, it yields the messages of the same
 * chunk that came before the failing frame.
 */
export async function* decodeLengthPrefixed<T>(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: LengthPrefixedDecodeOptions<T>,
): AsyncGenerator<T[], void, undefined> {
  yield* splitChunks(source, new FrameSplitter(options.parse, resolveMaxFrameBytes(options.maxFrameBytes)))
}

/**
 * Returns an encoder of batches of messages into length-prefixed frames: each message is
 * `serialize(message)` after its u32-LE length, written and yielded as `batchEncoder`
 * guarantees (whole frames in chunks of at most `chunkBytes`, pending frames yielded at the
 * end of every batch, a message longer than `maxFrameBytes` failing with FRAME_TOO_LARGE after
 * the frames before it).
 */
export function encodeLengthPrefixed<T>(serialize: (message: T) => Uint8Array, options: EncodeOptions = {}) {
  return batchEncoder((writer, message: T) => writer.writeFrame(serialize(message)), options)
}

/** Frame splitting state between chunks. `push` appends to `out` in stream order. */
class FrameSplitter<T> implements Splitter<T> {
  readonly #parse: (frame: Uint8Array) => T
  readonly #maxFrameBytes: number
  /** Bytes of a header split across chunks, and how many of them are known. */
  readonly #header = Buffer.alloc(HEADER_BYTES)
  #headerBytes = 0
  /** A body split across chunks (allocated at its declared size), and how much of it is filled. */
  #body: Buffer | undefined = undefined
  #bodyBytes = 0
  /** Frames begun so far: the 1-based index of the current frame. */
  #frames = 0
  /** Stream offset of the current frame's header. */
  #frameOffset = 0
  /** Stream offset of the next chunk. */
  #offset = 0

  constructor(parse: (frame: Uint8Array) => T, maxFrameBytes: number) {
    this.#parse = parse
    this.#maxFrameBytes = maxFrameBytes
  }

  push(chunk: Buffer, out: T[]): void {
    const size = chunk.length
    const offset = this.#offset
    this.#offset += size
    let pos = 0
    if (this.#headerBytes > 0) {
      pos = Math.min(HEADER_BYTES - this.#headerBytes, size)
      chunk.copy(this.#header, this.#headerBytes, 0, pos)
      this.#headerBytes += pos
      if (this.#headerBytes < HEADER_BYTES) return
      this.#headerBytes = 0
      const bodyBytes = this.#header.readUInt32LE(0)
      if (bodyBytes > this.#maxFrameBytes) throw this.#tooLarge(bodyBytes)
      if (bodyBytes > size - pos) {
        this.#startBody(chunk, pos, bodyBytes)
        return
      }
      this.#accept(chunk.subarray(pos, pos + bodyBytes), out)
      pos += bodyBytes
    } else if (this.#body !== undefined) {
      const body = this.#body
      pos = Math.min(body.length - this.#bodyBytes, size)
      chunk.copy(body, this.#bodyBytes, 0, pos)
      this.#bodyBytes += pos
      if (this.#bodyBytes < body.length) return
      this.#body = undefined
      this.#accept(body, out)
    }
    // The hot loop: frames wholly within this chunk. State lives in locals and is stored back
    // in the fields only where a frame starts that does not end in this chunk, or on error.
    const parse = this.#parse
    const max = this.#maxFrameBytes
    let frames = this.#frames
    while (size - pos >= HEADER_BYTES) {
      const bodyBytes = chunk.readUInt32LE(pos)
      frames++
      if (bodyBytes > max || bodyBytes > size - pos - HEADER_BYTES) {
        this.#frames = frames
        this.#frameOffset = offset + pos
        if (bodyBytes > max) throw this.#tooLarge(bodyBytes)
        this.#startBody(chunk, pos + HEADER_BYTES, bodyBytes)
        return
      }
      const start = pos + HEADER_BYTES
      pos = start + bodyBytes
      let message: T
      try {
        message = parse(chunk.subarray(start, pos))
      } catch (error) {
        this.#frames = frames
        this.#frameOffset = offset + start - HEADER_BYTES
        throw this.#invalid(error, bodyBytes)
      }
      out.push(message)
    }
    this.#frames = frames
    if (pos < size) {
      this.#frames++
      this.#frameOffset = offset + pos
      this.#headerBytes = chunk.copy(this.#header, 0, pos)
    }
  }

  /** At the end of input: fails if it fell inside a frame (a frame always ends with its body). */
  end(): void {
    if (this.#headerBytes > 0) {
      const got = this.#headerBytes
      throw new FramingError(
        'FRAME_TRUNCATED',
        `length-prefixed input ended inside the header of frame ${this.#frames} at byte ${this.#frameOffset}: ` +
          `${got} of ${HEADER_BYTES} header bytes, ${HEADER_BYTES - got} missing`,
      )
    }
    if (this.#body !== undefined) {
      const declared = this.#body.length
      const got = this.#bodyBytes
      throw new FramingError(
        'FRAME_TRUNCATED',
        `length-prefixed input ended inside frame ${this.#frames} at byte ${this.#frameOffset}: ` +
          `${got} of its ${declared} bytes, ${declared - got} missing`,
      )
    }
  }

  /** Starts assembling a body of `bodyBytes` from the rest of `chunk`, from `pos`. */
  #startBody(chunk: Buffer, pos: number, bodyBytes: number): void {
    const body = Buffer.allocUnsafe(bodyBytes)
    this.#bodyBytes = chunk.copy(body, 0, pos)
    this.#body = body
  }

  /** Parses a frame assembled across chunks. */
  #accept(frame: Buffer, out: T[]): void {
    let message: T
    try {
      message = this.#parse(frame)
    } catch (error) {
      throw this.#invalid(error, frame.length)
    }
    out.push(message)
  }

  #invalid(error: unknown, bodyBytes: number): FramingError {
    return new FramingError(
      'FRAME_INVALID',
      `length-prefixed frame ${this.#frames} at byte ${this.#frameOffset} (${bodyBytes} bytes) ` +
        `does not parse: ${messageOf(error)}`,
      { cause: error },
    )
  }

  #tooLarge(bodyBytes: number): FramingError {
    return new FramingError(
      'FRAME_TOO_LARGE',
      `length-prefixed frame ${this.#frames} at byte ${this.#frameOffset} declares ${bodyBytes} bytes, ` +
        `more than the frame size limit of ${this.#maxFrameBytes} bytes (maxFrameBytes)`,
    )
  }
}
