import { once } from 'node:events'
import type { Writable } from 'node:stream'

/**
 * A sink that writes byte chunks to a stream in order, waiting for `drain` whenever the stream's
 * buffer is full, so a slow reader slows the source instead of growing memory. It resolves when
 * the source is exhausted and every chunk has been handed to the stream, and rejects as soon as
 * the stream fails (for example EPIPE when the reader went away).
 */
export function sink(stream: Writable) {
  return async function sink(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    let failure: Error | undefined
    const onError = (error: Error) => {
      failure ??= error
    }
    stream.on('error', onError)
    try {
      for await (const chunk of source) {
        if (failure) throw failure
        if (!stream.write(chunk)) await drained(stream)
      }
      if (failure) throw failure
      if (stream.writableNeedDrain) await drained(stream)
    } finally {
      stream.off('error', onError)
    }
  }
}

async function drained(stream: Writable): Promise<void> {
  // `once` rejects if 'error' is emitted first, so a broken pipe does not hang here.
  await once(stream, 'drain')
}
