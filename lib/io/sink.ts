import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { FlowkitError } from '../errors.ts'

/**
 * A sink that writes byte chunks to a stream in order, waiting for `drain` whenever the stream's
 * buffer is full, so a slow reader slows the source instead of growing memory. It resolves when
 * the source is exhausted and every chunk has been handed to the stream, and rejects as soon as
 * the stream fails: with a FlowkitError OUTPUT_CLOSED when its reader went away (EPIPE), else
 * with the stream's error.
 */
export function sink(stream: Writable) {
  return async function sink(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    let failure: Error | undefined
    const onError = (error: Error) => {
      failure ??= outputFailure(error)
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
  try {
    await once(stream, 'drain')
  } catch (error) {
    throw outputFailure(error as Error)
  }
}

/** A write error as the connector reports it: a reader gone away (EPIPE) is said plainly, without a stack. */
function outputFailure(error: Error): Error {
  if ((error as NodeJS.ErrnoException).code !== 'EPIPE') return error
  return new FlowkitError('OUTPUT_CLOSED', 'stdout was closed by its reader (EPIPE): nothing more can be written, so the connector stops', { cause: error })
}
