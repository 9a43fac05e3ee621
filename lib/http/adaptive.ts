import { sleep } from './abort.ts'
import { checkPositive, type RateLimiter, type Release } from './limiter.ts'
import { Turns } from './turns.ts'

/**
 * Bounds of `adaptive()`: the spacing a first 429 sets, the largest it grows to, and how fast it
 * decays without one.
 */
export interface AdaptiveOptions {
  /** The spacing set by a first 429; default 1 s. */
  readonly minDelayMs?: number
  /** The spacing never grows beyond it; default 5 minutes. */
  readonly maxDelayMs?: number
  /** Without a 429, the spacing halves every `halfLifeMs`; default 30 s. */
  readonly halfLifeMs?: number
}

/**
 * No limit until the server answers 429; then requests are spaced, the spacing doubling with
 * each further 429 (or set to the server's ask, if longer) up to `maxDelayMs`, and decaying by
 * half every `halfLifeMs` without one. The decay runs on the clock, not on requests, so a
 * spacing cannot stay stuck at its cap: from 5 minutes it is back under 10 ms within ~15 half-lives.
 */
export function adaptive(options: AdaptiveOptions = {}): RateLimiter {
  const minDelay = checkPositive('minDelayMs', options.minDelayMs ?? 1000)
  const maxDelay = checkPositive('maxDelayMs', options.maxDelayMs ?? 300_000)
  const halfLife = checkPositive('halfLifeMs', options.halfLifeMs ?? 30_000)
  let delay = 0
  let setAt = 0
  let lastStart = -Infinity
  const current = () => {
    if (delay === 0) return 0
    const decayed = delay * 0.5 ** ((performance.now() - setAt) / halfLife)
    return decayed < 10 ? 0 : decayed
  }
  const turns = new Turns()
  const noop: Release = () => {}
  return {
    acquire: (_request, signal) =>
      turns.run(async () => {
        const wait = lastStart + current() - performance.now()
        if (wait > 0) await sleep(Math.ceil(wait), signal)
        lastStart = performance.now()
        return noop
      }, signal),
    observe(_request, outcome) {
      if (outcome.status !== 429) return
      delay = Math.min(maxDelay, Math.max(minDelay, current() * 2, outcome.pauseMs ?? 0))
      setAt = performance.now()
    },
  }
}
