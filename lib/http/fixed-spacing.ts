import { sleep } from './abort.ts'
import { checkPositive, type RateLimiter, type Release } from './limiter.ts'
import { Turns } from './turns.ts'

/**
 * Starts requests at least `spacingMs` apart (1 per minute: `fixedSpacing(60_000)`), in the
 * order they asked. The first request starts at once.
 */
export function fixedSpacing(spacingMs: number): RateLimiter {
  checkPositive('spacingMs', spacingMs)
  let next = 0
  const turns = new Turns()
  const noop: Release = () => {}
  return {
    acquire: (_request, signal) =>
      turns.run(async () => {
        const wait = next - performance.now()
        if (wait > 0) await sleep(Math.ceil(wait), signal)
        next = performance.now() + spacingMs
        return noop
      }, signal),
  }
}
