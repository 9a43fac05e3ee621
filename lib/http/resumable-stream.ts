import { abortError, sleep } from './abort.ts'
import { backoffDelay, RETRY_DEFAULTS, type RetryOptions } from './backoff.ts'
import type { Logger } from '../io/log.ts'
import { TimeoutError } from './http-error.ts'

/**
 * Options of `resumableItems`: the retry bounds of its restarts, the signal that stops it, and how
 * its logs name the stream.
 */
export interface ResumableOptions {
  readonly retry?: RetryOptions
  readonly signal?: AbortSignal
  readonly logger?: Logger
  /** What the stream is, for logs. */
  readonly describe?: string
}

/** Failures of a body mid-way that another request may not meet: the connection broke, or went quiet. */
function isBrokenBody(error: unknown): boolean {
  if (error instanceof TimeoutError) return true
  const code = (error as { code?: unknown; cause?: { code?: unknown } })?.cause?.code ?? (error as { code?: unknown })?.code
  return typeof code === 'string' && /^(ECONNRESET|EPIPE|ETIMEDOUT|ECONNREFUSED|UND_ERR_SOCKET|UND_ERR_BODY_TIMEOUT|ERR_STREAM_PREMATURE_CLOSE)$/.test(code)
    || (error instanceof TypeError && /terminated|fetch failed/i.test(error.message))
}

/**
 * The items of a streamed response that survives a broken body: when the connection breaks or
 * stalls mid-way, `open` is called again (a new request, with its own retries) and the items
 * already yielded are skipped, so the consumer sees each item once, in order. This holds when
 * the server sends the same items in the same order each time (a fixed page, an export). Such
 * restarts are bounded by the retry options' attempts and total time, with backoff between them.
 */
export async function* resumableItems<T>(open: () => Promise<AsyncIterable<T>>, options: ResumableOptions = {}): AsyncGenerator<T, void, undefined> {
  const retry = options.retry ?? {}
  const attempts = retry.attempts ?? RETRY_DEFAULTS.attempts
  const maxElapsed = retry.maxElapsedMs ?? RETRY_DEFAULTS.maxElapsedMs
  const started = performance.now()
  let yielded = 0
  for (let attempt = 1; ; attempt++) {
    let seen = 0
    try {
      for await (const item of await open()) {
        if (seen++ < yielded) continue
        yielded++
        yield item
      }
      return
    } catch (error) {
      if (options.signal?.aborted) throw abortError(options.signal)
      const delay = backoffDelay(attempt, retry)
      if (!isBrokenBody(error) || attempt >= attempts || performance.now() - started + delay > maxElapsed) throw error
      options.logger?.info('http stream broke; starting it again', { stream: options.describe ?? '', itemsSoFar: yielded, attempt, retryInMs: delay, error: (error as Error).message })
      await sleep(delay, options.signal)
    }
  }
}
