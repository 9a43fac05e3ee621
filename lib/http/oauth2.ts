/**
 * OAuth2 token sources: a refresh token exchanged for access tokens, and client credentials.
 * An access token is fetched on first use, refreshed ahead of its expiry and after a 401, one
 * fetch at a time: requests that need a token while one is being fetched wait for that fetch.
 */
import { Buffer } from 'node:buffer'
import { ConnectorError } from '../errors.ts'
import { abortable } from './abort.ts'
import { HttpClient } from './client.ts'
import type { TokenSource } from './token-source.ts'

/**
 * Options of the OAuth2 token sources: the token endpoint, client credentials, scope, extra fields,
 * and how early a token is refreshed.
 */
export interface OAuth2Options {
  /** The token endpoint. */
  readonly tokenUrl: string
  readonly clientId: string
  readonly clientSecret: string
  readonly scope?: string
  /** How the client authenticates to the token endpoint: form fields (default) or basic auth. */
  readonly clientAuth?: 'body' | 'basic'
  /** More form fields for the token request (e.g. `audience`). */
  readonly params?: Readonly<Record<string, string>>
  /** A token is refreshed this long before it expires; default 60 s (or a tenth of its life, if shorter). */
  readonly refreshAheadMs?: number
  /** The life of a token whose response gives no `expires_in`; default 1 hour. */
  readonly defaultLifeMs?: number
  /** The client that sends token requests (its retries apply); default one of its own with default retries. */
  readonly client?: HttpClient
}

/**
 * Options of `oauth2RefreshToken`: the refresh token, and what is called when the provider rotates
 * it.
 */
export interface RefreshTokenOptions extends OAuth2Options {
  readonly refreshToken: string
  /** Called when the token endpoint hands back a new refresh token (the old one may stop working): persist it. */
  readonly onRotate?: (refreshToken: string) => void
}

interface Token {
  readonly access: string
  /** performance.now() after which it is refreshed before use. */
  readonly refreshAt: number
}

/** Access tokens from a refresh token (`grant_type=refresh_token`). */
export function oauth2RefreshToken(options: RefreshTokenOptions): TokenSource {
  let refreshToken = options.refreshToken
  const cache = new TokenCache(options, () => ({ grant_type: 'refresh_token', refresh_token: refreshToken }), (body) => {
    if (typeof body.refresh_token === 'string' && body.refresh_token !== refreshToken) {
      refreshToken = body.refresh_token
      options.onRotate?.(refreshToken)
    }
  })
  return cache.source(() => [refreshToken, options.clientSecret])
}

/** Access tokens for the client itself (`grant_type=client_credentials`). */
export function oauth2ClientCredentials(options: OAuth2Options): TokenSource {
  return new TokenCache(options, () => ({ grant_type: 'client_credentials' }), () => {}).source(() => [options.clientSecret])
}

class TokenCache {
  readonly #options: OAuth2Options
  readonly #grant: () => Record<string, string>
  readonly #onBody: (body: Record<string, unknown>) => void
  readonly #client: HttpClient
  #token: Token | undefined
  #fetching: Promise<Token> | undefined

  constructor(options: OAuth2Options, grant: () => Record<string, string>, onBody: (body: Record<string, unknown>) => void) {
    this.#options = options
    this.#grant = grant
    this.#onBody = onBody
    this.#client = options.client ?? new HttpClient()
  }

  source(secrets: () => readonly string[]): TokenSource {
    return {
      authorize: async (target, signal) => {
        const token = await this.#current(signal)
        target.headers.set('authorization', `Bearer ${token.access}`)
        return token.access
      },
      refresh: async (used, signal) => {
        if (this.#token !== undefined && this.#token.access !== used) return true // another request refreshed it
        await abortable(this.#fetch(), signal)
        return true
      },
      secrets: () => [...secrets(), ...(this.#token ? [this.#token.access] : [])],
    }
  }

  async #current(signal: AbortSignal | undefined): Promise<Token> {
    const token = this.#token
    if (token !== undefined && performance.now() < token.refreshAt) return token
    return abortable(this.#fetch(), signal)
  }

  /** The one token fetch in flight, started if none is: not tied to any one request's signal. */
  #fetch(): Promise<Token> {
    this.#fetching ??= this.#request().finally(() => (this.#fetching = undefined))
    return this.#fetching
  }

  async #request(): Promise<Token> {
    const options = this.#options
    const form: Record<string, string> = { ...this.#grant(), ...options.params }
    if (options.scope !== undefined) form.scope = options.scope
    const headers: Record<string, string> = { accept: 'application/json' }
    if (options.clientAuth === 'basic') headers.authorization = 'Basic ' + Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')
    else Object.assign(form, { client_id: options.clientId, client_secret: options.clientSecret })
    const started = performance.now()
    const body = await this.#client.json<Record<string, unknown>>(options.tokenUrl, { method: 'POST', form, headers })
    if (typeof body.access_token !== 'string' || body.access_token === '') throw new ConnectorError(`the token endpoint ${options.tokenUrl} answered without an access_token`)
    this.#onBody(body)
    const life = typeof body.expires_in === 'number' || typeof body.expires_in === 'string' ? Number(body.expires_in) * 1000 : (options.defaultLifeMs ?? 3_600_000)
    const ahead = Math.min(options.refreshAheadMs ?? 60_000, life / 10)
    this.#token = { access: body.access_token, refreshAt: started + life - ahead }
    return this.#token
  }
}
