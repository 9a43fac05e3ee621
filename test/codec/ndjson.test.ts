import t from 'tap'
import type { Test } from 'tap'
import fc from 'fast-check'
import { Buffer } from 'node:buffer'
import { decodeNdjson, encodeNdjson } from '../../lib/codec/ndjson.ts'
import { FramingError } from '../../lib/errors.ts'
import { fromChunks, outcome, rechunk, splitAt, thenExplode, type Outcome } from './helpers.ts'


const decodeJson = (chunks: readonly Uint8Array[], maxFrameBytes?: number) =>
  outcome(decodeNdjson(fromChunks(chunks), { parse: JSON.parse, maxFrameBytes }))

/** What a decoder must produce, computed the slow, obvious way from the whole input. */
function reference(bytes: Uint8Array, maxFrameBytes = 1 << 26): Outcome<unknown> {
  const messages: unknown[] = []
  const buf = Buffer.from(bytes)
  let line = 0
  for (let from = 0; from < buf.length; ) {
    let to = buf.indexOf(0x0a, from)
    const terminated = to >= 0
    if (!terminated) to = buf.length
    line++
    if (to - from > maxFrameBytes) {
      return { messages, batches: 0, error: { code: 'FRAME_TOO_LARGE', message: `line ${line}` } }
    }
    let text = buf.toString('utf8', from, to)
    if (text.endsWith('\r')) text = text.slice(0, -1)
    from = to + 1
    if (/^[ \t\r]*$/.test(text)) continue
    try {
      messages.push(JSON.parse(text))
    } catch {
      const code = terminated ? 'FRAME_INVALID' : 'FRAME_TRUNCATED'
      return { messages, batches: 0, error: { code, message: `line ${line}` } }
    }
  }
  return { messages, batches: 0 }
}

function sameOutcome(t: Test, got: Outcome<unknown>, want: Outcome<unknown>, label: string) {
  t.same(got.messages, want.messages, `${label}: messages`)
  t.equal(got.error?.code, want.error?.code, `${label}: error code`)
  if (want.error !== undefined) {
    t.match(got.error?.message ?? '', new RegExp(`\\b${want.error.message}\\b`), `${label}: error line`)
  }
}

// A line of the generated inputs: a JSON message, a blank line, or a line that fails to parse.
const lineArb = fc.oneof(
  { weight: 8, arbitrary: fc.record({ text: fc.json({ stringUnit: 'binary', maxDepth: 2 }), crlf: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ text: fc.constantFrom('', ' ', '\t \r', '\r'), crlf: fc.boolean() }) },
)

function ndjsonBytes(lines: readonly { text: string; crlf: boolean }[], finalNewline = true): Buffer {
  const text = lines.map((l) => l.text + (l.crlf ? '\r' : '')).join('\n')
  return Buffer.from(lines.length > 0 && finalNewline ? text + '\n' : text, 'utf8')
}

const chunkSizesArb = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 })

// ---- decoding ----------------------------------------------------------------------------------

t.test('decodes one message per line, one batch per chunk', async (t) => {
  const chunks = [Buffer.from('{"a":1}\n{"b":2}\n{"c"'), Buffer.from(':3}\n'), Buffer.from('{"d":4}\n{"e":5}\n')]
  const batches: unknown[][] = []
  for await (const batch of decodeNdjson(fromChunks(chunks), { parse: JSON.parse })) batches.push(batch)
  t.same(batches, [[{ a: 1 }, { b: 2 }], [{ c: 3 }], [{ d: 4 }, { e: 5 }]])
})

t.test('yields nothing for chunks that complete no line', async (t) => {
  const chunks = [Buffer.from('{"a":'), Buffer.from('1'), Buffer.from('}\n\n\n'), Buffer.from('\n')]
  const got = await decodeJson(chunks)
  t.same(got.messages, [{ a: 1 }])
  t.equal(got.batches, 1)
})

t.test('accepts plain Uint8Array chunks and rejects other chunks', async (t) => {
  const bytes = new TextEncoder().encode('{"a":1}\n[2]\n')
  const got = await decodeJson([bytes.subarray(0, 5), bytes.subarray(5)])
  t.same(got.messages, [{ a: 1 }, [2]])
  const bad = decodeNdjson(fromChunks(['{"a":1}\n' as unknown as Uint8Array]), { parse: JSON.parse })
  await t.rejects(bad.next(), { code: 'ARGUMENT_INVALID' })
})

