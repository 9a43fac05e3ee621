/**
 * Marks where an input pauses: what a runner needs to close a transaction while a pipe is quiet
 * rather than wait for a full one (Flow's runtime closes a transaction whenever it has read all
 * that was ready).
 */

/** Yielded in place of an item when the source gave nothing for the idle time. */
export const IDLE: unique symbol = Symbol('idle')

/**
 * Yields the source's items in order and, when the source has given nothing for `idleMs` since
 * its last item, one IDLE mark, then waits for the next item without a timer: a source that
 * stays quiet gets one mark per pause. The source's pending `next()` is raced against the timer
 * and awaited again afterwards, never called twice. Returns the source when the consumer stops;
 * a `next()` still pending then is left to settle on its own.
 */
export async function* idleMarks<T>(source: AsyncIterable<T> | Iterable<T>, idleMs: number): AsyncGenerator<T | typeof IDLE> {
  const iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : toAsync(source[Symbol.iterator]())
  let pending: Promise<IteratorResult<T>> | undefined
  let finished = false
  try {
    let marked = true
    for (;;) {
      const next = (pending ??= iterator.next())
      if (!marked && !(await settlesWithin(next, idleMs))) {
        marked = true
        yield IDLE
        continue
      }
      const result = await next
      pending = undefined
      if (result.done === true) {
        finished = true
        return
      }
      marked = false
      yield result.value
    }
  } catch (error) {
    finished = true
    throw error
  } finally {
    if (!finished) {
      if (pending === undefined) await iterator.return?.()
      else void pending.then(() => iterator.return?.(), () => undefined)
    }
  }
}

/** True when `promise` settles (either way) within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const settled = await new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, ms, false)
    promise.then(() => resolve(true), () => resolve(true))
  })
  clearTimeout(timer)
  return settled
}

function toAsync<T>(iterator: Iterator<T>): AsyncIterator<T> {
  return {
    next: async () => iterator.next(),
    return: async () => iterator.return?.() ?? { done: true, value: undefined },
  }
}
