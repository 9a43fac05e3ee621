// Rate limiters, through the client against a local server (timestamps taken by the server):
// the rate held by a token bucket, bursts, fixed spacing, a budget per window, the adaptive
// limiter's slow-down on 429 and its recovery, serial, and limits scoped per key.
import t from 'tap'
import { adaptive, allOf, dailyBudget, fixedSpacing, HttpClient, perKey, serial, tokenBucket, type RateLimiter } from '../../lib/http/index.ts'
import { sendJson, startServer } from './local-server.ts'

async function timedServer(handler?: (i: number, res: import('node:http').ServerResponse) => void) {
  const times: number[] = []
  const server = await startServer((_req, res, i) => {
    times.push(performance.now())
    if (handler) handler(i, res)
    else sendJson(res, 200, {})
  })
  return { server, times }
}

/** Runs `count` requests with `workers` at a time. */
async function run(client: HttpClient, count: number, workers: number, path = '/'): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < count) {
      next++
      await client.json(path)
    }
  }))
}

/** The limiter, recording when it grants each permit: the limiter's own timing, without the noise of the request's way to the server. */
function recorded(limiter: RateLimiter): { limiter: RateLimiter; grants: number[] } {
  const grants: number[] = []
  return {
    grants,
    limiter: {
      acquire: async (request, signal) => {
        const release = await limiter.acquire(request, signal)
        grants.push(performance.now())
        return release
      },
      observe: (request, outcome) => limiter.observe?.(request, outcome),
    },
  }
}

/** Requests per second held after a burst of `burst`: the first `burst` go at once, the rest one per 1/N s. */
const rate = (times: readonly number[], burst: number) => ((times.length - burst) * 1000) / ((times.at(-1) as number) - Math.min(...times))

t.test('a token bucket of N/s holds N/s (within 5 %) under concurrent demand, as the server counts them', async (t) => {
  const { server, times } = await timedServer()
  t.teardown(() => server.close())
  const n = 40
  // The default burst (N: a second's worth) lets the bucket make up for a process that a busy
  // machine leaves waiting for up to a second; 6 s of requests after it keep the noise at
  // either end small against 5 %.
  const burst = n
  const { limiter, grants } = recorded(tokenBucket({ requests: n, intervalMs: 1000 }))
  const client = new HttpClient({ baseUrl: server.url, limiter })
  // 32 requests at a time: on a busy machine a request may take far longer than 1/N s.
  await run(client, 6 * n + burst, 32)
  const granted = rate(grants, burst)
  const measured = rate(times, burst)
  t.ok(Math.abs(granted - n) / n <= 0.05, `granted ${granted.toFixed(2)} permits/s for a bucket of ${n}/s`)
  t.ok(Math.abs(measured - n) / n <= 0.05, `the server saw ${measured.toFixed(2)} requests/s for a bucket of ${n}/s`)
})

t.test('a token bucket lets a burst through at once, then refills at its rate', async (t) => {
  const { server } = await timedServer()
  t.teardown(() => server.close())
  const { limiter, grants } = recorded(tokenBucket({ requests: 10, intervalMs: 1000, burst: 5 }))
  await run(new HttpClient({ baseUrl: server.url, limiter }), 8, 8)
  const start = grants[0] as number
  t.ok((grants[4] as number) - start < 150, `5 permits within ${Math.round((grants[4] as number) - start)} ms (the burst)`)
  const last = (grants[7] as number) - start
  t.ok(last >= 295 && last < 700, `the 8th granted ${Math.round(last)} ms in (3 more tokens at 10/s: 300 ms)`)
})

t.test('fixed spacing grants permits at least that far apart', async (t) => {
  const { server } = await timedServer()
  t.teardown(() => server.close())
  const { limiter, grants } = recorded(fixedSpacing(100))
  await run(new HttpClient({ baseUrl: server.url, limiter }), 5, 5)
  const gaps = grants.slice(1).map((time, i) => time - (grants[i] as number))
  t.ok(gaps.every((gap) => gap >= 99), `gaps ${gaps.map(Math.round).join(', ')} ms`)
  t.ok(gaps.reduce((a, b) => a + b) < 4 * 100 + 600, 'and not much more in all')
})

t.test('a budget per window lets that many through, then waits for the next window', async (t) => {
  const arrivals: number[] = []
  const server = await startServer((_req, res) => {
    arrivals.push(Date.now())
    sendJson(res, 200, {})
  })
  t.teardown(() => server.close())
  const exhausted: number[] = []
  // Windows are aligned to the clock: start right after a boundary so the first three fall in one.
  const windowMs = 1000
  await new Promise((resolve) => setTimeout(resolve, windowMs - (Date.now() % windowMs) + 5))
  const boundary = Math.floor(Date.now() / windowMs) * windowMs + windowMs
  const client = new HttpClient({ baseUrl: server.url, limiter: dailyBudget({ requests: 3, windowMs, onExhausted: (at) => exhausted.push(at) }) })
  await run(client, 4, 4)
  t.ok(arrivals.slice(0, 3).every((at) => at < boundary), 'three in the first window')
  const late = (arrivals[3] as number) - boundary
  t.ok(late >= 0 && late < 700, `the 4th waited for the next window: it came ${late} ms after it began`)
  t.same(exhausted, [boundary], 'told once, with when the budget renews')
})