t.test('validates maxFrameBytes', async (t) => {
  for (const maxFrameBytes of [-1, 1.5, Number.NaN, 2 ** 32]) {
    await t.rejects(decodeNdjson(fromChunks([]), { parse: JSON.parse, maxFrameBytes }).next(), { code: 'ARGUMENT_INVALID' })
  }
})

t.test('every split point gives the same messages', async (t) => {
  const text =
    '{"id":1,"name":"plain"}\n\n{"id":2,"name":"é€😀 ünïcødé"}\r\n  \n' +
    '{"id":3,"nested":{"a":[1,2,3],"s":"\\n"}}\n\t\n{"id":4,"𝄞":"𝄞𝄞"}\n'
  const bytes = Buffer.from(text)
  const want = reference(bytes)
  t.equal(want.messages.length, 4)
  for (let at = 0; at <= bytes.length; at++) {
    sameOutcome(t, await decodeJson(splitAt(bytes, at)), want, `split at ${at}`)
  }
  for (let a = 0; a <= bytes.length; a += 7) {
    for (let b = a; b <= bytes.length; b += 5) {
      const chunks = [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]
      sameOutcome(t, await decodeJson(chunks), want, `split at ${a} and ${b}`)
    }
  }
  sameOutcome(t, await decodeJson(rechunk(bytes, [1])), want, '1-byte chunks')
})

t.test('multi-byte UTF-8 characters split across chunks decode whole', async (t) => {
  const chars = ['é', '€', '😀', '𝄞', 'ß', '中']
  for (const ch of chars) {
    const line = JSON.stringify({ s: ch.repeat(3) })
    const bytes = Buffer.from(`${line}\n${line}\n`)
    for (let at = 1; at < bytes.length; at++) {
      const got = await decodeJson(splitAt(bytes, at))
      t.same(got.messages, [{ s: ch.repeat(3) }, { s: ch.repeat(3) }], `${ch} split at ${at}`)
    }
    const got = await decodeJson(rechunk(bytes, [1]))
    t.same(got.messages, [{ s: ch.repeat(3) }, { s: ch.repeat(3) }], `${ch} in 1-byte chunks`)
  }
})

t.test('blank lines, whitespace-only lines and CRLF endings', async (t) => {
  const lines: string[] = []
  const parse = (line: string) => {
    lines.push(line)
    return JSON.parse(line) as unknown
  }
  const bytes = Buffer.from('\n\r\n \t \n{"a":1}\r\n\n{"b":2}\n   \r\n{"c":3} \r\n')
  const got = await outcome(decodeNdjson(fromChunks([bytes]), { parse }))
  t.same(got.messages, [{ a: 1 }, { b: 2 }, { c: 3 }])
  t.same(lines, ['{"a":1}', '{"b":2}', '{"c":3} '], 'parse never sees the \\r of a CRLF ending')
})

t.test('random messages in random chunkings decode like the reference', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(lineArb, { maxLength: 30 }), chunkSizesArb, fc.boolean(), async (lines, sizes, nl) => {
      const bytes = ndjsonBytes(lines, nl)
      const want = reference(bytes)
      const whole = await decodeJson([bytes])
      sameOutcome(t, whole, want, 'one chunk')
      const got = await decodeJson(rechunk(bytes, sizes))
      t.same(got, { ...whole, batches: got.batches }, `chunk sizes ${sizes.join(',')}`)
      t.ok(got.batches <= rechunk(bytes, sizes).length + 1)
    }),
    { numRuns: 200 },
  )
})

t.test('random limits fail at the same line in every chunking', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(lineArb, { maxLength: 20 }),
      chunkSizesArb,
      fc.integer({ min: 0, max: 80 }),
      async (lines, sizes, maxFrameBytes) => {
        const bytes = ndjsonBytes(lines)
        const want = reference(bytes, maxFrameBytes)
        const whole = await decodeJson([bytes], maxFrameBytes)
        sameOutcome(t, whole, want, `limit ${maxFrameBytes}, one chunk`)
        const got = await decodeJson(rechunk(bytes, sizes), maxFrameBytes)
        t.same({ ...got, batches: 0 }, { ...whole, batches: 0 }, `limit ${maxFrameBytes}, chunk sizes ${sizes.join(',')}`)
      },
    ),
    { numRuns: 200 },
  )
})

