import t from 'tap'
import fc from 'fast-check'
import { Buffer } from 'node:buffer'
import { ChunkWriter, HEADER_BYTES, NEWLINE_BYTES } from '../../lib/codec/chunk-writer.ts'
import { DEFAULT_CHUNK_BYTES, DEFAULT_MAX_FRAME_BYTES } from '../../lib/codec/limits.ts'
import { FramingError } from '../../lib/errors.ts'

const lengthPrefixed = (body: Uint8Array) => {
  const header = Buffer.alloc(HEADER_BYTES)
  header.writeUInt32LE(body.length)
  return Buffer.concat([header, body])
}

/** What a call throws, for checking its code and message. */
function thrown(fn: () => void): FramingError | undefined {
  try {
    fn()
  } catch (error) {
    if (error instanceof FramingError) return error
    throw error
  }
  return undefined
}

t.test('defaults and option checks', async (t) => {
  const writer = new ChunkWriter()
  t.equal(writer.chunkBytes, DEFAULT_CHUNK_BYTES)
  t.equal(writer.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES)
  t.equal(writer.held, 0)
  t.same(writer.take(), [], 'nothing written, nothing to take')
  t.throws(() => new ChunkWriter({ chunkBytes: 8 }), { code: 'ARGUMENT_INVALID', message: /chunkBytes/ })
  t.throws(() => new ChunkWriter({ maxFrameBytes: -1 }), { code: 'ARGUMENT_INVALID', message: /maxFrameBytes/ })
})

t.test('take hands over everything written, whole frames, and never the same bytes twice', async (t) => {
  const writer = new ChunkWriter({ chunkBytes: 32 })
  writer.writeLine('{"a":1}')
  writer.writeLine('"é"')
  t.equal(writer.held, 13)
  t.same(writer.takeFull(), [], 'no chunk is full yet')
  t.equal(writer.held, 13, 'takeFull left the current chunk')
  const first = writer.take()
  t.same(first.map(String), ['{"a":1}\n"é"\n'])
  t.equal(writer.held, 0)
  const copy = Buffer.from(first[0] as Buffer)
  writer.writeLine('[2]')
  const second = writer.take()
  t.same(second.map(String), ['[2]\n'], 'the next take starts after what was taken')
  t.equal(second[0]?.buffer, first[0]?.buffer, 'in the same chunk')
  t.same(first[0], copy, 'bytes handed over were not written again')
})

t.test('takeFull hands over only full chunks; fullChunks counts them', async (t) => {
  const writer = new ChunkWriter({ chunkBytes: 16 })
  const bodies = [Buffer.from('0123456789'), Buffer.from('abcdefghij'), Buffer.from('xyz')]
  writer.writeFrame(bodies[0] as Buffer) // 14 bytes: the chunk has 2 left
  t.equal(writer.fullChunks, 0)
  writer.writeFrame(bodies[1] as Buffer) // does not fit: the first chunk is full
  t.equal(writer.fullChunks, 1)
  writer.writeFrame(bodies[2] as Buffer) // 7 bytes: does not fit after the second frame
  t.equal(writer.fullChunks, 2)
  t.equal(writer.held, 14 + 14 + 7)
  const full = writer.takeFull()
  t.same(full, [lengthPrefixed(bodies[0] as Buffer), lengthPrefixed(bodies[1] as Buffer)])
  t.equal(writer.fullChunks, 0)
  t.equal(writer.held, 7)
  t.same(writer.take(), [lengthPrefixed(bodies[2] as Buffer)])
})

t.test('a frame larger than a chunk goes out alone in a Buffer of its own', async (t) => {
  for (const [name, write, frame] of [
    ['line', (w: ChunkWriter, s: string) => w.writeLine(s), (s: string) => Buffer.from(s + '\n')],
    ['frame', (w: ChunkWriter, s: string) => w.writeFrame(Buffer.from(s)), (s: string) => lengthPrefixed(Buffer.from(s))],
  ] as const) {
    const writer = new ChunkWriter({ chunkBytes: 16 })
    const big = 'é'.repeat(20)
    for (const text of ['a', big, 'b', big]) write(writer, text)
    const chunks = writer.take()
    t.same(chunks, ['a', big, 'b', big].map(frame), `${name}: each big frame alone`)
    t.ok(chunks.every((c, i) => (i % 2 === 1 ? c.length > 16 : c.length <= 16)), `${name}: small chunks within chunkBytes`)
  }
  const exact = new ChunkWriter({ chunkBytes: 16 })
  exact.writeLine('0123456789abcde') // 16 bytes with its newline
  exact.writeLine('x')
  t.same(exact.take().map(String), ['0123456789abcde\n', 'x\n'], 'a frame that exactly fills a chunk stays in one')
})

