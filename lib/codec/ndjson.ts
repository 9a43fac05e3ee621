/**
 * Newline-delimited JSON framing: one message per line, each line terminated by `\n`, as
 * Flow's JSON codec reads and writes it (`FLOW_RUNTIME_CODEC=json`).
 *
 * What a decoder accepts, beyond what Flow itself writes:
 * - `\r\n` line endings: one `\r` before the `\n` is removed before `parse` sees the line.
 * - Blank lines (empty, or only spaces, tabs and `\r`): skipped, though they count as lines
 *   in error messages.
 * - A last line without a `\n` (common in hand-written files): accepted if it parses;
 *   otherwise the stream fails with FRAME_TRUNCATED.
 * The frame size that `maxFrameBytes` limits is a line's length in bytes, without its `\n`.
 */
import { Buffer, isAscii } from 'node:buffer'
import { FramingError, messageOf } from '../errors.ts'
import { batchEncoder } from './batch-encoder.ts'
import type { EncodeOptions } from './chunk-writer.ts'
import { splitChunks, type Splitter } from './chunks.ts'
import { resolveMaxFrameBytes } from './limits.ts'

/** Options of `decodeNdjson()`: how a line becomes a message, and the longest line accepted. */
export interface NdjsonDecodeOptions<T> {
  /**
   * Turns one line (without `\n` and without a trailing `\r`) into a message. What it throws
   * fails the stream with a FramingError FRAME_INVALID that has the thrown error as `cause`.
   */
  readonly parse: (line: string) => T
  /** Largest line, in bytes, to accept. Default 64 MiB (`1 << 26`). */
  readonly maxFrameBytes?: number | undefined
}

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

/**
 * Splits a stream of bytes into lines and parses each one.
 *
 * Yields one array per input chunk that completed at least one non-blank line, holding that
 * chunk's messages in order; the output does not depend on where the input was split. Fails
 * with a FramingError: FRAME_TOO_LARGE as soon as more than `maxFrameBytes` bytes of one line
 * are known (before the line is buffered whole), FRAME_INVALID when `parse` throws, and
 * FRAME_TRUNCATED when the stream ends in a line that does not parse. Before failing, it
 * yields the messages of the same chunk that came before the failing line.
 *
 * Holds at most one partial line (and views of the chunks it came in) between chunks.
 */
export async function* decodeNdjson<T>(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: NdjsonDecodeOptions<T>,
): AsyncGenerator<T[], void, undefined> {
  yield* splitChunks(source, new LineSplitter(options.parse, resolveMaxFrameBytes(options.maxFrameBytes)))
}

/**
 * Returns an encoder of batches of messages into newline-delimited JSON: each message is
 * `serialize(message)` and a `\n`, written and yielded as `batchEncoder` guarantees (whole
 * lines in chunks of at most `chunkBytes`, pending lines yielded at the end of every batch, a
 * line longer than `maxFrameBytes` failing with FRAME_TOO_LARGE after the lines before it).
 * `serialize` must return a single line (compact JSON, no raw `\n`).
 */
export function encodeNdjson<T>(serialize: (message: T) => string, options: EncodeOptions = {}) {
  return batchEncoder((writer, message: T) => writer.writeLine(serialize(message)), options)
}

/** Line splitting state between chunks. `push` and `end` append to `out` in stream order. */
class LineSplitter<T> implements Splitter<T> {
  readonly #parse: (line: string) => T
  readonly #maxFrameBytes: number
  /** Views of the chunks holding the start of the current, unterminated line. */
  #pending: Buffer[] = []
  #pendingBytes = 0
  /** Whether every pending piece is ASCII. */
  #pendingAscii = true
  /** Number of lines (blank ones included) completed so far. */
  #lines = 0

  constructor(parse: (line: string) => T, maxFrameBytes: number) {
    this.#parse = parse
    this.#maxFrameBytes = maxFrameBytes
  }