t.test('adaptive: no limit at first, spaced after 429s, back to no limit after its half-lives', async (t) => {
  const { server } = await timedServer((i, res) => (i === 5 || i === 6 ? sendJson(res, 429, {}) : sendJson(res, 200, {})))
  t.teardown(() => server.close())
  const { limiter, grants } = recorded(adaptive({ minDelayMs: 200, halfLifeMs: 300 }))
  const client = new HttpClient({ baseUrl: server.url, limiter, retry: { baseDelayMs: 1, maxDelayMs: 1 } })
  await run(client, 5, 1)
  const unthrottled = (grants[4] as number) - (grants[0] as number)
  t.ok(unthrottled < 300, `five requests unthrottled: ${Math.round(unthrottled)} ms`)
  await run(client, 2, 1) // the 6th answers 429 twice (spacing 200 ms, then 400 ms), then succeeds; so does the 7th
  const afterFirst = (grants[6] as number) - (grants[5] as number)
  const afterSecond = (grants[7] as number) - (grants[6] as number)
  t.ok(afterFirst >= 150, `after a 429 the retry waited ${Math.round(afterFirst)} ms (200 ms, decaying with a 300 ms half-life while it waits)`)
  t.ok(afterSecond >= 200 && afterSecond > afterFirst, `after a second 429, ${Math.round(afterSecond)} ms (doubled to 400 ms, decaying)`)
  await new Promise((resolve) => setTimeout(resolve, 3000)) // 10 half-lives: back under 10 ms
  const before = grants.length
  await run(client, 3, 1)
  const recovered = (grants.at(-1) as number) - (grants[before] as number)
  t.ok(recovered < 300, `recovered: 3 requests within ${Math.round(recovered)} ms (throttled, they would take over 400 ms)`)
})

t.test('serial(k): at most k requests in flight, counted until their bodies are read', async (t) => {
  let active = 0
  let peak = 0
  const server = await startServer((_req, res) => {
    active++
    peak = Math.max(peak, active)
    setTimeout(() => {
      active--
      sendJson(res, 200, {})
    }, 40)
  })
  t.teardown(() => server.close())
  await run(new HttpClient({ baseUrl: server.url, limiter: serial(2) }), 8, 8)
  t.equal(peak, 2, 'two at a time')
  peak = 0
  const started = performance.now()
  await run(new HttpClient({ baseUrl: server.url, limiter: serial() }), 5, 5)
  t.equal(peak, 1, 'one at a time')
  t.ok(performance.now() - started >= 5 * 40 - 10, 'one after the other')
})

t.test('perKey: each key has its own bucket; allOf applies both limits', async (t) => {
  const { server, times } = await timedServer()
  t.teardown(() => server.close())
  const limiter = perKey(() => tokenBucket({ requests: 10, intervalMs: 1000, burst: 1 }))
  const a = new HttpClient({ baseUrl: server.url, limiter, limitKey: () => 'account-a' })
  const b = new HttpClient({ baseUrl: server.url, limiter, limitKey: () => 'account-b' })
  const started = performance.now()
  await Promise.all([run(a, 6, 2), run(b, 6, 2)])
  const elapsed = performance.now() - started
  t.ok(elapsed >= 450 && elapsed < 1000, `12 requests in ${Math.round(elapsed)} ms: 6 per key at 10/s each, not 12 at 10/s`)
  const both = new HttpClient({ baseUrl: server.url, limiter: allOf(tokenBucket({ requests: 100, intervalMs: 1000, burst: 100 }), fixedSpacing(50)) })
  const before = times.length
  await run(both, 4, 4)
  const span = (times.at(-1) as number) - (times[before] as number)
  // Three gaps of 50 ms are 150 ms as granted; arrival times at the server jitter on a loaded
  // machine, so the bound is set well above what the looser bucket alone gives (a few ms).
  t.ok(span >= 100, `allOf: the tighter limit (50 ms spacing) holds: ${Math.round(span)} ms for 4`)
})

t.test('a limiter wait ends when the signal aborts', async (t) => {
  const { server } = await timedServer()
  t.teardown(() => server.close())
  const stop = new AbortController()
  const client = new HttpClient({ baseUrl: server.url, signal: stop.signal, limiter: fixedSpacing(60_000) })
  await client.json('/')
  const waiting = client.json('/').catch((e: unknown) => e)
  setTimeout(() => stop.abort(), 50)
  const started = performance.now()
  t.ok((await waiting) instanceof Error)
  t.ok(performance.now() - started < 500, 'rejected promptly')
  t.equal(server.requests.length, 1)
})
