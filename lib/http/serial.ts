import { abortable } from './abort.ts'
import { checkPositive, type RateLimiter, type Release } from './limiter.ts'

/**
 * At most `concurrency` requests in flight (1: one at a time), a request counting until its
 * response body has been read or dropped. Waiting requests are served in order.
 */
export function serial(concurrency = 1): RateLimiter {
  checkPositive('concurrency', concurrency)
  let active = 0
  const waiting: (() => void)[] = []
  const release = () => {
    const next = waiting.shift()
    if (next) next()
    else active--
  }
  const once = (): Release => {
    let released = false
    return () => {
      if (!released) {
        released = true
        release()
      }
    }
  }
  return {
    async acquire(_request, signal) {
      if (active < concurrency) {
        active++
        return once()
      }
      let granted!: () => void
      const turn = new Promise<void>((resolve) => (granted = resolve))
      waiting.push(granted)
      try {
        await abortable(turn, signal)
      } catch (error) {
        const at = waiting.indexOf(granted)
        if (at >= 0) waiting.splice(at, 1)
        else release() // granted at the moment it was aborted: hand the slot on
        throw error
      }
      return once()
    },
  }
}
