// Byte lines: the same lines wherever the input is split; views of the input where a line lies in one chunk.
import t from 'tap'
import fc from 'fast-check'
import { Buffer } from 'node:buffer'
import { splitLines } from '../../lib/codec/lines.ts'

async function lines(chunks: Uint8Array[], maxLineBytes?: number): Promise<string[]> {
  const out: string[] = []
  for await (const batch of splitLines(chunks, { maxLineBytes })) for (const line of batch) out.push(line.toString('utf8'))
  return out
}

/** `text` cut at the given offsets (of its UTF-8 bytes). */
function cut(text: string, at: number[]): Buffer[] {
  const bytes = Buffer.from(text)
  const points = [...new Set(at.map((a) => a % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let from = 0
  for (const p of points) {
    out.push(bytes.subarray(from, p))
    from = p
  }
  out.push(bytes.subarray(from))
  return out
}

t.test('lines, less \\r\\n endings and blank lines, the same however the bytes are cut', async (t) => {
  const text = 'a\r\n\n  \r\n{"é":"x"}\r\nlast without newline'
  t.same(await lines([Buffer.from(text)]), ['a', '{"é":"x"}', 'last without newline'])
  await fc.assert(
    fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), async (parts, at) => {
      const text = parts.join('\n')
      const expected = parts.flatMap((part) => part.split('\n')).map((line) => line.replace(/\r$/, '')).filter((line) => !/^[ \t\r]*$/.test(line))
      t.same(await lines(cut(text, at)), expected)
    }),
    { numRuns: 300 },
  )
})

t.test('a line in one chunk is a view of it, not a copy', async (t) => {
  const chunk = Buffer.from('abc\ndef\n')
  for await (const batch of splitLines([chunk])) {
    t.equal(batch[0]?.buffer, chunk.buffer)
    t.equal(batch[0]?.byteOffset, chunk.byteOffset)
  }
})

t.test('a line longer than the limit fails before it is held whole, naming the line and the limit', async (t) => {
  await t.rejects(lines([Buffer.from('ok\n'), Buffer.from('x'.repeat(6)), Buffer.from('x'.repeat(6))], 10), { code: 'FRAME_TOO_LARGE', message: 'line 2 is longer than the limit of 10 bytes' })
  t.same(await lines([Buffer.from('0123456789\n')], 10), ['0123456789'], 'a line of exactly the limit')
  const seen: string[] = []
  await t.rejects(async () => {
    for await (const batch of splitLines([Buffer.from('ok\n' + 'y'.repeat(20) + '\n')], { maxLineBytes: 10 })) seen.push(...batch.map(String))
  }, { code: 'FRAME_TOO_LARGE' })
  t.same(seen, ['ok'], 'the lines before the long one come out first')
})
