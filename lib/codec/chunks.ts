import { Buffer } from 'node:buffer'

/**
 * Views a chunk of input as a Buffer without copying it. Decoders keep views of the chunks
 * they are given (a frame that lies in one chunk is handed to `parse` as a subarray), so a
 * source must not write to a chunk after yielding it, as with every Node stream.
 */
export function asBuffer(chunk: Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  throw new TypeError(`expected a Uint8Array chunk, got ${describe(chunk)}`)
}

/** The message of anything thrown, for embedding in another error's message. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'object') return value.constructor?.name ?? 'object'
  return typeof value
}
