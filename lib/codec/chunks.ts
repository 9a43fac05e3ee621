/** Chunks of input: viewed as Buffers without copying, and split into messages by a Splitter. */
import { Buffer } from 'node:buffer'
import { ArgumentError } from '../errors.ts'

/**
 * Views a chunk of input as a Buffer without copying it. Decoders keep views of the chunks
 * they are given (a frame that lies in one chunk is handed to `parse` as a subarray), so a
 * source must not write to a chunk after yielding it, as with every Node stream. Throws an
 * ArgumentError (ARGUMENT_INVALID) on a chunk that is not a Uint8Array.
 */
export function asBuffer(chunk: Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  throw new ArgumentError(`expected a Uint8Array chunk, got ${describe(chunk)}`)
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'object') return value.constructor?.name ?? 'object'
  return typeof value
}

/** Splits chunks of bytes into messages, keeping what a chunk left unfinished for the next. */
export interface Splitter<T> {
  /** Appends the messages `chunk` completes to `out`, in stream order; throws a FramingError on bad input. */
  push(chunk: Buffer, out: T[]): void
  /** At the end of input: appends a last message to `out`, or throws if the input ended inside one. */
  end(out: T[]): void
}

/**
 * Runs `splitter` over the chunks of `source`. Yields one array per chunk that completed at
 * least one message, holding that chunk's messages in order. When the splitter fails, yields
 * the messages of the same chunk that came before the failure, then throws its error.
 */
export async function* splitChunks<T>(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  splitter: Splitter<T>,
): AsyncGenerator<T[], void, undefined> {
  for await (const chunk of source) {
    const batch: T[] = []
    try {
      splitter.push(asBuffer(chunk), batch)
    } catch (error) {
      if (batch.length > 0) yield batch
      throw error
    }
    if (batch.length > 0) yield batch
  }
  const batch: T[] = []
  splitter.end(batch)
  if (batch.length > 0) yield batch
}
