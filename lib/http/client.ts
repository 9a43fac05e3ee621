import { Buffer } from 'node:buffer'
import { setMaxListeners } from 'node:events'
import { ArgumentError } from '../errors.ts'
import type { Logger } from '../io/log.ts'
import { textRedactor } from '../io/redact.ts'
import { abortError, linkSignals, sleep } from './abort.ts'
import { retryDelay, type RetryOptions } from './backoff.ts'
import { HttpError, TimeoutError } from './http-error.ts'
import { unlimited, type LimitRequest, type RateLimiter } from './limiter.ts'
import { HttpResponse } from './response.ts'
import { resumableItems } from './resumable-stream.ts'
import { parseRetryAfter, rateLimitPause } from './retry-after.ts'
import type { TokenSource } from './token-source.ts'

/**
 * A query parameter's value: numbers and booleans as their text; undefined and null leave the
 * parameter out.
 */
export type QueryValue = string | number | boolean | undefined | null

/**
 * Options of an `HttpClient`, shared by all its requests: base URL, headers, credentials, rate
 * limiter, retries, timeouts, the capture's signal and logging.
 */
export interface HttpClientOptions {
  /** Relative request paths resolve against it. */
  readonly baseUrl?: string | URL
  /** Headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>
  readonly auth?: TokenSource
  /** Shared by every request of this client (and any other given the same limiter); default none. */
  readonly limiter?: RateLimiter
  /** The key a request is limited (and paused by rate-limit headers) under; default the URL's host. */
  readonly limitKey?: (url: URL, method: string) => string
  readonly retry?: RetryOptions
  /** Per attempt: most time for the response head, and then between two chunks of the body; default 60 s. */
  readonly timeoutMs?: number
  /** The capture's signal: aborting it stops every request and wait of this client at once. */
  readonly signal?: AbortSignal
  /** Requests are logged at debug, retries and long waits at info; credentials never. */
  readonly logger?: Logger
  /** Query parameters whose values are kept out of logs and errors, besides the auth's secrets. */
  readonly secretParams?: readonly string[]
}

/**
 * One request's options: method, query, headers, body (as is, `json` or `form`), its own signal and
 * timeout, and the statuses and retries it accepts.
 */
export interface RequestOptions {
  readonly method?: string
  /** Added to the URL's query; undefined and null values are left out. */
  readonly query?: Readonly<Record<string, QueryValue>>
  readonly headers?: Readonly<Record<string, string>>
  /** A body as is; or use `json` or `form`. */
  readonly body?: string | Uint8Array | URLSearchParams
  readonly json?: unknown
  readonly form?: Readonly<Record<string, string>>
  readonly signal?: AbortSignal
  readonly timeoutMs?: number
  /** Overrides the client's retry options for this request. */
  readonly retry?: RetryOptions
  readonly limitKey?: string
  /** The statuses the caller takes as an answer (others are failures, retried or thrown); default 2xx. */
  readonly accept?: (status: number) => boolean
}

const SECRET_PARAMS = ['api_key', 'apikey', 'key', 'token', 'access_token', 'refresh_token', 'client_secret', 'password', 'secret', 'signature', 'sig']

interface Attempt {
  readonly response?: HttpResponse
  readonly error?: unknown
  readonly used?: unknown
}

/**
 * An HTTP client on Node's fetch for captures of HTTP APIs. Each request: waits out any pause
 * a rate-limit header asked for, takes a permit of the limiter, authorizes, and sends with a
 * timeout and the capture's signal. A failure (connection error, timeout, 408, 429, 5xx, or
 * what `shouldRetry` says) is retried after an exponential backoff with jitter, or after the
 * server's Retry-After when longer, within the attempts and total time allowed; a 401 gets one
 * token refresh and one retry. The response comes back once its head has arrived, to be read
 * in one of HttpResponse's forms.
 */
export class HttpClient {
  readonly options: HttpClientOptions
  readonly #limiter: RateLimiter
  #pausedUntil = new Map<string, number>()
  readonly #secretParams: ReadonlySet<string>
  /** Follows `options.signal` with one listener on it; every request's signal hangs off this one. */
  readonly #signal: AbortSignal | undefined

  constructor(options: HttpClientOptions = {}) {
    this.options = options
    if (options.signal !== undefined) {
      const own = linkSignals(options.signal)
      setMaxListeners(0, own.signal)
      this.#signal = own.signal
    }
    this.#limiter = options.limiter ?? unlimited
    this.#secretParams = new Set([...SECRET_PARAMS, ...(options.secretParams ?? [])].map((name) => name.toLowerCase()))
  }

