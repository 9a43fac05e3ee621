import t from 'tap'
import fc from 'fast-check'
import { Buffer } from 'node:buffer'
import { decodeLengthPrefixed, encodeLengthPrefixed } from '../../lib/codec/length-prefixed.ts'
import { FramingError } from '../../lib/errors.ts'
import { fromChunks, outcome, rechunk, splitAt, thenExplode } from './helpers.ts'


const toHex = (frame: Uint8Array) => Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('hex')

const decodeHex = (chunks: readonly Uint8Array[], maxFrameBytes?: number) =>
  outcome(decodeLengthPrefixed(fromChunks(chunks), { parse: toHex, maxFrameBytes }))

/** Frames `bodies` the obvious way. */
function frame(...bodies: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = []
  for (const body of bodies) {
    const header = Buffer.alloc(4)
    header.writeUInt32LE(body.length)
    parts.push(header, Buffer.from(body))
  }
  return Buffer.concat(parts)
}

const bodiesArb = fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 25 })
const chunkSizesArb = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 })

// ---- decoding ----------------------------------------------------------------------------------

t.test('decodes the worked examples of the protocol', async (t) => {
  // Worked examples of a minimal capture session: Opened, Captured and Checkpoint responses.
  const hex = (s: string) => s.replaceAll(' ', '')
  const stream = Buffer.from(
    hex('04 00 00 00 2a 02 08 01' + '0b 00 00 00 32 09 12 07 7b 22 61 22 3a 31 7d' + '0a 00 00 00 3a 08 0a 06 0a 02 7b 7d 10 01'),
    'hex',
  )
  const got = await decodeHex([stream])
  t.same(got.messages, [hex('2a 02 08 01'), hex('32 09 12 07 7b 22 61 22 3a 31 7d'), hex('3a 08 0a 06 0a 02 7b 7d 10 01')])
  t.equal(got.batches, 1)
})

t.test('one batch per chunk that completes a frame, empty frames included', async (t) => {
  const bytes = frame(Buffer.from('ab'), Buffer.alloc(0), Buffer.from('cdef'), Buffer.alloc(0))
  // [ab header+body][empty][cdef header][cdef body + empty]
  const chunks = [bytes.subarray(0, 10), bytes.subarray(10, 13), bytes.subarray(13, 14), bytes.subarray(14)]
  const batches: string[][] = []
  for await (const batch of decodeLengthPrefixed(fromChunks(chunks), { parse: toHex })) batches.push(batch)
  t.same(batches, [['6162', ''], ['63646566', '']])
})

t.test('a frame within one chunk is a view of it; a frame spanning chunks is assembled', async (t) => {
  const bytes = new Uint8Array(frame(Buffer.from('hello'), Buffer.from('world!'))) // not pooled
  const chunks = [bytes.subarray(0, 15), bytes.subarray(15)] // the second body spans them
  const frames: Uint8Array[] = []
  for await (const batch of decodeLengthPrefixed(fromChunks(chunks), { parse: (f) => f })) frames.push(...batch)
  t.equal(frames.length, 2)
  const [first, second] = frames as [Uint8Array, Uint8Array]
  t.equal(first.buffer, bytes.buffer, 'first frame shares the input memory')
  t.equal(first.byteOffset, bytes.byteOffset + 4)
  t.equal(Buffer.from(first).toString(), 'hello')
  t.not(second.buffer, bytes.buffer, 'spanning frame is a copy')
  t.equal(Buffer.from(second).toString(), 'world!')
})

t.test('accepts plain Uint8Array chunks', async (t) => {
  const bytes = new Uint8Array(frame(Buffer.from('xyz')))
  const got = await decodeHex([bytes.subarray(0, 2), bytes.subarray(2)])
  t.same(got.messages, ['78797a'])
})

