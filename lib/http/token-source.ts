/**
 * Token sources put credentials on requests: an API key in a header or the query, a bearer
 * token, basic auth; OAuth2 sources are in oauth2.ts. The client asks one to `authorize` each
 * attempt, and after a 401 to `refresh` once before it retries once.
 */
import { Buffer } from 'node:buffer'

/** The request being sent: its headers and URL may be changed. */
export interface AuthTarget {
  readonly headers: Headers
  readonly url: URL
}

/**
 * Credentials the client puts on each request; refreshed at most once per 401, its secrets kept out
 * of logs and errors.
 */
export interface TokenSource {
  /** Puts credentials on the request. Returns which credentials it used (a token), so that `refresh` can tell a stale one. */
  authorize(target: AuthTarget, signal?: AbortSignal): Promise<unknown>
  /**
   * After a 401 to a request authorized with `used`: gets new credentials unless another
   * request already did (then resolves at once). Resolves false when this source has nothing
   * to refresh: the 401 stands.
   */
  refresh?(used: unknown, signal?: AbortSignal): Promise<boolean>
  /** The secret texts it puts on requests, which the client keeps out of logs and errors. */
  secrets(): readonly string[]
}

/** Where `apiKey()` sends the key: a header (with an optional prefix) or a query parameter. */
export interface ApiKeyOptions {
  /** The header to send the key in, e.g. `X-Api-Key`; default `Authorization` when `query` is not given. */
  readonly header?: string
  /** Send the key as this query parameter instead, e.g. `api_key`. */
  readonly query?: string
  /** Text before the key in the header, e.g. `Token ` or `Bearer `; default none. */
  readonly prefix?: string
}

/** An API key, in a header (`X-Api-Key: <key>`) or a query parameter (`?api_key=<key>`). */
export function apiKey(key: string, options: ApiKeyOptions = {}): TokenSource {
  return {
    async authorize(target) {
      if (options.query !== undefined) target.url.searchParams.set(options.query, key)
      else target.headers.set(options.header ?? 'authorization', (options.prefix ?? '') + key)
      return key
    },
    refresh: async () => false,
    secrets: () => [key],
  }
}

/** `Authorization: Bearer <token>` with a fixed token. */
export function bearer(token: string): TokenSource {
  return apiKey(token, { header: 'authorization', prefix: 'Bearer ' })
}

/** `Authorization: Basic …` from a user name and password. */
export function basicAuth(username: string, password: string): TokenSource {
  const encoded = Buffer.from(`${username}:${password}`, 'utf8').toString('base64')
  return { ...apiKey(encoded, { header: 'authorization', prefix: 'Basic ' }), secrets: () => [encoded, password] }
}
