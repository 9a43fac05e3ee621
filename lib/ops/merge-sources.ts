import type { EventBatch } from './events.ts'

/**
 * Interleaves several sources into one: yields each source's items as they become ready and
 * ends when every source has ended. Each source's items keep their order; between sources,
 * items go out in the order they became ready, so a source that is always ready takes turns
 * with the others that are ready (round-robin) and cannot starve them.
 *
 * Bounded: each source has exactly one `next()` in flight, or one result waiting to be
 * yielded, never more; a source is pulled again only once its previous item has been taken
 * by the consumer. So at most one item per source is read ahead, and a slow consumer slows
 * every source.
 *
 * When a source fails, the error is thrown as soon as it is seen (items other sources had
 * ready are dropped) and the other sources are returned. When the consumer stops early, all
 * sources are returned. Sources with a `next()` still pending are returned without waiting
 * for it (an async generator runs the return only once that `next()` settles); the others
 * are awaited, and an error from their return is thrown unless a source's error is.
 */
export async function* mergeSources<T = EventBatch>(...sources: AsyncIterable<T>[]): AsyncGenerator<T, void, undefined> {
  const count = sources.length
  const iterators = sources.map((source) => source[Symbol.asyncIterator]())
  /** Per source: is a `next()` in flight; has it ended or failed (then it is not returned). */
  const pulling = new Array<boolean>(count).fill(false)
  const ended = new Array<boolean>(count).fill(false)
  const results = new Array<IteratorResult<T> | undefined>(count)
  /** Sources whose result is waiting, in the order they settled; each appears at most once. */
  const ready: number[] = []
  let failure: { readonly error: unknown } | undefined
  let wake: (() => void) | undefined
  let closed = false

  const pull = (i: number) => {
    pulling[i] = true
    nextOf(iterators[i] as AsyncIterator<T>).then(
      (result) => {
        pulling[i] = false
        if (closed) return
        results[i] = result
        ready.push(i)
        wake?.()
      },
      (error: unknown) => {
        pulling[i] = false
        ended[i] = true
        if (closed) return
        failure ??= { error }
        wake?.()
      },
    )
  }

  try {
    for (let i = 0; i < count; i++) pull(i)
    let active = count
    while (active > 0) {
      if (failure !== undefined) throw failure.error
      const i = ready.shift()
      if (i === undefined) {
        await new Promise<void>((resolve) => (wake = resolve))
        wake = undefined
        continue
      }
      const result = results[i] as IteratorResult<T>
      results[i] = undefined
      if (result.done === true) {
        ended[i] = true
        active--
        continue
      }
      yield result.value
      pull(i)
    }
  } finally {
    closed = true
    const returns: Promise<unknown>[] = []
    for (let i = 0; i < count; i++) {
      if (ended[i]) continue
      const iterator = iterators[i] as AsyncIterator<T>
      if (pulling[i]) returnLater(iterator)
      else returns.push(returnOf(iterator))
    }
    const settled = await Promise.allSettled(returns)
    if (failure === undefined) {
      for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason
    }
  }
}

function nextOf<T>(iterator: AsyncIterator<T>): Promise<IteratorResult<T>> {
  try {
    return iterator.next()
  } catch (error) {
    return Promise.reject(error)
  }
}

async function returnOf(iterator: AsyncIterator<unknown>): Promise<unknown> {
  return iterator.return?.()
}

function returnLater(iterator: AsyncIterator<unknown>): void {
  returnOf(iterator).catch(() => {})
}
