import type { Buffer } from 'node:buffer'
import { ChunkWriter, type EncodeOptions } from './chunk-writer.ts'
import { resolveChunkBytes, resolveMaxFrameBytes } from './limits.ts'

/** Puts one message into a ChunkWriter as one frame. */
export type WriteMessage<T> = (writer: ChunkWriter, message: T) => void

/**
 * Returns an encoder of batches of messages into chunks of frames, each message written by
 * `write`. The options are checked at once (an ArgumentError ARGUMENT_INVALID).
 *
 * The encoder yields each chunk as soon as it is full, and what is pending at the end of every
 * input batch, so a batch (ending with a checkpoint, say) never waits for the next. Chunks hold
 * whole frames and keep ChunkWriter's guarantees: at most `chunkBytes` long except a frame
 * longer than a chunk, alone in a Buffer of its own; never written again once yielded. When a
 * message fails (FRAME_TOO_LARGE beyond `maxFrameBytes`, or what `write` throws), the frames
 * before it are yielded, then the error is thrown.
 */
export function batchEncoder<T>(write: WriteMessage<T>, options: EncodeOptions) {
  const chunkBytes = resolveChunkBytes(options.chunkBytes)
  const maxFrameBytes = resolveMaxFrameBytes(options.maxFrameBytes)

  return async function* encodeBatches(
    source: AsyncIterable<readonly T[]> | Iterable<readonly T[]>,
  ): AsyncGenerator<Buffer, void, undefined> {
    const writer = new ChunkWriter({ chunkBytes, maxFrameBytes })
    for await (const batch of source) {
      for (let i = 0; i < batch.length; ) {
        try {
          i = writeUntilFull(writer, write, batch, i)
        } catch (error) {
          for (const chunk of writer.take()) yield chunk
          throw error
        }
        for (const chunk of writer.takeFull()) yield chunk
      }
      for (const chunk of writer.take()) yield chunk
    }
  }
}

/** Writes the messages of `batch` from `start` until it ends or a chunk is full; returns the index of the first one not written. */
function writeUntilFull<T>(writer: ChunkWriter, write: WriteMessage<T>, batch: readonly T[], start: number): number {
  for (let i = start; i < batch.length; ) {
    write(writer, batch[i++] as T)
    if (writer.fullChunks > 0) return i
  }
  return batch.length
}
