// Sources a test controls: pulls are counted and each batch is handed over when the test says.
import type { EventBatch } from '../../lib/ops/events.ts'

export interface Deferred<T> {
  readonly promise: Promise<T>
  resolve(value: T): void
  reject(error: unknown): void
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Lets every callback already queued run (promise jobs, then one turn of the event loop). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Whether `promise` has settled (after letting queued callbacks run). */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false
  promise.then(
    () => (settled = true),
    () => (settled = true),
  )
  await settle()
  return settled
}

/**
 * An async iterator whose every `next()` waits until the test calls `push`, `end` or `fail`.
 * Records how often it was pulled, whether two pulls were ever in flight at once, and returns.
 */
export class ControlledSource<T = EventBatch> implements AsyncIterableIterator<T> {
  pulls = 0
  returns = 0
  concurrentPulls = false
  #waiting: Deferred<IteratorResult<T>> | undefined
  #done = false

  get waiting(): boolean {
    return this.#waiting !== undefined
  }

  next(): Promise<IteratorResult<T>> {
    this.pulls++
    if (this.#waiting !== undefined) this.concurrentPulls = true
    if (this.#done) return Promise.resolve({ done: true, value: undefined })
    this.#waiting = deferred()
    return this.#waiting.promise
  }

  push(value: T): void {
    this.#take().resolve({ done: false, value })
  }

  end(): void {
    this.#done = true
    this.#take().resolve({ done: true, value: undefined })
  }

  fail(error: unknown): void {
    this.#done = true
    this.#take().reject(error)
  }

  return(): Promise<IteratorResult<T>> {
    this.returns++
    this.#done = true
    return Promise.resolve({ done: true, value: undefined })
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  #take(): Deferred<IteratorResult<T>> {
    const waiting = this.#waiting
    if (waiting === undefined) throw new Error('the source was not pulled')
    this.#waiting = undefined
    return waiting
  }
}

/** Yields the items in order, counting pulls in `counter`. */
export async function* counted<T>(items: Iterable<T>, counter: { pulls: number }): AsyncGenerator<T> {
  for (const item of items) {
    counter.pulls++
    yield item
  }
  counter.pulls++
}

export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}
