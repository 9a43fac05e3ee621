import { abortError } from '../http/abort.ts'

/**
 * A bound on how many fetches of a session run at once: `take` resolves when one of `size`
 * slots is free (in the order asked), or rejects when the signal aborts first; the slot is
 * given back by calling what `take` resolved with (more calls do nothing).
 */
export class Slots {
  #free: number
  readonly #waiting: (() => void)[] = []

  constructor(size: number) {
    this.#free = Math.max(1, Math.floor(size))
  }

  async take(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) throw abortError(signal)
    if (this.#free > 0) this.#free--
    else {
      await new Promise<void>((resolve, reject) => {
        const granted = () => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        }
        const onAbort = () => {
          this.#waiting.splice(this.#waiting.indexOf(granted), 1)
          reject(abortError(signal))
        }
        this.#waiting.push(granted)
        signal.addEventListener('abort', onAbort, { once: true })
      })
    }
    let given = false
    return () => {
      if (given) return
      given = true
      const next = this.#waiting.shift()
      if (next) next()
      else this.#free++
    }
  }
}
