/**
 * The one place frames are written: ndjson lines and u32-LE length-prefixed frames, into
 * chunks of `chunkBytes`, each frame checked against `maxFrameBytes`. The stream encoders of
 * this folder, `encodeFrame` and capture/'s ResponseEncoder all write through a ChunkWriter.
 */
import { Buffer } from 'node:buffer'
import { frameTooLarge, resolveChunkBytes, resolveMaxFrameBytes } from './limits.ts'

/** Options of every encoder: how large its chunks are and how large a frame it writes. */
export interface EncodeOptions {
  /** Size of the Buffers frames are written into. Default 64 KiB (`DEFAULT_CHUNK_BYTES`). */
  readonly chunkBytes?: number | undefined
  /**
   * Largest frame to write, in bytes without a line's `\n` or a frame's 4-byte header.
   * Default 64 MiB (`DEFAULT_MAX_FRAME_BYTES`, Flow's limit).
   */
  readonly maxFrameBytes?: number | undefined
}

/** What frames a message: ndjson's `\n` after it (1 byte) or a u32-LE length before it (4 bytes). */
export const NEWLINE_BYTES = 1
export const HEADER_BYTES = 4
export type FramingBytes = typeof NEWLINE_BYTES | typeof HEADER_BYTES

const NEWLINE = 0x0a
const EMPTY = Buffer.alloc(0)

/**
 * Writes whole frames into chunks and hands them over.
 *
 * Guarantees: every frame lies whole in one chunk; chunks are at most `chunkBytes` long, except
 * that a frame longer than a chunk gets a Buffer of its own; bytes once handed over (by `take`
 * or `takeFull`) are never written again, though later chunks may be views of the same
 * ArrayBuffer. A frame larger than `maxFrameBytes` fails with a FramingError FRAME_TOO_LARGE
 * and leaves nothing written: what came before it is still there to take.
 *
 * To write a frame in place: `reserve` room for it (or write at `end` when `room` is known to
 * suffice), write into `chunk` from that offset, then `commit` the frame's end.
 */
export class ChunkWriter {
  readonly chunkBytes: number
  readonly maxFrameBytes: number
  /** Lines up to this many UTF-16 units are within maxFrameBytes whatever their characters. */
  readonly #maxUnmeasured: number
  /** The chunk being written; allocated at the first frame. */
  #chunk: Buffer = EMPTY
  /** First byte of `#chunk` not handed over. */
  #start = 0
  /** First byte of `#chunk` not written. */
  #end = 0
  /** Chunks that no frame will be written into, not handed over yet. */
  #full: Buffer[] = []

  /** Throws an ArgumentError ARGUMENT_INVALID on an option out of range. */
  constructor(options: EncodeOptions = {}) {
    this.chunkBytes = resolveChunkBytes(options.chunkBytes)
    this.maxFrameBytes = resolveMaxFrameBytes(options.maxFrameBytes)
    this.#maxUnmeasured = Math.floor(this.maxFrameBytes / 3)
  }

  /** The Buffer the next frame goes into, at `end`. Another one after `reserve`. */
  get chunk(): Buffer {
    return this.#chunk
  }

  /** Where in `chunk` the next frame starts. */
  get end(): number {
    return this.#end
  }

  /** Bytes free in `chunk` after `end`. */
  get room(): number {
    return this.#chunk.length - this.#end
  }

  /** One ndjson line: `text`, which must hold no line break, and `\n`. */
  writeLine(text: string): void {
    const chunk = this.#chunk
    let at = this.#end
    // UTF-8 takes at most 3 bytes per UTF-16 unit: measure the text only when that bound does not fit.
    if (text.length * 3 < chunk.length - at && text.length <= this.#maxUnmeasured) {
      at += chunk.write(text, at, 'utf8')
      chunk[at] = NEWLINE
      this.#end = at + 1
      return
    }
    const bytes = Buffer.byteLength(text, 'utf8')
    at = this.reserve(bytes + NEWLINE_BYTES, NEWLINE_BYTES)
    this.#chunk.write(text, at, 'utf8')
    this.#chunk[at + bytes] = NEWLINE
    this.#end = at + bytes + 1
  }

  /** One length-prefixed frame: `body`'s length as a u32-LE, then `body`. */
  writeFrame(body: Uint8Array): void {
    const at = this.reserve(HEADER_BYTES + body.length, HEADER_BYTES)
    const chunk = this.#chunk
    chunk.writeUInt32LE(body.length, at)
    chunk.set(body, at + HEADER_BYTES)
    this.#end = at + HEADER_BYTES + body.length
  }

  /**
   * Makes room for a frame of exactly `bytes` bytes, `framing` of them its newline or header,
   * and returns the offset in `chunk` where it starts (`end`, or 0 of a new chunk). When the
   * current chunk lacks the room, it becomes full and the frame starts a new one, of the
   * frame's own size when larger than `chunkBytes`. Fails with FRAME_TOO_LARGE, before
   * anything is allocated, when `bytes - framing` is beyond `maxFrameBytes`.
   */
  reserve(bytes: number, framing: FramingBytes): number {
    if (bytes - framing > this.maxFrameBytes) throw this.#tooLarge(bytes - framing, framing)
    if (bytes <= this.#chunk.length - this.#end) return this.#end
    if (this.#end > this.#start) this.#full.push(this.#chunk.subarray(this.#start, this.#end))
    this.#chunk = Buffer.allocUnsafe(Math.max(this.chunkBytes, bytes))
    this.#start = 0
    this.#end = 0
    return 0
  }

  /**
   * Ends the frame written in place from `end` up to `frameEnd`. Fails with FRAME_TOO_LARGE
   * when the frame, less its `framing` bytes, is beyond `maxFrameBytes`; the frame is then
   * dropped, as if it had not been written.
   */
  commit(frameEnd: number, framing: FramingBytes): void {
    const bytes = frameEnd - this.#end - framing
    if (bytes > this.maxFrameBytes) throw this.#tooLarge(bytes, framing)
    this.#end = frameEnd
  }

  /** Hands over everything written since the last hand-over, in order: whole frames only. */
  take(): Buffer[] {
    const out = this.#full
    this.#full = []
    if (this.#end > this.#start) {
      out.push(this.#chunk.subarray(this.#start, this.#end))
      this.#start = this.#end
    }
    return out
  }

  /** Hands over the chunks that are full, in order; the frames of the current chunk stay. */
  takeFull(): Buffer[] {
    const out = this.#full
    this.#full = []
    return out
  }

  /** How many chunks `takeFull()` would hand over. */
  get fullChunks(): number {
    return this.#full.length
  }

  /** Bytes written and not handed over yet. */
  get held(): number {
    let bytes = this.#end - this.#start
    for (const chunk of this.#full) bytes += chunk.length
    return bytes
  }

  #tooLarge(bytes: number, framing: FramingBytes) {
    return frameTooLarge(bytes, this.maxFrameBytes, framing === NEWLINE_BYTES ? 'ndjson line' : 'frame')
  }
}
