import t from 'tap'
import { Buffer } from 'node:buffer'
import { encodeFrame, encodeFrames, readFrames, type FrameCodec } from '../../lib/codec/frames.ts'
import { FramingError } from '../../lib/errors.ts'

/** Messages that are strings: JSON strings on a line, or their UTF-8 bytes in a frame. */
const strings: FrameCodec<string> = {
  fromJson: (text) => JSON.parse(text) as string,
  toJson: (message) => JSON.stringify(message),
  fromProto: (bytes) => Buffer.from(bytes).toString(),
  toProto: (message) => Buffer.from(message),
}

const lengthPrefixed = (body: Uint8Array) => {
  const header = Buffer.alloc(4)
  header.writeUInt32LE(body.length)
  return Buffer.concat([header, body])
}

t.test('encodeFrame: one message as one frame, alone in its Buffer', async (t) => {
  for (const message of ['', 'a', 'é€😀', 'x'.repeat(70_000)]) {
    const json = encodeFrame('json', strings, message)
    t.same(json, Buffer.from(JSON.stringify(message) + '\n'), `json: ${message.length} characters`)
    const proto = encodeFrame('proto', strings, message)
    t.same(proto, lengthPrefixed(Buffer.from(message)), `proto: ${message.length} characters`)
  }
  const a = encodeFrame('proto', strings, 'first')
  const b = encodeFrame('proto', strings, 'second')
  t.same([a, b], [lengthPrefixed(Buffer.from('first')), lengthPrefixed(Buffer.from('second'))], 'a second frame leaves the first alone')
})

t.test('encodeFrame enforces maxFrameBytes in both codecs, in bytes', async (t) => {
  // '"é"' is 4 bytes of JSON; 'é€' is 5 bytes of UTF-8.
  t.same(encodeFrame('json', strings, 'é', { maxFrameBytes: 4 }), Buffer.from('"é"\n'), 'json: a frame at the limit')
  t.throws(() => encodeFrame('json', strings, 'éé', { maxFrameBytes: 4 }), {
    name: 'FramingError',
    code: 'FRAME_TOO_LARGE',
    message: 'cannot encode a 6-byte ndjson line: the frame size limit is 4 bytes (maxFrameBytes)',
  })
  t.same(encodeFrame('proto', strings, 'é€', { maxFrameBytes: 5 }), lengthPrefixed(Buffer.from('é€')), 'proto: a frame at the limit')
  t.throws(() => encodeFrame('proto', strings, 'é€a', { maxFrameBytes: 5 }), {
    name: 'FramingError',
    code: 'FRAME_TOO_LARGE',
    message: 'cannot encode a 6-byte frame: the frame size limit is 5 bytes (maxFrameBytes)',
  })
  t.throws(() => encodeFrame('json', strings, 'a', { maxFrameBytes: -1 }), { code: 'ARGUMENT_INVALID' })
})

t.test('encodeFrames then readFrames: the same messages, and the frames before a too-large one', async (t) => {
  for (const codec of ['json', 'proto'] as const) {
    const chunks: Buffer[] = []
    let caught: unknown
    try {
      for await (const chunk of encodeFrames(codec, strings, { maxFrameBytes: 10 })([['a', 'é€'], ['b', 'x'.repeat(11), 'never']])) chunks.push(chunk)
    } catch (error) {
      caught = error
    }
    t.equal((caught as FramingError).code, 'FRAME_TOO_LARGE', `${codec}: the large message fails`)
    const reader = readFrames(chunks, codec, strings)
    const read: string[] = []
    for (let m = await reader.next(); m !== undefined; m = await reader.next()) read.push(m)
    t.same(read, ['a', 'é€', 'b'], `${codec}: the messages before it were written`)
    t.equal(reader.received, 3)
    t.equal(reader.last, 'b')
  }
})
