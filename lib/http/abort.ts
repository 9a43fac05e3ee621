/**
 * Waiting that an AbortSignal can cut short, and one signal tied to several: what every wait
 * of the HTTP client (backoff, rate limits, timeouts) is built on.
 */
import { ConnectorError } from '../errors.ts'

/** The error an aborted wait rejects with: the signal's reason when it is an Error. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  return reason instanceof Error ? reason : new ConnectorError('the operation was aborted')
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts; the timer never keeps the process alive past an abort. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal))
  if (ms <= 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(abortError(signal as AbortSignal))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** `promise`, or a rejection as soon as `signal` aborts (the promise itself goes on). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  if (signal.aborted) return Promise.reject(abortError(signal))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/** A controller aborted when any of `parents` aborts; `dispose` unhooks it from them (call it when done). */
export interface LinkedAbort {
  readonly controller: AbortController
  readonly signal: AbortSignal
  dispose(): void
}

/** Ties a new controller to `parents`; unlike AbortSignal.any, it leaves no listener behind on a long-lived parent once disposed. */
export function linkSignals(...parents: (AbortSignal | undefined)[]): LinkedAbort {
  const controller = new AbortController()
  const hooked: AbortSignal[] = []
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason)
  for (const parent of parents) {
    if (parent === undefined) continue
    if (parent.aborted) {
      controller.abort(parent.reason)
      break
    }
    parent.addEventListener('abort', onAbort, { once: true })
    hooked.push(parent)
  }
  return {
    controller,
    signal: controller.signal,
    dispose: () => {
      for (const parent of hooked) parent.removeEventListener('abort', onAbort)
    },
  }
}