t.test('every split point gives the same frames', async (t) => {
  const bodies = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(300, 7), Buffer.from('four'), Buffer.alloc(0)]
  const bytes = frame(...bodies)
  const want = bodies.map(toHex)
  for (let at = 0; at <= bytes.length; at++) {
    const got = await decodeHex(splitAt(bytes, at))
    t.same(got.messages, want, `split at ${at}`)
    t.equal(got.error, undefined)
  }
  for (let a = 0; a <= bytes.length; a += 3) {
    for (let b = a; b <= bytes.length; b += 11) {
      const got = await decodeHex([bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)])
      t.same(got.messages, want, `split at ${a} and ${b}`)
    }
  }
  t.same((await decodeHex(rechunk(bytes, [1]))).messages, want, '1-byte chunks')
})

t.test('random frames in random chunkings', async (t) => {
  await fc.assert(
    fc.asyncProperty(bodiesArb, chunkSizesArb, async (bodies, sizes) => {
      const bytes = frame(...bodies)
      const got = await decodeHex(rechunk(bytes, sizes))
      t.same(got.messages, bodies.map(toHex))
      t.equal(got.error, undefined)
    }),
    { numRuns: 200 },
  )
})

t.test('random limits fail at the same frame in every chunking', async (t) => {
  await fc.assert(
    fc.asyncProperty(bodiesArb, chunkSizesArb, fc.integer({ min: 0, max: 200 }), async (bodies, sizes, max) => {
      const bytes = frame(...bodies)
      const tooLarge = bodies.findIndex((b) => b.length > max)
      const want = (tooLarge < 0 ? bodies : bodies.slice(0, tooLarge)).map(toHex)
      for (const chunks of [[bytes], rechunk(bytes, sizes)]) {
        const got = await decodeHex(chunks, max)
        t.same(got.messages, want)
        if (tooLarge < 0) {
          t.equal(got.error, undefined)
        } else {
          t.equal(got.error?.code, 'FRAME_TOO_LARGE')
          t.match(got.error?.message ?? '', new RegExp(`frame ${tooLarge + 1} at byte `))
        }
      }
    }),
    { numRuns: 200 },
  )
})

// ---- frame size limit ------------------------------------------------------------------------

t.test('an oversized frame fails as soon as its header is known', async (t) => {
  const bytes = frame(Buffer.from('ok'), Buffer.alloc(1000, 1))
  // The second header starts at byte 6 and ends at byte 10; split it across chunks.
  for (const cut of [7, 8, 9, 10]) {
    const pulled = { count: 0 }
    const chunks = [bytes.subarray(0, cut), bytes.subarray(cut, 10), bytes.subarray(10, 20)]
    const got = await outcome(
      decodeLengthPrefixed(thenExplode(chunks.filter((c) => c.length > 0), pulled), { parse: toHex, maxFrameBytes: 100 }),
    )
    t.same(got.messages, ['6f6b'])
    t.equal(got.error?.code, 'FRAME_TOO_LARGE')
    t.equal(
      got.error?.message,
      'length-prefixed frame 2 at byte 6 declares 1000 bytes, more than the frame size limit of 100 bytes (maxFrameBytes)',
    )
    t.equal(pulled.count, cut === 10 ? 1 : 2, `cut at ${cut}: failed on the chunk completing the header`)
  }
})

t.test('a header of 4 GiB − 1 fails at the default limit without allocating', async (t) => {
  const pulled = { count: 0 }
  const got = await outcome(decodeLengthPrefixed(thenExplode([Buffer.from('ffffffff00', 'hex')], pulled), { parse: toHex }))
  t.equal(got.error?.code, 'FRAME_TOO_LARGE')
  t.match(got.error?.message ?? '', /frame 1 at byte 0 declares 4294967295 bytes, .* 67108864 bytes/)
  t.equal(pulled.count, 1)
})

