/**
 * Rate limiters: what a request waits for before it starts. A limiter is shared by every
 * client and request given the same instance (one per connector, say), or scoped per key with
 * `perKey` (one per account, per host). Limiters compose with `allOf`.
 */
import { ArgumentError } from '../errors.ts'

/** The request a permit is asked for. */
export interface LimitRequest {
  /** The scope of the limit (by default the URL's host); see `perKey`. */
  readonly key: string
  readonly method: string
  readonly url: URL
}

/** Called when the request that got the permit is done (its body read or dropped); only `serial` waits for it. */
export type Release = () => void

/** What a response told about the rate limit. */
export interface LimitOutcome {
  readonly status: number
  /** The wait the server asked for (Retry-After or a rate-limit reset), if any. */
  readonly pauseMs?: number
}

/**
 * Decides when a request may start: the client acquires a permit before each attempt and releases
 * it when the attempt ends.
 */
export interface RateLimiter {
  /** Resolves when the request may start; rejects as soon as `signal` aborts. Permits are granted in the order asked. */
  acquire(request: LimitRequest, signal?: AbortSignal): Promise<Release>
  /** Learns from a response (the adaptive limiter slows down on 429). */
  observe?(request: LimitRequest, outcome: LimitOutcome): void
}

const noop: Release = () => {}

/** No limit. */
export const unlimited: RateLimiter = { acquire: async () => noop }

/** Every limiter's permit: a request starts once each has granted it, in the order given. */
export function allOf(...limiters: RateLimiter[]): RateLimiter {
  return {
    async acquire(request, signal) {
      const releases: Release[] = []
      try {
        for (const limiter of limiters) releases.push(await limiter.acquire(request, signal))
      } catch (error) {
        for (const release of releases) release()
        throw error
      }
      return () => releases.forEach((release) => release())
    },
    observe(request, outcome) {
      for (const limiter of limiters) limiter.observe?.(request, outcome)
    },
  }
}

/** A limiter of its own for each request key, made by `create` on first use (e.g. 10/s per account). */
export function perKey(create: (key: string) => RateLimiter): RateLimiter {
  const limiters = new Map<string, RateLimiter>()
  const of = (key: string) => {
    let limiter = limiters.get(key)
    if (limiter === undefined) limiters.set(key, (limiter = create(key)))
    return limiter
  }
  return {
    acquire: (request, signal) => of(request.key).acquire(request, signal),
    observe: (request, outcome) => of(request.key).observe?.(request, outcome),
  }
}

export function checkPositive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new ArgumentError(`${name} must be a positive number, got ${String(value)}`)
  return value
}
