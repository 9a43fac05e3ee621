// source-http-api: a capture of an HTTP API built on flowkit/http and flowkit/capture's
// resources — customers backfilled page by page, orders read incrementally per account (one
// subtask each), plans polled as a CSV snapshot. `with-fake-api.ts` runs it against the fake
// API of fake-api.ts, which is what flow.yaml does, so `flowkit preview` needs no network:
//
//   node bin/flowkit.js preview --source examples/source-http-api/flow.yaml --sessions 2 --state-file http-api.state.json
import { pathToFileURL } from 'node:url'
import Type from 'typebox'
import { backfill, capture, incremental, resources, runCapture, snapshot, type CaptureConnector } from 'flowkit/capture'
import { HttpClient, oauth2ClientCredentials, tokenBucket } from 'flowkit/http'

const Config = Type.Object({
  baseUrl: Type.String({ default: 'https://api.example.com', description: 'Root URL of the API.' }),
  clientId: Type.String({ description: 'OAuth2 client id.' }),
  clientSecret: Type.String({ secret: true, description: 'OAuth2 client secret.' }),
  accounts: Type.Array(Type.String({ pattern: '^[\\w-]+$' }), { default: ['acme'], description: 'Accounts whose orders are captured, each as a subtask.' }),
  requestsPerSecond: Type.Number({ exclusiveMinimum: 0, default: 20, description: 'Most requests per second to the API.' }),
  pollSeconds: Type.Number({ minimum: 0, default: 30, description: 'Pause between polls once caught up.' }),
  untilCaughtUp: Type.Boolean({ default: false, description: 'End each session once caught up (for previews) instead of polling.' }),
})

const Resource = Type.Object({
  name: Type.Union([Type.Literal('customers'), Type.Literal('orders'), Type.Literal('plans')], { description: 'Which resource to capture.' }),
})

interface Order {
  readonly id: number
  readonly updated_at: string
}

const schemas = {
  customers: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
  orders: { type: 'object', properties: { id: { type: 'integer' }, account: { type: 'string' }, updated_at: { type: 'string', format: 'date-time' } }, required: ['id', 'account', 'updated_at'] },
  plans: { type: 'object', properties: { _meta: { type: 'object', properties: { row_id: { type: 'integer' } }, required: ['row_id'] } }, required: ['_meta'] },
}
const keys = { customers: ['/id'], orders: ['/account', '/id'], plans: ['/_meta/row_id'] }

/** The connector; `baseUrl` replaces the config's (the fake API's URL, when run by with-fake-api.ts). */
export function makeConnector(override: { readonly baseUrl?: string } = {}): CaptureConnector {
  return capture({
    config: Config,
    resource: Resource,
    documentationUrl: 'https://example.com/source-http-api',
    resourcePathPointers: ['/name'],

    async discover() {
      return (['customers', 'orders', 'plans'] as const).map((name) => ({ recommendedName: name, resourceConfig: { name }, documentSchema: schemas[name], key: keys[name] }))
    },

    // Once per session: an API client with the session's signal and logger, then what each binding reads.
    open: resources(
      ({ config, signal, logger }) => {
        const baseUrl = override.baseUrl ?? config.baseUrl
        const auth = oauth2ClientCredentials({ tokenUrl: `${baseUrl}/oauth/token`, clientId: config.clientId, clientSecret: config.clientSecret, client: new HttpClient({ signal, logger }) })
        const api = new HttpClient({ baseUrl, auth, signal, logger, limiter: tokenBucket({ requests: config.requestsPerSecond, intervalMs: 1000 }), retry: { baseDelayMs: 200 } })
        return (binding) => {
          switch (binding.resourceConfig.name) {
            case 'customers':
              return {
                backfill: backfill<number>({
                  async *fetchPage({ page }) {
                    const items = (await api.request('/v1/customers', { query: { page: page ?? 1 } })).jsonItemBytes('results.*')
                    yield* items
                    return items.rest<{ next_page: number | null }>().next_page ?? undefined
                  },
                }),
              }
            case 'orders':
              return {
                subtasks: config.accounts,
                incremental: incremental<string>({
                  initialCursor: () => '2026-01-01T00:00:00.000Z',
                  intervalMs: config.pollSeconds * 1000,
                  async *fetchChanges({ cursor, subtask }) {
                    const page = (await api.request(`/v1/accounts/${subtask}/orders`, { query: { updated_since: cursor, limit: 50 } })).jsonItems<Order>('orders.*')
                    let last = cursor
                    for await (const order of page) {
                      yield order
                      last = order.updated_at
                    }
                    return last
                  },
                }),
              }
            case 'plans':
              return {
                snapshot: snapshot({
                  intervalMs: config.pollSeconds * 1000,
                  async *fetchSnapshot() {
                    yield* (await api.request('/v1/plans.csv')).csv({ csv: { cast: true } })
                  },
                }),
              }
          }
        }
      },
      { untilCaughtUp: (config) => config.untilCaughtUp, concurrency: 4 },
    ),
  })
}

export const connector = makeConnector()

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runCapture(connector)