t.test('a frame of exactly maxFrameBytes is accepted', async (t) => {
  const bytes = frame(Buffer.alloc(16, 1), Buffer.alloc(16, 2))
  for (const sizes of [[1000], [1], [5], [19]]) {
    const got = await decodeHex(rechunk(bytes, sizes), 16)
    t.equal(got.messages.length, 2)
    t.equal(got.error, undefined)
  }
})

// ---- end of input ------------------------------------------------------------------------------

t.test('input ending inside a header is FRAME_TRUNCATED with the missing byte count', async (t) => {
  const bytes = frame(Buffer.from('abc'))
  for (let keep = 1; keep <= 3; keep++) {
    const partial = Buffer.concat([bytes, Buffer.from([5, 0, 0, 0]).subarray(0, keep)])
    for (const chunks of [[partial], rechunk(partial, [1]), splitAt(partial, 8)]) {
      const got = await decodeHex(chunks)
      t.same(got.messages, ['616263'])
      t.equal(got.error?.code, 'FRAME_TRUNCATED')
      t.equal(
        got.error?.message,
        `length-prefixed input ended inside the header of frame 2 at byte 7: ${keep} of 4 header bytes, ${4 - keep} missing`,
      )
    }
  }
})

t.test('input ending inside a body is FRAME_TRUNCATED with the missing byte count', async (t) => {
  const bytes = frame(Buffer.from('abc'), Buffer.from('0123456789'))
  for (let cut = 11; cut < bytes.length; cut++) {
    const partial = bytes.subarray(0, cut)
    for (const chunks of [[partial], rechunk(partial, [1]), rechunk(partial, [9])]) {
      const got = await decodeHex(chunks)
      t.same(got.messages, ['616263'])
      t.equal(got.error?.code, 'FRAME_TRUNCATED')
      t.equal(
        got.error?.message,
        `length-prefixed input ended inside frame 2 at byte 7: ${cut - 11} of its 10 bytes, ${21 - cut} missing`,
      )
    }
  }
  t.same(await decodeHex([]), { messages: [], batches: 0 }, 'empty input is fine')
})

// ---- parse errors ------------------------------------------------------------------------------

t.test('a frame that does not parse is FRAME_INVALID naming its index and offset', async (t) => {
  const bytes = frame(Buffer.from('a'), Buffer.from('bb'), Buffer.from('bad'), Buffer.from('dddd'))
  const parse = (f: Uint8Array) => {
    const text = Buffer.from(f).toString()
    if (text === 'bad') throw new RangeError('index out of range: 3 + 10 > 3')
    return text
  }
  for (const chunks of [[bytes], rechunk(bytes, [1]), rechunk(bytes, [6, 5])]) {
    const got = await outcome(decodeLengthPrefixed(fromChunks(chunks), { parse }))
    t.same(got.messages, ['a', 'bb'])
    t.equal(got.error?.code, 'FRAME_INVALID')
    t.equal(
      got.error?.message,
      'length-prefixed frame 3 at byte 11 (3 bytes) does not parse: index out of range: 3 + 10 > 3',
    )
  }
  const frames = decodeLengthPrefixed(fromChunks([bytes]), { parse })
  t.same(await frames.next(), { done: false, value: ['a', 'bb'] })
  const error = await frames.next().then(
    () => undefined,
    (e: unknown) => e as FramingError,
  )
  t.type(error?.cause, RangeError, 'the parse error is the cause')
})

// ---- encoding ----------------------------------------------------------------------------------

async function* fromBatches<T>(batches: readonly (readonly T[])[]): AsyncGenerator<readonly T[]> {
  for (const batch of batches) yield batch
}

async function encodeAll(
  options: { chunkBytes?: number; maxFrameBytes?: number },
  batches: readonly (readonly Uint8Array[])[],
): Promise<{ chunks: Buffer[]; copies: Buffer[] }> {
  const chunks: Buffer[] = []
  const copies: Buffer[] = []
  for await (const chunk of encodeLengthPrefixed((m: Uint8Array) => m, options)(fromBatches(batches))) {
    chunks.push(chunk)
    copies.push(Buffer.from(chunk))
  }
  return { chunks, copies }
}

