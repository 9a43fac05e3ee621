// Token sources against a local server: API keys, bearer and basic auth on the wire; OAuth2
// client credentials and refresh tokens fetched once under concurrent requests, refreshed
// after a 401 (once, then one retry) and ahead of expiry; rotated refresh tokens handed back;
// credentials kept out of the logs; the spec's oauth2 block from one declaration.
import t from 'tap'
import type { IncomingMessage } from 'node:http'
import Type from 'typebox'
import { apiKey, basicAuth, bearer, defineOAuth2, HttpClient, oauth2ClientCredentials, oauth2RefreshToken } from '../../lib/http/index.ts'
import { capture } from '../../lib/capture/index.ts'
import type { OAuth2 } from '../../lib/protocol/index.ts'
import { memoryLogger, sendJson, startServer } from './local-server.ts'

async function formOf(request: IncomingMessage): Promise<URLSearchParams> {
  let body = ''
  for await (const chunk of request) body += chunk
  return new URLSearchParams(body)
}

t.test('API key in a header or the query, bearer and basic: on the wire, and never in the logs', async (t) => {
  const seen: { auth?: string | undefined; key?: string | undefined; url?: string | undefined }[] = []
  const server = await startServer((req, res) => {
    seen.push({ auth: req.headers.authorization, key: req.headers['x-api-key'] as string | undefined, url: req.url })
    sendJson(res, 200, {})
  })
  t.teardown(() => server.close())
  const { lines, logger } = memoryLogger()
  const secret = 'sk_live_abcdef123456'
  await new HttpClient({ baseUrl: server.url, auth: apiKey(secret, { header: 'X-Api-Key' }), logger }).json('/a')
  await new HttpClient({ baseUrl: server.url, auth: apiKey(secret, { query: 'api_key' }), logger }).json('/b', { query: { q: 1 } })
  await new HttpClient({ baseUrl: server.url, auth: bearer(secret), logger }).json('/c')
  await new HttpClient({ baseUrl: server.url, auth: basicAuth('user', 'pa55word'), logger }).json('/d')
  t.equal(seen[0]?.key, secret)
  t.equal(seen[1]?.url, `/b?q=1&api_key=${secret}`)
  t.equal(seen[2]?.auth, `Bearer ${secret}`)
  t.equal(seen[3]?.auth, `Basic ${Buffer.from('user:pa55word').toString('base64')}`)
  t.equal(lines.length, 4, 'one debug line per request')
  t.notOk(lines.some((line) => line.includes(secret) || line.includes('pa55word')), 'no credential in the logs')
  t.match(lines[1], /api_key=redacted/)
})

