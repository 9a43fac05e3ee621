// The client's retries against a real local server: which failures are retried, the bounds on
// attempts and total time, Retry-After and rate-limit headers, timeouts, and the capture's signal.
import t from 'tap'
import { createServer } from 'node:net'
import { HttpClient, HttpError, TimeoutError } from '../../lib/http/index.ts'
import { sendJson, startServer } from './local-server.ts'

const fast = { baseDelayMs: 10, maxDelayMs: 50 }

t.test('500s, 502s and 503s are retried until a 200; the body of the 200 is returned', async (t) => {
  const server = await startServer((_req, res, i) => (i < 3 ? sendJson(res, [500, 502, 503][i] as number, { error: i }) : sendJson(res, 200, { ok: true })))
  t.teardown(() => server.close())
  const client = new HttpClient({ baseUrl: server.url, retry: fast })
  t.same(await client.json('/x'), { ok: true })
  t.equal(server.requests.length, 4, 'three failures, then the success')
})

t.test('attempts are bounded: a server that always fails gives an HttpError after `attempts` requests', async (t) => {
  const server = await startServer((_req, res) => sendJson(res, 500, { error: 'down' }))
  t.teardown(() => server.close())
  const client = new HttpClient({ baseUrl: server.url, retry: { ...fast, attempts: 4 } })
  const error = await client.json('/x').catch((e: unknown) => e)
  t.ok(error instanceof HttpError)
  t.equal((error as HttpError).status, 500)
  t.equal((error as HttpError).attempts, 4)
  t.match((error as HttpError).message, /GET http:\/\/127\.0\.0\.1:\d+\/x failed after 4 attempts: status 500: \{"error":"down"\}/)
  t.equal(server.requests.length, 4)
})

t.test('total time is bounded: no retry starts past maxElapsedMs, whatever the attempts left', async (t) => {
  const server = await startServer((_req, res) => sendJson(res, 503, {}))
  t.teardown(() => server.close())
  const client = new HttpClient({ baseUrl: server.url, retry: { attempts: 100, baseDelayMs: 100, maxDelayMs: 100, maxElapsedMs: 450 } })
  const started = performance.now()
  await t.rejects(client.json('/x'), HttpError)
  const elapsed = performance.now() - started
  t.ok(elapsed < 1500, `gave up after ${Math.round(elapsed)} ms`)
  t.ok(server.requests.length >= 3 && server.requests.length <= 10, `${server.requests.length} attempts within the time allowed`)
})

t.test('4xx other than 408/429 are not retried; shouldRetry can retry them, or refuse a 500', async (t) => {
  const server = await startServer((req, res) => sendJson(res, req.url === '/missing' ? 404 : req.url === '/bad' ? 400 : 500, {}))
  t.teardown(() => server.close())
  const client = new HttpClient({ baseUrl: server.url, retry: fast })
  t.match(await client.json('/missing').catch((e: unknown) => e), { status: 404, attempts: 1 })
  const author = new HttpClient({ baseUrl: server.url, retry: { ...fast, attempts: 3, shouldRetry: ({ status }) => (status === 400 ? true : status === 500 ? false : undefined) } })
  t.match(await author.json('/bad').catch((e: unknown) => e), { status: 400, attempts: 3 })
  t.match(await author.json('/err').catch((e: unknown) => e), { status: 500, attempts: 1 })
  t.equal(server.requests.length, 1 + 3 + 1)
})

t.test('a connection error is retried (nothing listening, then a server)', async (t) => {
  // A port with nothing on it: refused connections until a server comes up on it.
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as { port: number }).port
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  const client = new HttpClient({ retry: { attempts: 20, baseDelayMs: 50, maxDelayMs: 50 } })
  const pending = client.json(`http://127.0.0.1:${port}/x`)
  await new Promise((resolve) => setTimeout(resolve, 150))
  const { createServer: createHttp } = await import('node:http')
  const late = createHttp((_req, res) => sendJson(res, 200, { late: true }))
  await new Promise<void>((resolve) => late.listen(port, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => late.close(() => resolve())))
  t.same(await pending, { late: true })
  const refused = await new HttpClient({ retry: { ...fast, attempts: 2 } }).json('http://127.0.0.1:1/x').catch((e: unknown) => e)
  t.match(refused, { status: 0, attempts: 2 }, 'refused twice: an HttpError with no status')
})

t.test('Retry-After in seconds and as an HTTP date is honoured (within a tolerance), even past maxDelayMs', async (t) => {
  const asks = ['1', new Date(Date.now() + 2000).toUTCString()]
  let at = 0
  const times: number[] = []
  const server = await startServer((_req, res, i) => {
    times.push(performance.now())
    if (i % 2 === 0) sendJson(res, 429, {}, { 'retry-after': asks[at++] ?? '0' })
    else sendJson(res, 200, {})
  })
  t.teardown(() => server.close())
  const client = new HttpClient({ baseUrl: server.url, retry: fast })
  await client.json('/a')
  const seconds = (times[1] as number) - (times[0] as number)
  t.ok(seconds >= 950 && seconds < 2500, `Retry-After: 1 waited ${Math.round(seconds)} ms`)
  asks[1] = new Date(Date.now() + 2000).toUTCString()
  await client.json('/b')
  const date = (times[3] as number) - (times[2] as number)
  // An HTTP date has whole seconds: the wait is 1-2 s.
  t.ok(date >= 900 && date < 3500, `Retry-After as a date waited ${Math.round(date)} ms`)
})