// ---- frame size limit ------------------------------------------------------------------------

t.test('an oversized line fails before it is buffered whole', async (t) => {
  const pulled = { count: 0 }
  const chunks = [Buffer.from('{"a":1}\n{"b":"'), Buffer.alloc(10, 'x'), Buffer.alloc(10, 'x'), Buffer.alloc(10, 'x')]
  // Line 2 grows past 25 bytes during the third chunk; the fourth must never be needed.
  const batches: unknown[][] = []
  const error = await (async () => {
    try {
      for await (const batch of decodeNdjson(thenExplode(chunks, pulled), { parse: JSON.parse, maxFrameBytes: 25 })) {
        batches.push(batch)
      }
    } catch (error) {
      return error
    }
    return undefined
  })()
  t.type(error, FramingError)
  t.equal((error as FramingError).code, 'FRAME_TOO_LARGE')
  t.match((error as FramingError).message, /line 2\b/)
  t.match((error as FramingError).message, /25 bytes/)
  t.equal(pulled.count, 3, 'failed on the chunk that crossed the limit')
  t.same(batches, [[{ a: 1 }]], 'messages before the oversized line were delivered')
})

t.test('the default limit fails fast on a line that never ends', async (t) => {
  const pulled = { count: 0 }
  const mib = Buffer.alloc(1 << 20, 'x')
  const chunks = Array.from({ length: 65 }, () => mib)
  const got = await outcome(decodeNdjson(thenExplode(chunks, pulled), { parse: JSON.parse }))
  t.equal(got.error?.code, 'FRAME_TOO_LARGE')
  t.match(got.error?.message ?? '', /line 1 .*67108864 bytes/)
  t.equal(pulled.count, 65, 'failed as soon as 64 MiB + 1 byte were pending')
})

t.test('a line of exactly maxFrameBytes is accepted', async (t) => {
  const line = JSON.stringify({ s: 'x'.repeat(20) })
  const bytes = Buffer.from(`${line}\n${line}\r\n${line}`)
  for (const chunks of [[bytes], rechunk(bytes, [3]), rechunk(bytes, [40])]) {
    const got = await decodeJson(chunks, line.length + 1)
    t.same(got.messages.length, 3)
    t.equal(got.error, undefined)
    const tight = await decodeJson(chunks, line.length)
    t.equal(tight.error?.code, 'FRAME_TOO_LARGE', 'the \\r counts toward the limit')
    t.match(tight.error?.message ?? '', /line 2 /)
  }
})

t.test('an oversized line inside one chunk fails, ASCII or not', async (t) => {
  for (const text of ['{"a":1}\n{"s":"abcdefghijklmnop"}\n', '{"a":1}\n{"s":"ünïcødé ünïcødé"}\n']) {
    const got = await decodeJson([Buffer.from(text)], 16)
    t.same(got.messages, [{ a: 1 }])
    t.equal(got.error?.code, 'FRAME_TOO_LARGE')
    t.match(got.error?.message ?? '', /line 2 .*16 bytes/)
  }
})

// ---- end of input ------------------------------------------------------------------------------

t.test('a last line without a newline is accepted if it parses', async (t) => {
  const bytes = Buffer.from('{"a":1}\n{"b":2}')
  for (let at = 0; at <= bytes.length; at++) {
    const got = await decodeJson(splitAt(bytes, at))
    t.same(got.messages, [{ a: 1 }, { b: 2 }], `split at ${at}`)
    t.equal(got.error, undefined)
  }
  t.same((await decodeJson([Buffer.from('{"a":1}\r')])).messages, [{ a: 1 }])
  t.same((await decodeJson([Buffer.from('{"a":1}\n  \t')])).messages, [{ a: 1 }], 'trailing blanks are fine')
})

