// The source-http-api example end to end: `flowkit preview` over two sessions against its fake
// API (no network), resuming from the state file; and a SIGTERM while its requests hang.
// Runs the compiled flowkit (dist/): `npm run build` first.
import t from 'tap'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { root, runCli, tempDir } from '../helpers/cli.ts'
import { startConnector } from '../helpers/connector-process.ts'

const catalog = join(root, 'examples/source-http-api/flow.yaml')

interface Captured {
  readonly customers: { id: number }[]
  readonly orders: { id: number; account: string; updated_at: string }[]
  readonly plans: { _meta: { row_id: number; op: string } }[]
}

function captured(stdout: string): Captured {
  const out: Record<string, unknown[]> = { customers: [], orders: [], plans: [] }
  for (const line of stdout.trim().split('\n').filter(Boolean)) {
    const [collection, doc] = JSON.parse(line) as [string, unknown]
    out[collection.replace('acmeCo/', '')]?.push(doc)
  }
  return out as unknown as Captured
}

t.test('preview: two sessions against the fake API, the second resuming from the state file', { timeout: 120_000 }, async (t) => {
  const stateFile = join(tempDir(), 'state.json')
  const args = ['preview', '--source', catalog, '--state-file', stateFile, '--log-level', 'debug', '--status-interval', '0']
  const first = await runCli(args)
  if (first.code !== 0) t.comment(first.stderr.slice(-2000))
  t.equal(first.code, 0, 'the first session ends on its own once caught up')
  const one = captured(first.stdout)
  t.same(one.customers.map((c) => c.id), Array.from({ length: 120 }, (_, i) => i + 1), 'the backfill: 120 customers over 5 pages, in order')
  t.same(one.plans.map((p) => p._meta), [0, 1, 2, 3].map((row_id) => ({ row_id, op: 'c' })), 'the snapshot: 4 numbered plans')
  for (const account of ['acme', 'globex']) t.ok(one.orders.filter((o) => o.account === account).length >= 110, `orders of ${account}: the history and the last minute`)
  t.match(first.stderr, /http retry \{[^\n]*"status":500/, 'a 500 was retried')
  t.match(first.stderr, /http retry \{[^\n]*"status":429[^\n]*"retryInMs":1000/, 'a 429 was retried after its Retry-After')
  t.notMatch(first.stderr, /example-secret|token-[a-z0-9]{6}/, 'no secret or token in the logs')
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { bindingStateV1: Record<string, { subtasks?: Record<string, { inc: { cursor: string } }> }> }
  const cursors = state.bindingStateV1['orders.v1']?.subtasks
  t.same(Object.keys(cursors ?? {}).sort(), ['acme', 'globex'], 'a cursor per account')
  t.match(state.bindingStateV1, { 'customers.v1': { backfill: { complete: true } }, 'plans.v1': { snapshot: { rows: 4 } } })

  await new Promise((resolve) => setTimeout(resolve, 1500)) // the fake API changes an order a second
  const second = await runCli(args)
  if (second.code !== 0) t.comment(second.stderr.slice(-2000))
  t.equal(second.code, 0, 'so does the second')
  const two = captured(second.stdout)
  t.equal(two.customers.length, 0, 'the backfill is not run again')
  t.equal(two.plans.length, 0, 'the unchanged snapshot is skipped')
  t.ok(two.orders.length >= 2, `${two.orders.length} orders changed since the first session`)
  t.ok(two.orders.every((o) => o.updated_at > (cursors?.[o.account]?.inc.cursor ?? '')), 'all after the cursor the first session committed')
})

t.test('SIGTERM while every request hangs: the connector exits 0 promptly', { timeout: 60_000 }, async (t) => {
  const hanging = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    if (req.url === '/oauth/token') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return void res.end(JSON.stringify({ access_token: 'abc', expires_in: 3600 }))
    }
    hanging.add(res) // never answered
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const connector = startConnector(['--import', 'tsx', join(root, 'examples/source-http-api/main.ts')], 'json')
  const config = { baseUrl: url, clientId: 'c', clientSecret: 's', accounts: ['a', 'b', 'c'] }
  const bindings = ['customers', 'orders', 'plans'].map((name) => ({ resourceConfigJson: JSON.stringify({ name }), resourcePath: [name], stateKey: `${name}.v1` }))
  connector.send({ open: { capture: { name: 'acmeCo/source-http-api', connectorType: 8, configJson: JSON.stringify(config), bindings }, range: { keyEnd: 0xffffffff, rClockEnd: 0xffffffff }, stateJson: '{}' } })
  const opened = await connector.next()
  t.ok(opened?.opened, 'Opened')
  for (let i = 0; i < 100 && hanging.size < 4; i++) await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(hanging.size, 4, 'four requests hang (the concurrency bound)')
  const signalled = performance.now()
  connector.kill('SIGTERM')
  const rest = await connector.rest()
  const exit = await connector.exited
  const ms = performance.now() - signalled
  if (exit.code !== 0) t.comment(exit.stderr.slice(-1000))
  t.equal(exit.code, 0, 'exit 0')
  t.same(rest.filter((r) => r.captured), [], 'nothing captured')
  t.ok(ms < 2000, `exited ${Math.round(ms)} ms after SIGTERM`)
  t.comment(`SIGTERM to exit with ${hanging.size} hanging requests: ${Math.round(ms)} ms`)
})
