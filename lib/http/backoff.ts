/** How a client retries: which failures, how often, how long in all. */
export interface RetryOptions {
  /** Most attempts per request, the first included; default 6. */
  readonly attempts?: number
  /** No attempt starts once this much time has passed since the first; default 5 minutes. */
  readonly maxElapsedMs?: number
  /** Backoff before the second attempt; it doubles each time; default 500 ms. */
  readonly baseDelayMs?: number
  /** Largest backoff between two attempts (a server's Retry-After is honoured beyond it, up to `maxElapsedMs`); default 60 s. */
  readonly maxDelayMs?: number
  /**
   * The author's say, consulted first: true retries, false fails at once, undefined leaves it
   * to the defaults (connection errors, timeouts, 408, 429 and 5xx are retried).
   */
  readonly shouldRetry?: (failure: RetryFailure) => boolean | undefined
}

/** One failed attempt: a response with a status the request does not accept, or an error without a response. */
export interface RetryFailure {
  readonly attempt: number
  readonly status: number
  readonly headers?: Headers
  readonly error?: unknown
}

/**
 * The retry options a request gets when it leaves them out: 6 attempts within 5 minutes, backoff
 * from 500 ms up to 60 s.
 */
export const RETRY_DEFAULTS = { attempts: 6, maxElapsedMs: 5 * 60_000, baseDelayMs: 500, maxDelayMs: 60_000 } as const

/** Statuses retried unless `shouldRetry` says otherwise. */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500
}

/**
 * Exponential backoff with jitter before attempt `attempt + 1`: a random delay between half
 * and all of `base * 2^(attempt-1)`, capped at `maxDelayMs`. Half is kept so that retries of
 * many requests spread out without any of them hammering the server at once.
 */
export function backoffDelay(attempt: number, options: RetryOptions, random: () => number = Math.random): number {
  const base = options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs
  const cap = options.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs
  const full = Math.min(cap, base * 2 ** Math.max(0, attempt - 1))
  return Math.round(full / 2 + (random() * full) / 2)
}

/**
 * How long to wait before retrying a failure, or undefined to give up: when the failure is not
 * retryable, attempts are used up, or the wait (the server's ask if larger than the backoff)
 * would pass `maxElapsedMs`.
 */
export function retryDelay(failure: RetryFailure, elapsedMs: number, serverAskMs: number | undefined, options: RetryOptions): number | undefined {
  const verdict = options.shouldRetry?.(failure)
  if (verdict === false || (verdict === undefined && !isRetryableStatus(failure.status))) return undefined
  if (failure.attempt >= (options.attempts ?? RETRY_DEFAULTS.attempts)) return undefined
  const delay = Math.max(backoffDelay(failure.attempt, options), serverAskMs ?? 0)
  if (elapsedMs + delay > (options.maxElapsedMs ?? RETRY_DEFAULTS.maxElapsedMs)) return undefined
  return delay
}
