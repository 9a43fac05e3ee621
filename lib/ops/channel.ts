import { ArgumentError, ProtocolError } from '../errors.ts'

/**
 * A bounded hand-over from a producer that pushes batches to a consumer that iterates them:
 * how a serve loop gives an author the requests of one phase (a materialization's Loads or
 * Stores, a derivation's Reads) as an async iterable while it goes on reading stdin.
 *
 * `push` resolves at once while fewer than `maxBatches` batches wait, and otherwise once the
 * consumer takes one: a consumer that does not keep up slows the reader of stdin, and so Flow.
 * `end` lets the iteration finish after the batches pushed; `fail` ends it with an error.
 * Iterated once. A consumer that stops early (break, return, throw) makes every later `push`
 * resolve at once, its batch dropped: nobody will read it.
 */
export class Channel<T> implements AsyncIterable<readonly T[]> {
  readonly #maxBatches: number
  readonly #queue: (readonly T[])[] = []
  #ended = false
  #error: unknown
  #abandoned = false
  #iterated = false
  /** The consumer, waiting for a batch or the end. */
  #wake: (() => void) | undefined
  /** Producers, waiting for room. */
  #room: (() => void)[] = []

  constructor(maxBatches = 4) {
    if (!Number.isSafeInteger(maxBatches) || maxBatches < 1) throw new ArgumentError(`maxBatches must be a positive integer, got ${String(maxBatches)}`)
    this.#maxBatches = maxBatches
  }

  /** Hands over a batch; resolves when there is room for another. */
  async push(batch: readonly T[]): Promise<void> {
    if (this.#ended) throw new ProtocolError('PROTOCOL_ORDER', 'a batch was pushed after the channel ended')
    if (this.#abandoned || batch.length === 0) return
    this.#queue.push(batch)
    this.#signal()
    while (this.#queue.length >= this.#maxBatches && !this.#abandoned) await new Promise<void>((resolve) => this.#room.push(resolve))
  }

  /** No more batches: the iteration ends after those pushed. */
  end(): void {
    this.#ended = true
    this.#signal()
  }

  /** Ends the iteration with `error`, after the batches pushed. */
  fail(error: unknown): void {
    this.#error = error
    this.end()
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<readonly T[], void, undefined> {
    if (this.#iterated) throw new ProtocolError('PROTOCOL_ORDER', 'a channel is iterated once')
    this.#iterated = true
    try {
      for (;;) {
        const batch = this.#queue.shift()
        if (batch !== undefined) {
          this.#release()
          yield batch
          continue
        }
        if (this.#ended) {
          if (this.#error !== undefined) throw this.#error
          return
        }
        await new Promise<void>((resolve) => (this.#wake = resolve))
      }
    } finally {
      if (!this.#ended || this.#queue.length > 0) this.#abandon()
    }
  }

  #signal(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  #release(): void {
    const waiting = this.#room
    this.#room = []
    for (const resolve of waiting) resolve()
  }

  #abandon(): void {
    this.#abandoned = true
    this.#queue.length = 0
    this.#release()
  }
}