t.test('a last line that does not parse is FRAME_TRUNCATED with its byte count', async (t) => {
  const bytes = Buffer.from('{"a":1}\n\n{"b":"é')
  for (let at = 0; at <= bytes.length; at++) {
    const got = await decodeJson(splitAt(bytes, at))
    t.same(got.messages, [{ a: 1 }])
    t.equal(got.error?.code, 'FRAME_TRUNCATED')
    t.match(got.error?.message ?? '', /line 3: 8 bytes after the last newline/)
  }
  const cause = await decodeNdjson(fromChunks([Buffer.from('{"a"')]), { parse: JSON.parse })
    .next()
    .catch((error: unknown) => (error as Error).cause)
  t.type(cause, SyntaxError, 'the parse error is the cause')
})

// ---- parse errors ------------------------------------------------------------------------------

t.test('a line that does not parse is FRAME_INVALID naming the line', async (t) => {
  const bytes = Buffer.from('{"a":1}\n\n\r\n{"b":2}\n{"c":oops, "long": "' + 'y'.repeat(200) + '"}\n{"d":4}\n')
  for (const chunks of [[bytes], rechunk(bytes, [1]), rechunk(bytes, [7, 300])]) {
    let caught: unknown
    const messages: unknown[] = []
    try {
      for await (const batch of decodeNdjson(fromChunks(chunks), { parse: JSON.parse })) messages.push(...batch)
    } catch (error) {
      caught = error
    }
    t.same(messages, [{ a: 1 }, { b: 2 }], 'messages before the bad line are delivered')
    t.type(caught, FramingError)
    const error = caught as FramingError
    t.equal(error.code, 'FRAME_INVALID')
    t.match(error.message, /^ndjson line 5 does not parse: /)
    t.match(error.message, (error.cause as Error).message, 'names the parse error')
    t.match(error.message, '"{\\"c\\":oops, \\"long\\"', 'quotes the start of the line')
    t.ok(error.message.length < 400, 'the excerpt is short')
    t.type(error.cause, SyntaxError)
  }
})

t.test('a throwing parse hook that throws a non-Error still fails cleanly', async (t) => {
  const gen = decodeNdjson(fromChunks([Buffer.from('x\n')]), {
    parse: () => {
      throw 'nope' // eslint-disable-line no-throw-literal
    },
  })
  const error = (await gen.next().catch((e: unknown) => e)) as FramingError
  t.equal(error.code, 'FRAME_INVALID')
  t.match(error.message, /line 1 does not parse: nope/)
  t.equal(error.cause, 'nope')
})

t.test('stopping early releases the source', async (t) => {
  let finished = false
  async function* source() {
    try {
      for (;;) yield Buffer.from('{"a":1}\n')
    } finally {
      finished = true
    }
  }
  for await (const batch of decodeNdjson(source(), { parse: JSON.parse })) {
    t.same(batch, [{ a: 1 }])
    break
  }
  t.ok(finished)
})

// ---- encoding ----------------------------------------------------------------------------------

async function encodeAll<T>(
  encode: (source: AsyncIterable<readonly T[]>) => AsyncGenerator<Buffer>,
  batches: readonly (readonly T[])[],
): Promise<{ chunks: Buffer[]; copies: Buffer[] }> {
  const chunks: Buffer[] = []
  const copies: Buffer[] = []
  for await (const chunk of encode(fromBatches(batches))) {
    chunks.push(chunk)
    copies.push(Buffer.from(chunk))
  }
  return { chunks, copies }
}

async function* fromBatches<T>(batches: readonly (readonly T[])[]): AsyncGenerator<readonly T[]> {
  for (const batch of batches) yield batch
}

t.test('encodes lines into chunks of at most chunkBytes', async (t) => {
  const messages = Array.from({ length: 1000 }, (_, i) => ({ i, s: 'é'.repeat(i % 13) }))
  const batches = [messages.slice(0, 400), messages.slice(400, 401), messages.slice(401)]
  const { chunks, copies } = await encodeAll(encodeNdjson(JSON.stringify, { chunkBytes: 256 }), batches)
  const want = messages.map((m) => JSON.stringify(m) + '\n').join('')
  t.equal(Buffer.concat(chunks).toString(), want)
  t.same(chunks, copies, 'no yielded bytes were written again')
  t.ok(chunks.every((c) => c.length <= 256 && c.length > 0))
  t.ok(chunks.length < 1.2 * (Buffer.byteLength(want) / 256) + 3, 'chunks are filled')
  // Every line lies whole within one chunk.
  t.ok(chunks.every((c) => c[c.length - 1] === 0x0a))
})

