/**
 * What a response says about when to try again: `Retry-After` (delta seconds or an HTTP date)
 * and the common rate-limit headers (`X-RateLimit-Remaining`/`-Reset`, the IETF draft's
 * `RateLimit-Remaining`/`-Reset`, `RateLimit` with `r=` and `t=`).
 */

/** Milliseconds to wait from `now` that a Retry-After value asks for; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined
  const text = value.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000)
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/**
 * Milliseconds until the server's rate-limit window resets when the response says none are
 * left in it (remaining 0); undefined otherwise. A reset above 10^9 is read as epoch seconds,
 * else as seconds from now.
 */
export function rateLimitPause(headers: Headers, now = Date.now()): number | undefined {
  const structured = headers.get('ratelimit')
  if (structured !== null) {
    const remaining = /(?:^|[;,\s])r=(\d+)/.exec(structured)?.[1]
    const reset = /(?:^|[;,\s])t=(\d+)/.exec(structured)?.[1]
    if (remaining === '0' && reset !== undefined) return resetDelay(reset, now)
  }
  for (const prefix of ['x-ratelimit-', 'ratelimit-', 'x-rate-limit-']) {
    const remaining = headers.get(prefix + 'remaining')
    if (remaining === null || Number(remaining) > 0) continue
    const reset = headers.get(prefix + 'reset')
    if (reset !== null) return resetDelay(reset, now)
  }
  return undefined
}

function resetDelay(value: string, now: number): number | undefined {
  const n = Number(value.trim())
  if (!Number.isFinite(n) || n < 0) return undefined
  return n > 1e9 ? Math.max(0, Math.round(n * 1000 - now)) : Math.round(n * 1000)
}