  /** A client with some options changed, sharing this one's limiter, auth and rate-limit pauses unless replaced. */
  with(options: Partial<HttpClientOptions>): HttpClient {
    const client = new HttpClient({ ...this.options, ...options })
    if (options.limiter === undefined) client.#pausedUntil = this.#pausedUntil
    return client
  }

  /** Sends a request; resolves with the response once its head has arrived with an accepted status, else rejects with an HttpError. */
  async request(path: string | URL, options: RequestOptions = {}): Promise<HttpResponse> {
    const method = (options.method ?? (options.json !== undefined || options.form !== undefined ? 'POST' : 'GET')).toUpperCase()
    const url = this.#url(path, options.query)
    const retry = { ...this.options.retry, ...options.retry }
    const accept = options.accept ?? ((status: number) => status >= 200 && status < 300)
    const key = options.limitKey ?? this.options.limitKey?.(url, method) ?? url.host
    const started = performance.now()
    const outer = linkSignals(this.#signal, options.signal)
    let refreshed = false
    try {
      for (let attempt = 1; ; attempt++) {
        const outcome = await this.#attempt({ key, method, url }, options, attempt, outer.signal)
        const { response } = outcome
        if (response !== undefined && accept(response.status)) return response
        if (response?.status === 401 && !refreshed && this.options.auth?.refresh !== undefined) {
          refreshed = true
          await response.discard()
          if (await this.options.auth.refresh(outcome.used, outer.signal)) {
            attempt-- // the retry after a refresh is not one of the retries
            continue
          }
        }
        await this.#afterFailure({ key, method, url }, outcome, attempt, performance.now() - started, retry, outer.signal)
      }
    } finally {
      outer.dispose()
    }
  }

  /** GETs (or sends) and parses a JSON body. */
  async json<T = unknown>(path: string | URL, options: RequestOptions = {}): Promise<T> {
    return (await this.request(path, { ...options, headers: { accept: 'application/json', ...options.headers } })).json<T>()
  }

  /**
   * The items a `read` of the response gives (e.g. `(r) => r.jsonItems('results.*')`), with the
   * request sent again when its body breaks mid-way and the items already yielded skipped: for
   * bodies the server sends alike each time. See `resumableItems`.
   */
  stream<T>(path: string | URL, read: (response: HttpResponse) => AsyncIterable<T>, options: RequestOptions = {}): AsyncGenerator<T, void, undefined> {
    const retry = { ...this.options.retry, ...options.retry }
    const signal = options.signal ?? this.#signal
    return resumableItems(async () => read(await this.request(path, options)), {
      retry,
      ...(signal ? { signal } : {}),
      ...(this.options.logger ? { logger: this.options.logger } : {}),
      describe: this.redact(this.#url(path, options.query)),
    })
  }

  /** The URL with secret query values and auth secrets redacted: what logs and errors show. */
  redact(url: URL | string): string {
    const copy = new URL(url)
    for (const name of [...copy.searchParams.keys()]) if (this.#secretParams.has(name.toLowerCase())) copy.searchParams.set(name, 'redacted')
    const scrub = textRedactor([...(this.options.auth?.secrets() ?? [])])
    return scrub ? scrub(copy.toString()) : copy.toString()
  }

  /** Waits, or throws the HttpError, after a failed attempt. */
  async #afterFailure(request: LimitRequest, outcome: Attempt, attempt: number, elapsedMs: number, retry: RetryOptions, signal: AbortSignal): Promise<void> {
    const { response, error } = outcome
    const status = response?.status ?? 0
    const ask = response === undefined ? undefined : (parseRetryAfter(response.headers.get('retry-after')) ?? rateLimitPause(response.headers))
    const delay = retryDelay({ attempt, status, ...(response ? { headers: response.headers } : {}), error }, elapsedMs, ask, retry)
    const body = response === undefined ? '' : await excerpt(response)
    const what = `${request.method} ${this.redact(request.url)}`
    if (delay === undefined) {
      const cause = response === undefined ? ((error as Error)?.message ?? String(error)) : `status ${status}${body ? `: ${body.slice(0, 200)}` : ''}`
      throw new HttpError(`${what} failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${cause}`, { status, body, attempts: attempt }, { cause: error })
    }
    const log = delay >= 5000 ? this.options.logger?.info : this.options.logger?.debug
    log?.('http retry', { request: what, status, attempt, retryInMs: delay, ...(response ? {} : { error: (error as Error)?.message }) })
    await sleep(delay, signal)
  }

  /** One attempt: a response with any status, or the error that came instead of one. Throws only when the caller's signal aborts. */
  async #attempt(request: LimitRequest, options: RequestOptions, attempt: number, outer: AbortSignal): Promise<Attempt> {
    await this.#waitOutPause(request.key, outer)
    const release = await this.#limiter.acquire(request, outer)
    const linked = linkSignals(this.#signal, options.signal)
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 60_000
    const done = () => {
      release()
      linked.dispose()
    }
    const target = { headers: new Headers({ ...this.options.headers, ...options.headers }), url: new URL(request.url) }
    const started = performance.now()
    const timer = setTimeout(() => linked.controller.abort(new TimeoutError(`no response to ${request.method} ${this.redact(request.url)} within ${timeoutMs} ms`)), timeoutMs)
    let used: unknown
    try {
      used = await this.options.auth?.authorize(target, linked.signal)
      const init: RequestInit = { method: request.method, headers: target.headers, signal: linked.signal, ...bodyOf(options, target.headers) }
      const fetched = await fetch(target.url, init)
      clearTimeout(timer)
      const describe = `${request.method} ${this.redact(target.url)}`
      const response = new HttpResponse({ response: fetched, idleTimeoutMs: timeoutMs, abort: (reason) => linked.controller.abort(reason), done, describe })
      this.#observe(request, response)
      this.options.logger?.debug('http request', { request: describe, status: response.status, attempt, ms: Math.round(performance.now() - started) })
      return { response, used }
    } catch (error) {
      clearTimeout(timer)
      done()
      if (outer.aborted) throw abortError(outer)
      const reason: unknown = linked.signal.aborted ? linked.signal.reason : error
      this.options.logger?.debug('http request', { request: `${request.method} ${this.redact(target.url)}`, error: (reason as Error)?.message, attempt })
      return { error: reason, used }
    }
  }

  #observe(request: LimitRequest, response: HttpResponse): void {
    const retryAfter = response.status === 429 || response.status === 503 ? parseRetryAfter(response.headers.get('retry-after')) : undefined
    const pauseMs = retryAfter ?? rateLimitPause(response.headers)
    if (pauseMs !== undefined && pauseMs > 0) {
      const until = performance.now() + pauseMs
      if (until > (this.#pausedUntil.get(request.key) ?? 0)) this.#pausedUntil.set(request.key, until)
    }
    this.#limiter.observe?.(request, { status: response.status, ...(pauseMs === undefined ? {} : { pauseMs }) })
  }

  /** Waits while a rate-limit header of an earlier response pauses this key. */
  async #waitOutPause(key: string, signal: AbortSignal | undefined): Promise<void> {
    const until = this.#pausedUntil.get(key)
    if (until === undefined) return
    const wait = until - performance.now()
    if (wait <= 0) {
      this.#pausedUntil.delete(key)
      return
    }
    if (wait >= 5000) this.options.logger?.info('http rate limit: pausing requests', { key, ms: Math.round(wait) })
    await sleep(Math.ceil(wait), signal)
  }

  #url(path: string | URL, query: RequestOptions['query']): URL {
    let url: URL
    try {
      url = new URL(path, this.options.baseUrl)
    } catch (error) {
      throw new ArgumentError(`not a URL, nor a path with a baseUrl: ${String(path)}`, { cause: error })
    }
    for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined && value !== null) url.searchParams.set(name, String(value))
    return url
  }
}

function bodyOf(options: RequestOptions, headers: Headers): { body?: string | Uint8Array | URLSearchParams } {
  if (options.json !== undefined) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
    return { body: JSON.stringify(options.json) }
  }
  if (options.form !== undefined) return { body: new URLSearchParams(options.form as Record<string, string>) }
  return options.body === undefined ? {} : { body: options.body }
}

/** Up to 1 KiB of a failed response's body, for its error; the rest is dropped. */
async function excerpt(response: HttpResponse): Promise<string> {
  const parts: Uint8Array[] = []
  let length = 0
  try {
    for await (const chunk of response.chunks({ gunzip: false })) {
      parts.push(chunk)
      length += chunk.length
      if (length >= 1024) break
    }
  } catch {
    // what came is enough
  }
  return Buffer.concat(parts).subarray(0, 1024).toString('utf8')
}
