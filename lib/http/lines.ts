import { Buffer } from 'node:buffer'
import { MessageError } from '../errors.ts'

const LF = 0x0a
const CR = 0x0d

/**
 * The lines of a byte stream, as bytes without their line ending (LF or CRLF); a last line
 * without one is yielded too. Holds at most one partial line, of up to `maxLineBytes`.
 */
export async function* splitLines(chunks: AsyncIterable<Uint8Array>, maxLineBytes = 64 << 20): AsyncGenerator<Buffer, void, undefined> {
  let partial: Buffer[] = []
  let partialBytes = 0
  for await (const chunk of chunks) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    let start = 0
    for (let at = bytes.indexOf(LF, start); at >= 0; at = bytes.indexOf(LF, start)) {
      let line = bytes.subarray(start, at)
      if (partialBytes > 0) {
        partial.push(line)
        line = Buffer.concat(partial, partialBytes + line.length)
        partial = []
        partialBytes = 0
      }
      yield line.at(-1) === CR ? line.subarray(0, -1) : line
      start = at + 1
    }
    if (start < bytes.length) {
      partialBytes += bytes.length - start
      if (partialBytes > maxLineBytes) throw new MessageError(`a line of the body is longer than ${maxLineBytes} bytes`)
      partial.push(Buffer.from(bytes.subarray(start)))
    }
  }
  if (partialBytes > 0) {
    const line = Buffer.concat(partial, partialBytes)
    yield line.at(-1) === CR ? line.subarray(0, -1) : line
  }
}

/** The JSON values of newline-delimited JSON, one per non-blank line; a line that is not JSON fails naming its number. */
export async function* parseNdjson<T = unknown>(chunks: AsyncIterable<Uint8Array>, maxLineBytes?: number): AsyncGenerator<T, void, undefined> {
  let number = 0
  for await (const line of splitLines(chunks, maxLineBytes)) {
    number++
    const text = line.toString('utf8')
    if (text.trim() === '') continue
    try {
      yield JSON.parse(text) as T
    } catch (error) {
      throw new MessageError(`line ${number} of the body is not JSON: ${(error as Error).message}`, { cause: error })
    }
  }
}
