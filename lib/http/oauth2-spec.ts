/**
 * The OAuth2 of a connector from one declaration: the `oauth2` block of its Spec response
 * (which Flow's UI uses to run the authorization-code flow), the JSON schema of the
 * `credentials` member of its config that Flow fills in, and the token source that uses them.
 */
import Type, { type Static } from 'typebox'
import { oauth2RefreshToken, type OAuth2Options } from './oauth2.ts'
import type { TokenSource } from './token-source.ts'

/** The `oauth2` block of a Spec response, in Flow's JSON mapping (maps hold JSON texts). */
export interface OAuth2Spec {
  provider?: string | null
  authUrlTemplate?: string | null
  accessTokenUrlTemplate?: string | null
  accessTokenBody?: string | null
  accessTokenHeadersJsonMap?: { [k: string]: string } | null
  accessTokenResponseJsonMap?: { [k: string]: string } | null
  refreshTokenUrlTemplate?: string | null
  refreshTokenBody?: string | null
  refreshTokenHeadersJsonMap?: { [k: string]: string } | null
  refreshTokenResponseJsonMap?: { [k: string]: string } | null
  accessTokenMethod?: string | null
  refreshTokenMethod?: string | null
}

/**
 * A provider's OAuth2 flow, declared once for `defineOAuth2`: its authorization and token
 * endpoints, scopes and how the client authenticates.
 */
export interface OAuth2Declaration {
  /** The provider's name, shown by Flow's UI (e.g. `hubspot`). */
  readonly provider: string
  /** The provider's authorization page. */
  readonly authorizeUrl: string
  /** The provider's token endpoint. */
  readonly tokenUrl: string
  readonly scopes?: readonly string[]
  /** More query parameters of the authorization page (e.g. `access_type: offline`). */
  readonly authorizeParams?: Readonly<Record<string, string>>
  /** How the client authenticates to the token endpoint; default form fields. */
  readonly clientAuth?: 'body' | 'basic'
}

/** The config's `credentials` as Flow fills them in after the user authorizes. */
export const OAuth2Credentials = Type.Object({
  auth_type: Type.Optional(Type.Literal('OAuth')),
  client_id: Type.String({ secret: true, description: 'Filled in by Flow.' }),
  client_secret: Type.String({ secret: true, description: 'Filled in by Flow.' }),
  refresh_token: Type.String({ secret: true, description: 'Filled in by Flow when you authorize.' }),
})
export type OAuth2Credentials = Static<typeof OAuth2Credentials>

const urlencode = (name: string) => `{{#urlencode}}{{{ ${name} }}}{{/urlencode}}`

/**
 * From one declaration: `oauth2` for `capture({ oauth2 })`, `credentials` for the config
 * schema (`Type.Object({ credentials, ... })`), and `tokenSource(credentials)` for the client.
 */
export function defineOAuth2(declaration: OAuth2Declaration) {
  const scope = (declaration.scopes ?? []).join(' ')
  const query = [`client_id=${urlencode('client_id')}`, `redirect_uri=${urlencode('redirect_uri')}`, 'response_type=code', `state=${urlencode('state')}`]
  if (scope !== '') query.push(`scope=${encodeURIComponent(scope)}`)
  for (const [name, value] of Object.entries(declaration.authorizeParams ?? {})) query.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
  const form = { 'content-type': JSON.stringify('application/x-www-form-urlencoded') }
  const oauth2: OAuth2Spec = {
    provider: declaration.provider,
    authUrlTemplate: `${declaration.authorizeUrl}?${query.join('&')}`,
    accessTokenUrlTemplate: declaration.tokenUrl,
    accessTokenMethod: 'POST',
    accessTokenBody: `grant_type=authorization_code&client_id=${urlencode('client_id')}&client_secret=${urlencode('client_secret')}&redirect_uri=${urlencode('redirect_uri')}&code=${urlencode('code')}`,
    accessTokenHeadersJsonMap: form,
    accessTokenResponseJsonMap: { refresh_token: JSON.stringify('/refresh_token') },
  }
  const credentials = Type.Object(OAuth2Credentials.properties, { title: 'Authentication', 'x-oauth2-provider': declaration.provider })
  return {
    oauth2,
    credentials,
    tokenSource(given: OAuth2Credentials, options: Partial<OAuth2Options> & { readonly onRotate?: (refreshToken: string) => void } = {}): TokenSource {
      return oauth2RefreshToken({
        tokenUrl: declaration.tokenUrl,
        clientId: given.client_id,
        clientSecret: given.client_secret,
        refreshToken: given.refresh_token,
        ...(declaration.clientAuth ? { clientAuth: declaration.clientAuth } : {}),
        ...options,
      })
    },
  }
}