  push(chunk: Buffer, out: T[]): void {
    const size = chunk.length
    const max = this.#maxFrameBytes
    const first = chunk.indexOf(NEWLINE)
    if (first < 0) {
      if (size === 0) return
      this.#hold(chunk)
      if (this.#pendingBytes > max) throw this.#tooLarge()
      return
    }
    let start = 0
    if (this.#pendingBytes > 0) {
      if (this.#pendingBytes + first > max) throw this.#tooLarge()
      this.#hold(chunk.subarray(0, first))
      const line = ++this.#lines
      const text = this.#takePending()
      if (text.length > 0) this.#parseLine(text, line, out)
      start = first + 1
    }
    const last = chunk.lastIndexOf(NEWLINE)
    if (last >= start) {
      // Decoding many lines at once is fastest when they are ASCII (a memcpy into one string);
      // otherwise V8's UTF-8 decoder is faster line by line. A span no longer than the limit
      // cannot hold a line longer than the limit.
      if (last - start <= max && isAscii(chunk.subarray(start, last))) {
        this.#acceptAll(chunk.toString('latin1', start, last + 1), out)
      } else {
        for (let from = start; from <= last; ) {
          const to = chunk.indexOf(NEWLINE, from)
          if (to - from > max) throw this.#tooLarge()
          if (to === from) this.#lines++
          else this.#accept(chunk.toString('utf8', from, to), out)
          from = to + 1
        }
      }
    }
    if (last + 1 < size) {
      this.#hold(chunk.subarray(last + 1))
      if (this.#pendingBytes > max) throw this.#tooLarge()
    }
  }

  /** At the end of input: accepts a last line without `\n` only if it parses. */
  end(out: T[]): void {
    if (this.#pendingBytes === 0) return
    const bytes = this.#pendingBytes
    const text = this.#takePending()
    const line = ++this.#lines
    if (text.length === 0) return
    try {
      out.push(this.#parse(text))
    } catch (error) {
      throw new FramingError(
        'FRAME_TRUNCATED',
        `ndjson input ended inside line ${line}: ${bytes} bytes after the last newline, ` +
          `which do not parse (${messageOf(error)}); line starts ${excerpt(text)}`,
        { cause: error },
      )
    }
  }

  /** Keeps a piece of the current line until its end arrives. */
  #hold(piece: Buffer): void {
    if (piece.length === 0) return
    this.#pending.push(piece)
    this.#pendingBytes += piece.length
    if (this.#pendingAscii) this.#pendingAscii = isAscii(piece)
  }

  /**
   * Decodes the held pieces (a whole line, without its `\n`) as one string, less a trailing
   * `\r`, and forgets them; a blank line gives ''. ASCII pieces are decoded one by one and
   * joined into a rope, without copying them into one Buffer (a long line is often in two
   * chunks); otherwise they are joined first, so that a character split across pieces decodes
   * whole. The checks are made on bytes: reading a character of a rope would flatten it.
   */
  #takePending(): string {
    const pieces = this.#pending
    const lastPiece = pieces[pieces.length - 1]
    if (lastPiece !== undefined && lastPiece[lastPiece.length - 1] === CARRIAGE_RETURN) {
      pieces[pieces.length - 1] = lastPiece.subarray(0, -1)
      this.#pendingBytes--
    }
    const head = pieces[0]?.[0]
    const blank =
      this.#pendingBytes === 0 ||
      ((head === 0x20 || head === 0x09 || head === CARRIAGE_RETURN) && pieces.every(isBlankBytes))
    let text = ''
    if (!blank && this.#pendingAscii) {
      for (const piece of pieces) text += piece.toString('latin1')
    } else if (!blank) {
      text = Buffer.concat(pieces, this.#pendingBytes).toString('utf8')
    }
    this.#pending = []
    this.#pendingBytes = 0
    this.#pendingAscii = true
    return text
  }

  /** Parses each line of `text`, which ends with `\n`. */
  #acceptAll(text: string, out: T[]): void {
    for (let from = 0; ; ) {
      const to = text.indexOf('\n', from)
      if (to < 0) return
      if (to === from) this.#lines++
      else this.#accept(text.slice(from, to), out)
      from = to + 1
    }
  }

  /** Parses one line (a flat string, decoded on its own), unless it is blank. */
  #accept(text: string, out: T[]): void {
    const line = ++this.#lines
    const last = text.charCodeAt(text.length - 1)
    if (last === CARRIAGE_RETURN) text = text.slice(0, -1)
    const head = text.charCodeAt(0)
    if ((head === 0x20 || head === 0x09 || head === CARRIAGE_RETURN || text.length === 0) && isBlank(text)) return
    this.#parseLine(text, line, out)
  }

  #parseLine(text: string, line: number, out: T[]): void {
    let message: T
    try {
      message = this.#parse(text)
    } catch (error) {
      throw new FramingError(
        'FRAME_INVALID',
        `ndjson line ${line} does not parse: ${messageOf(error)}; line starts ${excerpt(text)}`,
        { cause: error },
      )
    }
    out.push(message)
  }

  #tooLarge(): FramingError {
    return new FramingError(
      'FRAME_TOO_LARGE',
      `ndjson line ${this.#lines + 1} is longer than the frame size limit of ` +
        `${this.#maxFrameBytes} bytes (maxFrameBytes)`,
    )
  }
}

function isBlankBytes(piece: Buffer): boolean {
  for (let i = 0; i < piece.length; i++) {
    const c = piece[i]
    if (c !== 0x20 && c !== 0x09 && c !== CARRIAGE_RETURN) return false
  }
  return true
}

/** True if `text` holds only JSON whitespace other than `\n`. */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c !== 0x20 && c !== 0x09 && c !== CARRIAGE_RETURN) return false
  }
  return true
}

const EXCERPT_CHARS = 64

function excerpt(text: string): string {
  if (text.length <= EXCERPT_CHARS) return JSON.stringify(text)
  return `${JSON.stringify(text.slice(0, EXCERPT_CHARS))}… (${text.length} characters)`
}
