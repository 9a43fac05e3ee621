/**
 * Lines of a byte stream, as bytes: what a shim reads from a foreign connector's stdout. A line
 * that lies in one chunk is a view of it (no copy); one split across chunks is joined once.
 * Lines come without their `\n` and without one trailing `\r`; blank lines (empty, or only
 * spaces, tabs and `\r`) are skipped. A last line without `\n` is a line.
 */
import { Buffer } from 'node:buffer'
import { FramingError } from '../errors.ts'
import { splitChunks, type Splitter } from './chunks.ts'
import { resolveMaxFrameBytes } from './limits.ts'

export interface LinesOptions {
  /** Longest line accepted, in bytes, without its `\n`. Default 64 MiB (`1 << 26`). */
  readonly maxLineBytes?: number | undefined
}

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

/**
 * Splits a stream of bytes into lines. Yields one array per input chunk that completed at
 * least one line. Fails with a FramingError FRAME_TOO_LARGE as soon as more than
 * `maxLineBytes` bytes of one line are known, before the line is held whole.
 */
export async function* splitLines(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: LinesOptions = {},
): AsyncGenerator<Buffer[], void, undefined> {
  yield* splitChunks(source, new ByteLineSplitter(resolveMaxFrameBytes(options.maxLineBytes)))
}

class ByteLineSplitter implements Splitter<Buffer> {
  readonly #max: number
  /** Pieces of the current, unterminated line. */
  #pending: Buffer[] = []
  #pendingBytes = 0
  /** Lines completed so far (blank ones included), for error messages. */
  #lines = 0

  constructor(max: number) {
    this.#max = max
  }

  push(chunk: Buffer, out: Buffer[]): void {
    let from = 0
    for (let to = chunk.indexOf(NEWLINE); to >= 0; to = chunk.indexOf(NEWLINE, from)) {
      if (this.#pendingBytes + to - from > this.#max) throw this.#tooLarge()
      if (this.#pendingBytes > 0) {
        this.#hold(chunk.subarray(from, to))
        this.#accept(this.#takePending(), out)
      } else this.#accept(chunk.subarray(from, to), out)
      from = to + 1
    }
    if (from < chunk.length) {
      this.#hold(chunk.subarray(from))
      if (this.#pendingBytes > this.#max) throw this.#tooLarge()
    }
  }

  end(out: Buffer[]): void {
    if (this.#pendingBytes > 0) this.#accept(this.#takePending(), out)
  }

  #hold(piece: Buffer): void {
    if (piece.length === 0) return
    this.#pending.push(piece)
    this.#pendingBytes += piece.length
  }

  #takePending(): Buffer {
    const line = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending, this.#pendingBytes)
    this.#pending = []
    this.#pendingBytes = 0
    return line
  }

  #accept(line: Buffer, out: Buffer[]): void {
    this.#lines++
    let end = line.length
    if (end > 0 && line[end - 1] === CARRIAGE_RETURN) end--
    if (end === 0) return
    const head = line[0]
    if ((head === 0x20 || head === 0x09 || head === CARRIAGE_RETURN) && isBlank(line, end)) return
    out.push(end === line.length ? line : line.subarray(0, end))
  }

  #tooLarge(): FramingError {
    return new FramingError('FRAME_TOO_LARGE', `line ${this.#lines + 1} is longer than the limit of ${this.#max} bytes`)
  }
}

function isBlank(line: Buffer, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = line[i]
    if (c !== 0x20 && c !== 0x09 && c !== CARRIAGE_RETURN) return false
  }
  return true
}
