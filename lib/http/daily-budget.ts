import { sleep } from './abort.ts'
import { checkPositive, type RateLimiter, type Release } from './limiter.ts'
import { Turns } from './turns.ts'

/**
 * Options of `dailyBudget()`: requests per window, the window, and what is called when the budget
 * runs out.
 */
export interface DailyBudgetOptions {
  /** Requests allowed per window. */
  readonly requests: number
  /** The window; default one day, aligned to UTC midnight. */
  readonly windowMs?: number
  /** The clock (epoch ms); for tests. */
  readonly now?: () => number
  /** Called once each time the budget runs out, with when it renews (epoch ms): a connector logs it. */
  readonly onExhausted?: (renewsAt: number) => void
}

/**
 * At most `requests` per window (a day by default, from UTC midnight): once spent, requests
 * wait for the next window. Windows are aligned to the epoch, so a restart within a window
 * starts a fresh count; give the budget a margin for that.
 */
export function dailyBudget(options: DailyBudgetOptions): RateLimiter {
  const budget = checkPositive('requests', options.requests)
  const windowMs = checkPositive('windowMs', options.windowMs ?? 86_400_000)
  const now = options.now ?? Date.now
  let windowStart = Math.floor(now() / windowMs) * windowMs
  let spent = 0
  const turns = new Turns()
  const noop: Release = () => {}
  return {
    acquire: (_request, signal) =>
      turns.run(async () => {
        for (;;) {
          const start = Math.floor(now() / windowMs) * windowMs
          if (start !== windowStart) {
            windowStart = start
            spent = 0
          }
          if (spent < budget) break
          options.onExhausted?.(windowStart + windowMs)
          await sleep(windowStart + windowMs - now() + 1, signal)
        }
        spent++
        return noop
      }, signal),
  }
}