t.test('encodes frames into chunks of at most chunkBytes', async (t) => {
  const bodies = Array.from({ length: 500 }, (_, i) => Buffer.alloc(i % 37, i))
  const batches = [bodies.slice(0, 100), bodies.slice(100, 101), [], bodies.slice(101)]
  const { chunks, copies } = await encodeAll({ chunkBytes: 128 }, batches)
  t.same(Buffer.concat(chunks), frame(...bodies))
  t.same(chunks, copies, 'no yielded bytes were written again')
  t.ok(chunks.every((c) => c.length <= 128 && c.length > 0))
  // Each chunk holds whole frames.
  for (const chunk of chunks) t.equal((await decodeHex([chunk])).error, undefined)
})

t.test('a frame larger than a chunk gets a Buffer of its own', async (t) => {
  const big = Buffer.alloc(100, 9)
  const { chunks, copies } = await encodeAll({ chunkBytes: 32 }, [[Buffer.from('a'), big, Buffer.from('b'), big, big]])
  t.same(
    chunks.map((c) => c.length),
    [5, 104, 5, 104, 104],
  )
  t.same(Buffer.concat(chunks), frame(Buffer.from('a'), big, Buffer.from('b'), big, big))
  t.same(chunks, copies)
  const exact = await encodeAll({ chunkBytes: 32 }, [[Buffer.alloc(28), Buffer.alloc(28)]])
  t.same(
    exact.chunks.map((c) => c.length),
    [32, 32],
    'a frame that exactly fills a chunk stays in a chunk',
  )
})

t.test('flushes at the end of every batch without waiting for the next', async (t) => {
  let pulls = 0
  async function* source(): AsyncGenerator<readonly Uint8Array[]> {
    pulls++
    yield [Buffer.from('doc'), Buffer.from('checkpoint')]
    pulls++
    await new Promise(() => {}) // never yields again
  }
  const first = await encodeLengthPrefixed((m: Uint8Array) => m)(source()).next()
  t.equal(pulls, 1)
  t.same(first.value, frame(Buffer.from('doc'), Buffer.from('checkpoint')))
})

t.test('the encoder enforces maxFrameBytes', async (t) => {
  const chunks: Buffer[] = []
  let caught: unknown
  try {
    for await (const chunk of encodeLengthPrefixed((m: Uint8Array) => m, { maxFrameBytes: 8 })(
      fromBatches([[Buffer.alloc(8), Buffer.alloc(9)]]),
    )) {
      chunks.push(chunk)
    }
  } catch (error) {
    caught = error
  }
  t.same(Buffer.concat(chunks), frame(Buffer.alloc(8)), 'what came before is flushed')
  t.equal((caught as FramingError).code, 'FRAME_TOO_LARGE')
  t.match((caught as FramingError).message, /9-byte frame.*8 bytes/)
  t.throws(() => encodeLengthPrefixed((m: Uint8Array) => m, { chunkBytes: 1.5 }), { code: 'ARGUMENT_INVALID' })
})

t.test('round trip: encoder then decoder in random chunkings', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(fc.uint8Array({ maxLength: 120 }), { maxLength: 20 }), { maxLength: 6 }),
      fc.integer({ min: 16, max: 300 }),
      chunkSizesArb,
      async (batches, chunkBytes, sizes) => {
        const { chunks, copies } = await encodeAll({ chunkBytes }, batches)
        t.same(chunks, copies)
        t.ok(chunks.every((c) => c.length <= chunkBytes || c.length === c.readUInt32LE(0) + 4))
        const got = await decodeHex(rechunk(Buffer.concat(chunks), sizes))
        t.same(got.messages, batches.flat().map(toHex))
        t.equal(got.error, undefined)
      },
    ),
    { numRuns: 200 },
  )
})
