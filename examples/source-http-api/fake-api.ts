// A small fake HTTP API for the source-http-api example and its tests, on node:http, needing no
// network: an OAuth2 token endpoint (client credentials), customers in pages, orders per
// account changed since a date-time, plans as CSV; it answers 429 with Retry-After and a 500
// now and then, as real APIs do.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeApiOptions {
  /** Every `failEvery`-th data request answers 500; default 5 (0: never). */
  readonly failEvery?: number
  /** Every `limitEvery`-th data request answers 429 with `Retry-After: 1`; default 7 (0: never). */
  readonly limitEvery?: number
  /** Life of an access token, in seconds; default 30. */
  readonly tokenLifeSeconds?: number
  readonly port?: number
}

export interface FakeApi {
  readonly url: string
  /** Requests answered, by path (token endpoint included). */
  readonly counts: Map<string, number>
  close(): Promise<void>
}

export const CLIENT_ID = 'example-client'
export const CLIENT_SECRET = 'example-secret'
const CUSTOMERS = 120
const PAGE = 25
const HISTORY = 60
/** Orders changed in the last LIVE seconds, one a second per account, so each session sees new changes. */
const LIVE = 60

export function customer(id: number) {
  return { id, name: `Customer ${id}`, email: `customer${id}@example.com`, created_at: new Date(Date.UTC(2025, 0, 1) + id * 3_600_000).toISOString() }
}

/** The orders of an account changed after `since`, oldest first: a fixed history, then one change per second of the last minute. */
function ordersSince(account: string, since: number, now: number): { id: number; account: string; status: string; total: number; updated_at: string }[] {
  const orders = []
  for (let k = 1; k <= HISTORY; k++) orders.push({ at: Date.UTC(2026, 0, 1) + k * 60_000, id: k })
  const second = Math.floor(now / 1000) - 1
  for (let s = second - LIVE + 1; s <= second; s++) orders.push({ at: s * 1000, id: (s % 40) + 1 })
  return orders
    .filter((order) => order.at > since)
    .map(({ at, id }) => ({ id, account, status: ['open', 'paid', 'shipped'][(at / 1000) % 3] ?? 'open', total: (id * 7919) % 1000, updated_at: new Date(at).toISOString() }))
}

const PLANS_CSV = 'code,name,monthly_price\nfree,Free,0\nteam,Team,20\nbusiness,Business,75\nenterprise,"Enterprise, annual",400\n'

export async function startFakeApi(options: FakeApiOptions = {}): Promise<FakeApi> {
  const counts = new Map<string, number>()
  const tokens = new Map<string, number>()
  let served = 0
  const failEvery = options.failEvery ?? 5
  const limitEvery = options.limitEvery ?? 7
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1)
    if (url.pathname === '/oauth/token') return void token(request, response, tokens, options.tokenLifeSeconds ?? 30)
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
    if (bearer === undefined || (tokens.get(bearer) ?? 0) < Date.now()) return send(response, 401, { error: 'invalid or expired token' })
    served++
    if (limitEvery > 0 && served % limitEvery === 0) return send(response, 429, { error: 'slow down' }, { 'retry-after': '1' })
    if (failEvery > 0 && served % failEvery === 0) return send(response, 500, { error: 'try again' })
    route(url, response)
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

function route(url: URL, response: ServerResponse): void {
  const orders = /^\/v1\/accounts\/([\w-]+)\/orders$/.exec(url.pathname)
  if (url.pathname === '/v1/customers') {
    const page = Number(url.searchParams.get('page') ?? '1')
    const results = []
    for (let id = (page - 1) * PAGE + 1; id <= Math.min(CUSTOMERS, page * PAGE); id++) results.push(customer(id))
    return send(response, 200, { results, page, next_page: page * PAGE < CUSTOMERS ? page + 1 : null })
  }
  if (orders) {
    const since = Date.parse(url.searchParams.get('updated_since') ?? '1970-01-01T00:00:00Z')
    const limit = Number(url.searchParams.get('limit') ?? '50')
    const all = ordersSince(orders[1] as string, since, Date.now())
    return send(response, 200, { orders: all.slice(0, limit), has_more: all.length > limit })
  }
  if (url.pathname === '/v1/plans.csv') {
    response.writeHead(200, { 'content-type': 'text/csv' })
    return void response.end(PLANS_CSV)
  }
  send(response, 404, { error: 'no such resource' })
}

function token(request: IncomingMessage, response: ServerResponse, tokens: Map<string, number>, lifeSeconds: number): void {
  let body = ''
  request.setEncoding('utf8')
  request.on('data', (chunk: string) => (body += chunk))
  request.on('end', () => {
    const form = new URLSearchParams(body)
    if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== CLIENT_SECRET) {
      return send(response, 401, { error: 'invalid_client' })
    }
    const access = `token-${Math.random().toString(36).slice(2)}`
    tokens.set(access, Date.now() + lifeSeconds * 1000)
    send(response, 200, { access_token: access, token_type: 'bearer', expires_in: lifeSeconds })
  })
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(JSON.stringify(body))
}
