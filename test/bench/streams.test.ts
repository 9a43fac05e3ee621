import t from 'tap'
import { Buffer } from 'node:buffer'
import { decodeLengthPrefixed, decodeNdjson } from '../../lib/codec/index.ts'
import { chunked, encodeCaptured, encodeCheckpoint, fromArray, sampleStream } from '../../bench/streams.ts'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

t.test('the hand-written protobuf encoder matches the protocol worked examples', async (t) => {
  // the worked examples of a minimal capture session, without the 4-byte length prefix.
  t.equal(hex(encodeCaptured(0, Buffer.from('{"a":1}'))), '320912077b2261223a317d')
  t.equal(hex(encodeCheckpoint(Buffer.from('{}'), true)), '3a080a060a027b7d1001')
  t.equal(hex(encodeCaptured(3, Buffer.from('{}'))), '32060803' + '12027b7d')
  // A document of 200 bytes needs a two-byte varint length.
  const big = encodeCaptured(1, Buffer.alloc(200, 0x20))
  t.equal(hex(big.subarray(0, 8)), '32cd01' + '0801' + '12c801')
  t.equal(big.length, 3 + 2 + 3 + 200)
})

t.test('sample streams are deterministic and hold the same messages in both codecs', async (t) => {
  const options = { docBytes: 440, totalBytes: 200_000, checkpointEvery: 50 }
  const a = sampleStream('a', options)
  const b = sampleStream('b', options)
  t.ok(a.ndjson.equals(b.ndjson))
  t.ok(a.lengthPrefixed.equals(b.lengthPrefixed))
  t.equal(a.frames, a.documents + a.batches.length)
  t.ok(Math.abs(a.ndjson.length / a.frames - 440) < 60, 'documents are about 440 bytes')

  const lines: string[] = []
  for await (const batch of decodeNdjson(fromArray(chunked(a.ndjson, 4093)), { parse: (l) => l })) lines.push(...batch)
  t.same(lines, a.batches.flatMap((batch) => batch.json))
  const frames: string[] = []
  for await (const batch of decodeLengthPrefixed(fromArray(chunked(a.lengthPrefixed, 4093)), { parse: hex })) {
    frames.push(...batch)
  }
  t.same(frames, a.batches.flatMap((batch) => batch.proto.map(hex)))
  t.match(lines[0], /^\{"captured":\{"doc":\{"id":0,/)
  t.match(lines[1], /^\{"captured":\{"binding":1,"doc":\{"id":1,/)
  t.match(lines[50], /^\{"checkpoint":\{"state":\{"updated":\{"cursor":\{"documents":50,.*\}\},"mergePatch":true\}\}\}$/)
})

t.test('large documents are about 64 KiB', async (t) => {
  const s = sampleStream('big', { docBytes: 65536, totalBytes: 1 << 20, checkpointEvery: 4, nonAscii: true })
  for (const line of s.batches.flatMap((b) => b.json).filter((l) => l.startsWith('{"captured"'))) {
    const doc = JSON.parse(line) as { captured: { doc: unknown } }
    const bytes = Buffer.byteLength(JSON.stringify(doc.captured.doc))
    t.ok(bytes > 60_000 && bytes < 71_000, `${bytes} bytes`)
  }
})
