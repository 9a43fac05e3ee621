// Sample streams: entries read back as written however the file is cut into chunks; a truncated
// or corrupt file fails naming the offset.
import t from 'tap'
import fc from 'fast-check'
import { Buffer } from 'node:buffer'
import { encodeSampleEntry, encodeSampleHeader, readSampleStream, SAMPLE_FORMAT, SAMPLE_VERSION, type SampleEntry, type SampleHeader } from '../../lib/codec/sample-stream.ts'

const header: SampleHeader = {
  format: SAMPLE_FORMAT,
  version: SAMPLE_VERSION,
  capture: 'acmeCo/source',
  bindings: [{ collection: 'acmeCo/a', key: ['/id'], schema: { type: 'object' } }],
  recorded: { at: '2026-12-04T00:00:00Z' },
}

async function* chunksOf(bytes: Buffer, cuts: number[]): AsyncGenerator<Uint8Array> {
  let from = 0
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    yield bytes.subarray(from, cut)
    from = cut
  }
  yield bytes.subarray(from)
}

async function readAll(bytes: Buffer, cuts: number[] = []): Promise<{ header: SampleHeader; entries: SampleEntry[] }> {
  const { header, entries } = await readSampleStream(chunksOf(bytes, cuts))
  const all: SampleEntry[] = []
  for await (const batch of entries) all.push(...batch)
  return { header, entries: all }
}

const plain = (entries: readonly SampleEntry[]) =>
  entries.map((e) => (e.type === 'document' ? { ...e, doc: Buffer.from(e.doc).toString('latin1') } : e.type === 'checkpoint' ? { ...e, state: Buffer.from(e.state).toString('latin1') } : { ...e, schema: Buffer.from(e.schema).toString('latin1') }))

const entry: fc.Arbitrary<SampleEntry> = fc.oneof(
  fc.record({ type: fc.constant('document' as const), binding: fc.oneof(fc.nat(127), fc.nat(70_000), fc.constant(2 ** 32 - 1)), doc: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 65_536, maxLength: 70_000 })) }),
  fc.record({ type: fc.constant('checkpoint' as const), state: fc.uint8Array({ maxLength: 300 }), mergePatch: fc.boolean() }),
  fc.record({ type: fc.constant('sourcedSchema' as const), binding: fc.nat(300), schema: fc.uint8Array({ maxLength: 40 }) }),
)

t.test('entries come back as written, wherever the chunks are cut', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(entry, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), async (entries, cuts) => {
      const bytes = Buffer.concat([encodeSampleHeader(header), ...entries.map(encodeSampleEntry)])
      const read = await readAll(bytes, cuts)
      t.same(read.header, header)
      t.same(plain(read.entries), plain(entries))
    }),
    { numRuns: 150 },
  )
})

t.test('a truncated stream fails, naming the offset of the unfinished entry', async (t) => {
  const head = encodeSampleHeader(header)
  const doc = encodeSampleEntry({ type: 'document', binding: 0, doc: Buffer.from('{"id":1}') })
  const bytes = Buffer.concat([head, doc, doc])
  await t.rejects(readAll(bytes.subarray(0, bytes.length - 3)), { code: 'FRAME_TRUNCATED', message: `sample stream truncated at offset ${head.length + doc.length}: ${doc.length - 3} bytes of an unfinished entry` })
  await t.rejects(readAll(head.subarray(0, 5)), { code: 'FRAME_TRUNCATED', message: /truncated in its header/ })
  const read = await readAll(Buffer.concat([head, doc]))
  t.equal(read.entries.length, 1, 'whole entries before the end are read')
})

t.test('corrupt bytes fail, naming their offset', async (t) => {
  const head = encodeSampleHeader(header)
  const doc = encodeSampleEntry({ type: 'document', binding: 0, doc: Buffer.from('{}') })
  const bad = Buffer.concat([head, doc, Buffer.from([0x92, 0, 0])])
  await t.rejects(readAll(bad), { code: 'FRAME_INVALID', message: `sample stream corrupt at offset ${head.length + doc.length}: expected an entry (a 3-element array), found byte 0x92` })
  const badType = Buffer.concat([head, Buffer.from([0x93, 7, 0, 0xc4, 0])])
  await t.rejects(readAll(badType), { message: `sample stream corrupt at offset ${head.length + 1}: unknown entry type 7` })
  await t.rejects(readAll(Buffer.from('{"not":"msgpack"}')), { message: /not a sample stream/ })
  const otherFormat = Buffer.concat([encodeSampleHeader({ ...header, format: 'other' as typeof SAMPLE_FORMAT })])
  await t.rejects(readAll(otherFormat), { message: /its header's format is not flowkit-sample-stream/ })
})