/** An API whose tokens expire, with a token endpoint that counts its calls and answers slowly (so concurrent requests overlap it). */
async function oauthServer(lifeSeconds: number, rotate = false) {
  let issued = 0
  const valid = new Set<string>()
  const grants: URLSearchParams[] = []
  const server = await startServer(async (req, res) => {
    if (req.url === '/token') {
      const form = await formOf(req)
      grants.push(form)
      if (form.get('client_secret') !== 'shh-secret') return sendJson(res, 401, { error: 'invalid_client' })
      const access = `access-${++issued}`
      valid.clear() // the previous token stops working: the API saw a newer one
      valid.add(access)
      await new Promise((resolve) => setTimeout(resolve, 50))
      return sendJson(res, 200, { access_token: access, expires_in: lifeSeconds, ...(rotate ? { refresh_token: `refresh-${issued}` } : {}) })
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? ''
    if (!valid.has(token)) return sendJson(res, 401, { error: 'expired' })
    sendJson(res, 200, { token })
  })
  return { server, grants, invalidate: () => valid.clear() }
}

t.test('client credentials: one token fetch for 20 concurrent requests; after it is revoked, one refresh for 20 concurrent 401s', async (t) => {
  const { server, grants, invalidate } = await oauthServer(3600)
  t.teardown(() => server.close())
  const auth = oauth2ClientCredentials({ tokenUrl: `${server.url}/token`, clientId: 'cid', clientSecret: 'shh-secret', scope: 'read' })
  const client = new HttpClient({ baseUrl: server.url, auth })
  const first = await Promise.all(Array.from({ length: 20 }, () => client.json<{ token: string }>('/data')))
  t.equal(grants.length, 1, 'one token fetch')
  t.same(new Set(first.map((r) => r.token)), new Set(['access-1']))
  t.equal(grants[0]?.get('grant_type'), 'client_credentials')
  t.equal(grants[0]?.get('scope'), 'read')
  invalidate()
  const second = await Promise.all(Array.from({ length: 20 }, () => client.json<{ token: string }>('/data')))
  t.equal(grants.length, 2, 'one refresh for all the 401s')
  t.same(new Set(second.map((r) => r.token)), new Set(['access-2']))
  t.equal(server.requests.filter((r) => r.url === '/data').length, 60, 'each request: one 401, then one retry (20 + 20 + 20)')
})

t.test('a 401 that persists after the refresh fails after exactly one refresh and one retry', async (t) => {
  let tokens = 0
  const server = await startServer((req, res) => {
    if (req.url === '/token') return sendJson(res, 200, { access_token: `t${++tokens}`, expires_in: 3600 })
    sendJson(res, 401, { error: 'no access to this' })
  })
  t.teardown(() => server.close())
  const client = new HttpClient({ baseUrl: server.url, auth: oauth2ClientCredentials({ tokenUrl: `${server.url}/token`, clientId: 'c', clientSecret: 's' }) })
  t.match(await client.json('/forbidden').catch((e: unknown) => e), { status: 401, attempts: 1 })
  t.equal(tokens, 2, 'the first token, then one refresh')
  t.equal(server.requests.filter((r) => r.url === '/forbidden').length, 2)
})

t.test('refresh token: refreshed ahead of expiry, and a rotated refresh token is used and handed back', async (t) => {
  const { server, grants } = await oauthServer(2, true) // 2 s tokens: refreshed 0.2 s ahead
  t.teardown(() => server.close())
  const rotated: string[] = []
  const auth = oauth2RefreshToken({ tokenUrl: `${server.url}/token`, clientId: 'cid', clientSecret: 'shh-secret', refreshToken: 'refresh-0', clientAuth: 'body', onRotate: (token) => rotated.push(token) })
  const { lines, logger } = memoryLogger()
  const client = new HttpClient({ baseUrl: server.url, auth, logger })
  t.same(await client.json('/data'), { token: 'access-1' })
  await new Promise((resolve) => setTimeout(resolve, 1850))
  t.same(await client.json('/data'), { token: 'access-2' }, 'a new token before the old one expired')
  t.equal(server.requests.filter((r) => r.url === '/data').length, 2, 'no 401 on the way')
  t.same(grants.map((g) => g.get('refresh_token')), ['refresh-0', 'refresh-1'], 'the rotated refresh token was used')
  t.same(rotated, ['refresh-1', 'refresh-2'])
  t.notOk(lines.some((line) => /access-\d|refresh-\d|shh-secret/.test(line)), 'no token in the logs')
})

t.test('defineOAuth2: the spec block, the credentials schema and the token source from one declaration', async (t) => {
  const { server, grants } = await oauthServer(3600)
  t.teardown(() => server.close())
  const oauth = defineOAuth2({ provider: 'acme', authorizeUrl: 'https://acme.example/authorize', tokenUrl: `${server.url}/token`, scopes: ['read', 'write'] })
  t.equal(oauth.oauth2.provider, 'acme')
  t.match(oauth.oauth2.authUrlTemplate, /^https:\/\/acme\.example\/authorize\?client_id=\{\{#urlencode\}\}\{\{\{ client_id \}\}\}\{\{\/urlencode\}\}&redirect_uri=.*&scope=read%20write$/)
  t.equal(oauth.oauth2.accessTokenUrlTemplate, `${server.url}/token`)
  t.match(oauth.oauth2.accessTokenBody, /^grant_type=authorization_code&.*code=\{\{#urlencode\}\}\{\{\{ code \}\}\}\{\{\/urlencode\}\}$/)
  t.same(oauth.oauth2.accessTokenResponseJsonMap, { refresh_token: '"/refresh_token"' })
  t.same(Object.keys(oauth.credentials.properties).sort(), ['auth_type', 'client_id', 'client_secret', 'refresh_token'])
  t.equal((oauth.credentials as { 'x-oauth2-provider'?: string })['x-oauth2-provider'], 'acme')
  t.equal((oauth.credentials.properties.refresh_token as { secret?: boolean }).secret, true)
  const block: OAuth2 = oauth.oauth2 // the type of Flow's Spec field
  const connector = capture({
    config: Type.Object({ credentials: oauth.credentials }),
    resource: Type.Object({}),
    documentationUrl: 'https://example.com',
    oauth2: block,
    discover: async () => [],
    open: async function* () {},
  })
  const spec = (await connector.spec(undefined as never)).spec
  t.same(spec?.oauth2, oauth.oauth2, 'the Spec response carries the block')
  t.match(JSON.parse(spec?.configSchemaJson ?? '{}'), { properties: { credentials: { 'x-oauth2-provider': 'acme', properties: { client_secret: { secret: true } } } } })
  const client = new HttpClient({ baseUrl: server.url, auth: oauth.tokenSource({ client_id: 'cid', client_secret: 'shh-secret', refresh_token: 'r0' }) })
  t.same(await client.json('/data'), { token: 'access-1' })
  t.equal(grants[0]?.get('grant_type'), 'refresh_token')
})