t.test('a line larger than a chunk gets a Buffer of its own', async (t) => {
  const big = { s: 'x'.repeat(1000) }
  const batches = [[{ a: 1 }, big, { b: 2 }, big, big, { c: 3 }]]
  const { chunks, copies } = await encodeAll(encodeNdjson(JSON.stringify, { chunkBytes: 64 }), batches)
  t.same(
    chunks.map((c) => c.toString()),
    ['{"a":1}\n', JSON.stringify(big) + '\n', '{"b":2}\n', JSON.stringify(big) + '\n', JSON.stringify(big) + '\n', '{"c":3}\n'],
  )
  t.same(chunks, copies)
})

t.test('lines that exactly fill a chunk, measured and unmeasured', async (t) => {
  for (const chunkBytes of [16, 17, 18, 19, 20, 31, 64]) {
    for (const s of ['abcdefghij', 'ééééé', '€€€', '😀😀']) {
      const messages = Array.from({ length: 20 }, (_, i) => s.slice(0, (i % s.length) + 1))
      const { chunks, copies } = await encodeAll(encodeNdjson(JSON.stringify, { chunkBytes }), [messages])
      t.equal(Buffer.concat(chunks).toString(), messages.map((m) => JSON.stringify(m) + '\n').join(''))
      t.ok(chunks.every((c) => c.length <= chunkBytes))
      t.same(chunks, copies)
    }
  }
})

t.test('flushes at the end of every batch without waiting for the next', async (t) => {
  let pulls = 0
  async function* source(): AsyncGenerator<readonly string[]> {
    pulls++
    yield ['{"captured":1}', '{"checkpoint":1}']
    pulls++
    await new Promise(() => {}) // never yields again
  }
  const encode = encodeNdjson((s: string) => s)
  const out = encode(source())
  const first = await out.next()
  t.equal(pulls, 1)
  t.equal(first.done, false)
  t.equal((first.value as Buffer).toString(), '{"captured":1}\n{"checkpoint":1}\n')
})

t.test('the encoder enforces maxFrameBytes', async (t) => {
  const encode = encodeNdjson((s: string) => s, { maxFrameBytes: 10, chunkBytes: 64 })
  const got: string[] = []
  let caught: unknown
  try {
    for await (const chunk of encode(fromBatches([['0123456789', '"ok"', 'é'.repeat(6)]]))) got.push(chunk.toString())
  } catch (error) {
    caught = error
  }
  t.same(got, ['0123456789\n"ok"\n'], 'what came before is flushed')
  t.equal((caught as FramingError).code, 'FRAME_TOO_LARGE')
  t.match((caught as FramingError).message, /12-byte ndjson line.*10 bytes/)
  t.throws(() => encodeNdjson(JSON.stringify, { chunkBytes: 0 }), { code: 'ARGUMENT_INVALID' })
})

t.test('round trip: encoder then decoder in random chunkings', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(fc.jsonValue({ stringUnit: 'binary', maxDepth: 2 }), { maxLength: 20 }), { maxLength: 6 }),
      fc.integer({ min: 16, max: 300 }),
      chunkSizesArb,
      async (batches, chunkBytes, sizes) => {
        const { chunks } = await encodeAll(encodeNdjson(JSON.stringify, { chunkBytes }), batches)
        const nonEmpty = batches.filter((b) => b.length > 0).length
        t.ok(chunks.length >= nonEmpty, 'at least one chunk per non-empty batch')
        const bytes = Buffer.concat(chunks)
        const got = await decodeJson(rechunk(bytes, sizes))
        // JSON.parse(JSON.stringify(v)) is the identity on generated JSON values except -0.
        t.same(got.messages, batches.flat().map((v) => JSON.parse(JSON.stringify(v)) as unknown))
        t.equal(got.error, undefined)
      },
    ),
    { numRuns: 200 },
  )
})