t.test('X-RateLimit-Remaining: 0 pauses the next request until the reset', async (t) => {
  const times: number[] = []
  const server = await startServer((_req, res, i) => {
    times.push(performance.now())
    sendJson(res, 200, {}, i === 0 ? { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' } : {})
  })
  t.teardown(() => server.close())
  const client = new HttpClient({ baseUrl: server.url })
  await client.json('/a')
  await client.with({ headers: { 'x-other': '1' } }).json('/b') // a derived client shares the pause
  const gap = (times[1] as number) - (times[0] as number)
  t.ok(gap >= 950 && gap < 2500, `the second request waited ${Math.round(gap)} ms for the reset`)
  t.equal(server.requests[1]?.headers['x-other'], '1')
})

t.test('a hanging server times out per attempt; the timeout is retried, then reported', async (t) => {
  const server = await startServer(() => {}) // never answers
  t.teardown(() => server.close())
  const client = new HttpClient({ baseUrl: server.url, timeoutMs: 150, retry: { ...fast, attempts: 2 } })
  const started = performance.now()
  const error = await client.json('/hang').catch((e: unknown) => e)
  t.ok(error instanceof HttpError)
  t.ok((error as HttpError).cause instanceof TimeoutError, 'caused by the timeout')
  t.equal(server.requests.length, 2)
  t.ok(performance.now() - started < 1500)
})

t.test('a body that stalls mid-way fails with a TimeoutError instead of hanging', async (t) => {
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"results":[1,2')
  })
  t.teardown(() => server.close())
  const client = new HttpClient({ baseUrl: server.url, timeoutMs: 200 })
  const response = await client.request('/stall')
  await t.rejects(response.text(), TimeoutError)
})

t.test("aborting the capture's signal ends a hanging request and a backoff wait at once", async (t) => {
  const server = await startServer((req, res) => (req.url === '/fail' ? sendJson(res, 500, {}) : undefined))
  t.teardown(() => server.close())
  const stop = new AbortController()
  const client = new HttpClient({ baseUrl: server.url, signal: stop.signal, retry: { baseDelayMs: 60_000, maxDelayMs: 60_000, maxElapsedMs: 600_000 } })
  const hanging = client.json('/hang').catch((e: unknown) => e)
  const waiting = client.json('/fail').catch((e: unknown) => e)
  await new Promise((resolve) => setTimeout(resolve, 200))
  const started = performance.now()
  stop.abort()
  const [a, b] = await Promise.all([hanging, waiting])
  t.ok(performance.now() - started < 1000, 'both settled promptly (the backoff was 60 s, the hang endless)')
  t.ok(a instanceof Error && b instanceof Error)
  t.equal(server.requests.length, 2, 'no retry after the abort')
})

t.test('a body that breaks mid-way is requested again and resumed after the items already read', async (t) => {
  const lines = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ i }) + '\n').join('')
  const server = await startServer((_req, res, index) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    if (index === 0) {
      res.write(lines.slice(0, 3000)) // ~300 items, then the connection drops
      setTimeout(() => res.destroy(), 20)
    } else if (index === 1) {
      res.write(lines.slice(0, 5000)) // then ~500, then it goes quiet
    } else res.end(lines)
  })
  t.teardown(() => server.close())
  const client = new HttpClient({ baseUrl: server.url, timeoutMs: 300, retry: fast })
  const seen: number[] = []
  for await (const item of client.stream('/export', (response) => response.ndjson<{ i: number }>())) seen.push(item.i)
  t.same(seen, Array.from({ length: 1000 }, (_, i) => i), 'each item once, in order')
  t.equal(server.requests.length, 3, 'a reset and a stall, each followed by a new request')
  const broken = new HttpClient({ baseUrl: server.url, retry: fast })
  const bad = await startServer((_req, res) => res.end('{"i":1}\nnot json\n'))
  t.teardown(() => bad.close())
  await t.rejects(async () => {
    for await (const _ of broken.stream(`${bad.url}/x`, (response) => response.ndjson())) void _
  }, { code: 'MESSAGE_INVALID' }, 'a body that is wrong is not asked for again')
  t.equal(bad.requests.length, 1)
})

t.test('Retry-After and rate-limit headers read as servers send them', async (t) => {
  const { parseRetryAfter, rateLimitPause } = await import('../../lib/http/index.ts')
  const now = Date.parse('2026-01-01T00:00:00Z')
  t.equal(parseRetryAfter('120', now), 120_000)
  t.equal(parseRetryAfter('1.5', now), 1500)
  t.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000)
  t.equal(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now), 0, 'a date in the past: at once')
  t.equal(parseRetryAfter('soon', now), undefined)
  t.equal(parseRetryAfter(null, now), undefined)
  const headers = (entries: Record<string, string>) => new Headers(entries)
  t.equal(rateLimitPause(headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '7' }), now), 7000, 'reset in seconds from now')
  t.equal(rateLimitPause(headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 60) }), now), 60_000, 'reset as epoch seconds')
  t.equal(rateLimitPause(headers({ 'ratelimit-remaining': '0', 'ratelimit-reset': '3' }), now), 3000, 'the IETF draft headers')
  t.equal(rateLimitPause(headers({ ratelimit: '"default";r=0;t=12' }), now), 12_000, 'the structured RateLimit header')
  t.equal(rateLimitPause(headers({ 'x-ratelimit-remaining': '5', 'x-ratelimit-reset': '7' }), now), undefined, 'requests left: no pause')
})
