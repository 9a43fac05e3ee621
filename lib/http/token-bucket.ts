import { sleep } from './abort.ts'
import { checkPositive, type RateLimiter, type Release } from './limiter.ts'
import { Turns } from './turns.ts'

/**
 * Options of `tokenBucket()`: the sustained rate (requests per interval) and the burst allowed
 * after a quiet spell.
 */
export interface TokenBucketOptions {
  /** Requests per interval, held over time. */
  readonly requests: number
  /** The interval, e.g. 1000 for N per second, 60_000 for N per minute. */
  readonly intervalMs: number
  /** Requests that may start at once after a quiet spell; default `requests`. */
  readonly burst?: number
}

/**
 * At most `requests` per `intervalMs` over any long stretch, with bursts of up to `burst`: a
 * token bucket, kept as the time the next token is due (the generic cell rate algorithm).
 * Each grant moves that time on by exactly `intervalMs / requests`, so a timer that fires late
 * delays one request but never lowers the rate held. Waiting requests are served in order.
 */
export function tokenBucket(options: TokenBucketOptions): RateLimiter {
  const spacing = checkPositive('intervalMs', options.intervalMs) / checkPositive('requests', options.requests)
  const tolerance = (checkPositive('burst', options.burst ?? options.requests) - 1) * spacing
  /** When the bucket would be full again if nothing more were taken (the theoretical arrival time). */
  let due = -Infinity
  const turns = new Turns()
  const noop: Release = () => {}
  return {
    acquire: (_request, signal) =>
      turns.run(async () => {
        const now = performance.now()
        const next = Math.max(due, now)
        const wait = next - tolerance - now
        if (wait > 0) await sleep(Math.ceil(wait), signal)
        due = next + spacing
        return noop
      }, signal),
  }
}