t.test('frames beyond maxFrameBytes fail, and what came before stays to take', async (t) => {
  const writer = new ChunkWriter({ chunkBytes: 64, maxFrameBytes: 4 })
  writer.writeLine('1234')
  writer.writeFrame(Buffer.from('abcd'))
  const line = thrown(() => writer.writeLine('12€'))
  t.equal(line?.code, 'FRAME_TOO_LARGE')
  t.equal(line?.message, 'cannot encode a 5-byte ndjson line: the frame size limit is 4 bytes (maxFrameBytes)')
  const frame = thrown(() => writer.writeFrame(Buffer.alloc(5)))
  t.equal(frame?.message, 'cannot encode a 5-byte frame: the frame size limit is 4 bytes (maxFrameBytes)')
  t.equal(writer.held, 5 + 8, 'nothing of the failed frames was written')
  t.same(Buffer.concat(writer.take()), Buffer.concat([Buffer.from('1234\n'), lengthPrefixed(Buffer.from('abcd'))]))
  const huge = new ChunkWriter({ maxFrameBytes: 10 })
  t.equal(thrown(() => huge.reserve(1 << 30, HEADER_BYTES))?.code, 'FRAME_TOO_LARGE', 'refused before allocating')
})

t.test('a frame written in place: reserve (or room), write into chunk, commit', async (t) => {
  const writer = new ChunkWriter({ chunkBytes: 16, maxFrameBytes: 6 })
  const line = (text: string, at: number) => writer.commit(at + writer.chunk.write(text + '\n', at), NEWLINE_BYTES)
  line('abc', writer.reserve(4, NEWLINE_BYTES))
  t.equal(writer.end, 4)
  t.equal(writer.room, 12)
  line('dé', writer.end) // written at end without reserving: the room was known to suffice
  t.equal(writer.end, 8)
  const error = thrown(() => line('jklmnop', writer.end)) // fits the room, but is 7 bytes
  t.equal(error?.code, 'FRAME_TOO_LARGE', 'commit checks the frame written')
  t.equal(writer.end, 8, 'the failed frame was dropped')
  t.equal(thrown(() => writer.reserve(8, NEWLINE_BYTES))?.code, 'FRAME_TOO_LARGE', 'reserve checks the size it is given')
  line('ghijkl', writer.reserve(7, NEWLINE_BYTES)) // fits the 8 bytes left: the same chunk
  t.equal(writer.fullChunks, 0)
  line('q', writer.reserve(2, NEWLINE_BYTES)) // 1 byte left: a new chunk
  t.equal(writer.fullChunks, 1)
  t.same(writer.take().map(String), ['abc\ndé\nghijkl\n', 'q\n'])
})

t.test('any sequence of lines and frames comes out whole and in order, in chunks within their size', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.uint8Array({ maxLength: 40 })), { maxLength: 60 }),
      fc.integer({ min: 16, max: 80 }),
      fc.array(fc.boolean(), { maxLength: 60 }),
      (messages, chunkBytes, takes) => {
        const writer = new ChunkWriter({ chunkBytes })
        const out: Buffer[] = []
        const copies: Buffer[] = []
        const hand = (chunks: Buffer[]) => {
          out.push(...chunks)
          copies.push(...chunks.map((c) => Buffer.from(c)))
        }
        messages.forEach((m, i) => {
          if (typeof m === 'string') writer.writeLine(m.replace(/\n/g, ' '))
          else writer.writeFrame(m)
          hand(takes[i] ? writer.take() : writer.takeFull())
        })
        hand(writer.take())
        const expected = messages.map((m) => (typeof m === 'string' ? Buffer.from(m.replace(/\n/g, ' ') + '\n') : lengthPrefixed(m)))
        if (!Buffer.concat(out).equals(Buffer.concat(expected))) throw new Error('bytes differ')
        if (!out.every((c, i) => c.equals(copies[i] as Buffer))) throw new Error('bytes handed over were written again')
        if (!out.every((c) => c.length > 0 && (c.length <= chunkBytes || expected.some((e) => e.equals(c))))) throw new Error('a chunk too large')
      },
    ),
    { numRuns: 300 },
  )
})
