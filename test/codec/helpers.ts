// Helpers shared by the framing tests: re-chunking input, sources that refuse to be read too far,
// and collecting what a decoder yielded before it failed.
import { Buffer } from 'node:buffer'
import { FramingError } from '../../lib/errors.ts'

/** Splits `bytes` into chunks of the given sizes, cycling through them. */
export function rechunk(bytes: Uint8Array, sizes: readonly number[]): Buffer[] {
  const chunks: Buffer[] = []
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let pos = 0, i = 0; pos < buf.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1)
    chunks.push(buf.subarray(pos, pos + size))
    pos += size
  }
  return chunks
}

export function splitAt(bytes: Uint8Array, at: number): Buffer[] {
  const buf = Buffer.from(bytes)
  return [buf.subarray(0, at), buf.subarray(at)]
}

export async function* fromChunks(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk
}

/** A source that yields `chunks` and then fails if it is pulled again. */
export async function* thenExplode(chunks: readonly Uint8Array[], pulled: { count: number }): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) {
    pulled.count++
    yield chunk
  }
  throw new Error('source pulled past the chunks the test allows')
}

export interface Outcome<T> {
  readonly messages: T[]
  readonly batches: number
  readonly error?: { code: string; message: string } | undefined
}

export async function outcome<T>(gen: AsyncIterable<T[]>): Promise<Outcome<T>> {
  const messages: T[] = []
  let batches = 0
  try {
    for await (const batch of gen) {
      batches++
      if (batch.length === 0) throw new Error('decoder yielded an empty batch')
      messages.push(...batch)
    }
  } catch (error) {
    if (!(error instanceof FramingError)) throw error
    return { messages, batches, error: { code: error.code, message: error.message } }
  }
  return { messages, batches }
}
