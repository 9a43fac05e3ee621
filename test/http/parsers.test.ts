// Streaming forms of a response body: JSON items under a path with the rest of the body after,
// NDJSON, CSV and gzip, each checked against a whole-body parse, with chunk boundaries anywhere.
import t from 'tap'
import fc from 'fast-check'
import { gzipSync } from 'node:zlib'
import { HttpClient, JsonItemSplitter, splitLines } from '../../lib/http/index.ts'
import { startServer } from './local-server.ts'

function splitAll(path: string, body: Buffer, sizes: readonly number[]): { items: unknown[]; rest: unknown } {
  const splitter = new JsonItemSplitter(path)
  const items: unknown[] = []
  let at = 0
  for (let i = 0; at < body.length; i++) {
    const size = sizes[i % sizes.length] as number
    for (const item of splitter.push(body.subarray(at, at + size))) items.push(JSON.parse(item.toString('utf8')))
    at += size
  }
  return { items, rest: splitter.end() }
}

t.test('items under a path and the rest of the body match JSON.parse, whatever the chunking', async (t) => {
  const property = fc.property(
    fc.array(fc.jsonValue(), { maxLength: 8 }),
    fc.dictionary(fc.string().filter((key) => key !== 'data'), fc.jsonValue(), { maxKeys: 4 }),
    fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 5 }),
    fc.boolean(),
    (items, others, sizes, pretty) => {
      const whole = { ...others, data: { before: others, results: items, after: 'x' } }
      const text = pretty ? JSON.stringify(whole, null, 2) : JSON.stringify(whole)
      const split = splitAll('data.results.*', Buffer.from(text, 'utf8'), sizes)
      const parsed = JSON.parse(text) as typeof whole
      if (JSON.stringify(split.items) !== JSON.stringify(parsed.data.results)) throw new Error(`items differ for ${text}`)
      parsed.data.results = []
      if (JSON.stringify(split.rest) !== JSON.stringify(parsed)) throw new Error(`rest differs for ${text}`)
    },
  )
  fc.assert(property, { numRuns: 400 })
  t.pass('400 generated bodies')
  t.same(splitAll('*', Buffer.from('[{"a":"]"}, 2 ,"s"]'), [1]).items, [{ a: ']' }, 2, 's'], 'a body that is an array')
  t.same(splitAll('*', Buffer.from('[]'), [1]).rest, [])
})

t.test('bounds and broken bodies fail with clear errors', async (t) => {
  t.throws(() => new JsonItemSplitter('results'), { code: 'ARGUMENT_INVALID' })
  t.throws(() => new JsonItemSplitter('results.*', { maxItemBytes: 10 }).push(Buffer.from('{"results":[{"a":"0123456789"}]}')), { code: 'MESSAGE_INVALID', message: /larger than 10 bytes/ })
  t.throws(() => new JsonItemSplitter('results.*', { maxRestBytes: 10 }).push(Buffer.from('{"other":"0123456789","results":[]}')), { code: 'MESSAGE_INVALID' })
  const truncated = new JsonItemSplitter('results.*')
  truncated.push(Buffer.from('{"results":[{"a":1},'))
  t.throws(() => truncated.end(), { message: /ended before it was complete/ })
  const missing = new JsonItemSplitter('results.*')
  missing.push(Buffer.from('{"items":[1]}'))
  t.throws(() => missing.end(), { message: /no array at results\.\*/ })
})

t.test('lines split at any chunk boundary, LF or CRLF, a last line without an end included', async (t) => {
  async function* chunks(text: string, size: number) {
    for (let i = 0; i < text.length; i += size) yield Buffer.from(text.slice(i, i + size))
  }
  for (const size of [1, 2, 5, 100]) {
    const lines: string[] = []
    for await (const line of splitLines(chunks('a\r\nbb\n\nccc\r\ndd', size))) lines.push(line.toString())
    t.same(lines, ['a', 'bb', '', 'ccc', 'dd'], `chunks of ${size}`)
  }
  await t.rejects(async () => {
    for await (const _ of splitLines(chunks('x'.repeat(100), 10), 50)) void _
  }, { message: /longer than 50 bytes/ })
})

t.test('over HTTP: JSON items with the next-page token, NDJSON, CSV, and a gzip body, sent in small chunks', async (t) => {
  const ndjson = Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, s: 'x\n'.repeat(i % 3) })).join('\n') + '\n'
  const bodies: Record<string, { type: string; body: Buffer }> = {
    '/items': { type: 'application/json', body: Buffer.from(JSON.stringify({ results: Array.from({ length: 300 }, (_, i) => ({ id: i, tags: ['a', { b: i }] })), next: 'page-2', total: 300 })) },
    '/ndjson': { type: 'application/x-ndjson', body: Buffer.from(ndjson) },
    '/csv': { type: 'text/csv', body: Buffer.from('\ufeffid,name,note\n1,Ann,"said ""hi"", left"\n2,Bob,"two\nlines"\n') },
    '/gz': { type: 'application/gzip', body: gzipSync(Buffer.from(ndjson)) },
  }
  const server = await startServer((req, res) => {
    const { type, body } = bodies[req.url ?? ''] as { type: string; body: Buffer }
    res.writeHead(200, { 'content-type': type })
    let at = 0
    const more = () => {
      if (at >= body.length) return void res.end()
      res.write(body.subarray(at, (at += 333)), more)
    }
    more()
  })
  t.teardown(() => server.close())
  const client = new HttpClient({ baseUrl: server.url })
  const page = (await client.request('/items')).jsonItems<{ id: number }>('results.*')
  const ids: number[] = []
  for await (const item of page) ids.push(item.id)
  t.same(ids, Array.from({ length: 300 }, (_, i) => i))
  t.same(page.rest(), { results: [], next: 'page-2', total: 300 })
  const values: unknown[] = []
  for await (const value of (await client.request('/ndjson')).ndjson()) values.push(value)
  t.same(values, ndjson.trim().split('\n').map((line) => JSON.parse(line)))
  const records: unknown[] = []
  for await (const record of (await client.request('/csv')).csv()) records.push(record)
  t.same(records, [{ id: '1', name: 'Ann', note: 'said "hi", left' }, { id: '2', name: 'Bob', note: 'two\nlines' }])
  const unzipped: unknown[] = []
  for await (const value of (await client.request('/gz')).ndjson()) unzipped.push(value)
  t.same(unzipped, values, 'gunzipped by its content type')
})

t.test('a consumer that stops early closes the connection and frees the permit', async (t) => {
  let closed = false
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    const timer = setInterval(() => res.write('{"x":1}\n'), 5)
    res.on('close', () => {
      clearInterval(timer)
      closed = true
    })
  })
  t.teardown(() => server.close())
  const { serial } = await import('../../lib/http/index.ts')
  const client = new HttpClient({ baseUrl: server.url, limiter: serial(1), timeoutMs: 2000 })
  let n = 0
  for await (const _ of (await client.request('/endless')).ndjson()) if (++n === 3) break
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.ok(closed, 'the server saw the connection close')
  const again = await client.request('/endless') // would wait forever if the permit were still taken
  await again.discard()
  t.pass('the permit was released')
})
