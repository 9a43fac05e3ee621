import { ArgumentError, ProtocolError } from '../errors.ts'
import type { CheckpointEvent, EventBatch } from './events.ts'

/**
 * What the ack window needs to know of the checkpoints written downstream. The serve loop keeps
 * it (`AckQueue` is one): a checkpoint counts from when it is written until Flow acknowledges it.
 */
export interface AckLedger {
  /** Checkpoints written and not yet acknowledged. */
  readonly inFlight: number
  /** Resolves once `inFlight` is below `n` (at once if it already is). */
  below(n: number): Promise<void>
}

/**
 * Options of `ackWindow()`: the most unacknowledged checkpoints, and the ledger that counts them.
 */
export interface AckWindowOptions {
  /** Most checkpoints written and not yet acknowledged before the source is paused; at least 1. */
  readonly maxInFlight: number
  readonly ledger: AckLedger
}

/**
 * Passes batches through unchanged, in order, and pauses the source while too many checkpoints
 * are unacknowledged: before each pull of the source (the first included), while
 * `ledger.inFlight >= maxInFlight` it waits for `ledger.below(maxInFlight)`. A consumer that
 * pulls again has written the batch before, so the checkpoints it held are counted by then.
 * Holds nothing; costs one property read per batch while the window is open. Acknowledgements
 * come only for checkpoints already written, so waiting here cannot hold one back. If
 * `below()` rejects (`AckQueue.close()` when the session ends), the window fails with that
 * error and returns the source.
 */
export function ackWindow(options: AckWindowOptions) {
  const { maxInFlight, ledger } = options
  if (maxInFlight !== Infinity && (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1)) {
    throw new ArgumentError(`maxInFlight must be a positive integer or Infinity, got ${String(maxInFlight)}`)
  }
  return async function* ackWindow(source: AsyncIterable<EventBatch>): AsyncGenerator<EventBatch, void, undefined> {
    while (ledger.inFlight >= maxInFlight) await ledger.below(maxInFlight)
    for await (const batch of source) {
      yield batch
      while (ledger.inFlight >= maxInFlight) await ledger.below(maxInFlight)
    }
  }
}

const NO_ACKS: readonly (() => void)[] = []

/**
 * The checkpoints written and not yet acknowledged, first in first out, as Flow acknowledges
 * them: `acknowledge(n)` acknowledges the n oldest. Holds each written checkpoint's `acks`
 * until it is acknowledged, so it grows only as far as the ack window upstream lets the
 * writer run ahead of Flow's acknowledgements.
 */
export class AckQueue implements AckLedger {
  /** Each written checkpoint's acks, oldest at #head; compacted as the head moves. */
  #queue: (readonly (() => void)[])[] = []
  #head = 0
  #waiters: { readonly n: number; readonly resolve: () => void; readonly reject: (error: Error) => void }[] = []
  #closed: Error | undefined

  get inFlight(): number {
    return this.#queue.length - this.#head
  }

  /** Records that `checkpoint` was written (handed to the output) and awaits acknowledgement. */
  written(checkpoint: CheckpointEvent): void {
    this.#queue.push(checkpoint.acks)
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
  }

  /**
   * Acknowledges the `n` oldest checkpoints in flight, calling each of their acks in order, and
   * wakes the `below()` waiters this satisfies. Throws a ProtocolError, acknowledging nothing,
   * when `n` is more than are in flight.
   */
  acknowledge(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new ProtocolError('PROTOCOL_VIOLATION', `acknowledged checkpoints must be a count, got ${n}`)
    const inFlight = this.inFlight
    if (n > inFlight) {
      throw new ProtocolError(
        'PROTOCOL_VIOLATION', `Flow acknowledged ${n} checkpoint${n === 1 ? '' : 's'} but only ${inFlight} ${inFlight === 1 ? 'was' : 'were'} written and not yet acknowledged`,
      )
    }
    for (let i = 0; i < n; i++) {
      const acks = this.#queue[this.#head] as readonly (() => void)[]
      this.#queue[this.#head++] = NO_ACKS
      for (const ack of acks) ack()
    }
    if (this.#head === this.#queue.length) {
      this.#queue = []
      this.#head = 0
    }
    this.#wake()
  }

  below(n: number): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed)
    if (this.inFlight < n) return Promise.resolve()
    return new Promise<void>((resolve, reject) => this.#waiters.push({ n, resolve, reject }))
  }

  /**
   * Ends the queue, for a session that ends with checkpoints in flight: every pending and later
   * `below()` rejects with `reason`, so that an ack window waiting on it stops waiting.
   */
  close(reason: Error = new ProtocolError('PROTOCOL_VIOLATION', 'the session ended before Flow acknowledged the checkpoints in flight')): void {
    this.#closed ??= reason
    const waiters = this.#waiters
    this.#waiters = []
    for (const waiter of waiters) waiter.reject(this.#closed)
  }

  #wake(): void {
    if (this.#waiters.length === 0) return
    const inFlight = this.inFlight
    const waiting = this.#waiters.filter((waiter) => {
      if (inFlight >= waiter.n) return true
      waiter.resolve()
      return false
    })
    this.#waiters = waiting
  }
}
