// The hand-written Captured encoders write exactly what the general encoders write.
import t from 'tap'
import fc from 'fast-check'
import { ResponseEncoder } from '../../lib/capture/encoder.ts'
import { captureResponse, type CaptureResponse } from '../../lib/protocol/index.ts'

const framed = (body: Uint8Array) => {
  const prefix = Buffer.alloc(4)
  prefix.writeUInt32LE(body.length)
  return Buffer.concat([prefix, body])
}
const general = {
  json: (m: CaptureResponse) => Buffer.from(captureResponse.toJson(m) + '\n'),
  proto: (m: CaptureResponse) => framed(captureResponse.toProto(m)),
}

const documentText = fc.object({ maxDepth: 3 }).map((o) => JSON.stringify(o))
const bindingCount = 300 // enough for two-byte varints

for (const codec of ['json', 'proto'] as const) {
  t.test(`${codec}: documents and checkpoints are byte-equal to the general encoder`, async (t) => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ binding: fc.integer({ min: 0, max: bindingCount - 1 }), json: documentText }),
            fc.record({ binding: fc.integer({ min: 0, max: bindingCount - 1 }), json: documentText, bytes: fc.constant(true) }),
            fc.record({ updated: fc.jsonValue({ maxDepth: 2 }), mergePatch: fc.boolean() }),
          ),
          { minLength: 1, maxLength: 40 },
        ),
        (events) => {
          const encoder = new ResponseEncoder(codec, bindingCount)
          const expected: Buffer[] = []
          for (const event of events) {
            if ('bytes' in event) {
              encoder.encode([{ type: 'document', binding: event.binding, doc: Buffer.from(event.json) }])
              expected.push(general[codec]({ captured: event.binding ? { binding: event.binding, docJson: event.json } : { docJson: event.json } }))
            } else if ('json' in event) {
              encoder.document(event.binding, event.json)
              expected.push(general[codec]({ captured: event.binding ? { binding: event.binding, docJson: event.json } : { docJson: event.json } }))
            } else {
              encoder.checkpoint(event)
              const updatedJson = JSON.stringify(event.updated)
              expected.push(general[codec]({ checkpoint: { state: event.mergePatch ? { updatedJson, mergePatch: true } : { updatedJson } } }))
            }
          }
          const actual = Buffer.concat(encoder.take())
          if (!actual.equals(Buffer.concat(expected))) throw new Error(`bytes differ for ${JSON.stringify(events).slice(0, 200)}`)
        },
      ),
      { numRuns: 300 },
    )
  })

  t.test(`${codec}: frames never straddle chunks; large documents get a chunk of their own`, async (t) => {
    const encoder = new ResponseEncoder(codec, 2)
    const docs = Array.from({ length: 400 }, (_, i) => JSON.stringify({ id: i, text: 'é'.repeat(i % 7 === 0 ? 70_000 : 300) }))
    docs.forEach((doc, i) => encoder.document(i % 2, doc))
    const chunks = encoder.take()
    t.ok(chunks.length > 10, `${chunks.length} chunks`)
    // Each chunk decodes on its own into whole frames.
    let frames = 0
    for (const chunk of chunks) {
      let inChunk = 0
      if (codec === 'json') {
        t.equal(chunk[chunk.length - 1], 0x0a, 'a chunk ends with a whole line')
        inChunk = chunk.toString().split('\n').length - 1
      } else {
        let p = 0
        for (; p < chunk.length; inChunk++) p += 4 + chunk.readUInt32LE(p)
        t.equal(p, chunk.length, 'a chunk ends with a whole frame')
      }
      t.ok(chunk.length <= 64 * 1024 || inChunk === 1, 'a chunk is within 64 KiB, or holds one frame alone')
      frames += inChunk
    }
    t.equal(frames, docs.length)
    t.same(encoder.docs, [200, 200])
    t.equal(encoder.pending, 400)
  })
}

t.test('a document for a binding out of range fails at emission, naming the binding', async (t) => {
  const encoder = new ResponseEncoder('json', 2)
  t.throws(() => encoder.document(2, '{}'), { name: 'ProtocolError', message: 'document for binding 2, but the capture has 2 bindings (0 to 1)' })
  t.throws(() => encoder.document(-1, '{}'), { message: /binding -1/ })
  t.throws(() => encoder.encode([{ type: 'sourcedSchema', binding: 5, schema: {} }]), { message: /sourcedSchema for binding 5/ })
})

t.test('a document must be a JSON object', async (t) => {
  const encoder = new ResponseEncoder('proto', 1)
  t.throws(() => encoder.document(0, '[1,2]'), { message: 'binding 0: a document must be a JSON object, got "[1,2]"' })
  t.throws(() => encoder.encode([{ type: 'document', binding: 0, doc: [1] }]), { message: /must be a JSON object/ })
  t.throws(() => encoder.document(0, '"text"'), { message: /must be a JSON object/ })
  for (const codec of ['json', 'proto'] as const) {
    const objects = new ResponseEncoder(codec, 1)
    const values: [unknown, string][] = [
      [undefined, 'undefined'],
      [() => 1, 'undefined'],
      [7, '"7"'],
      [null, '"null"'],
      [new Date(0), '"\\"1970-01-01T00:00:00.000Z\\""'],
      [{ toJSON: () => [1] }, '"[1]"'],
    ]
    for (const [doc, shown] of values) {
      t.throws(() => objects.encode([{ type: 'document', binding: 0, doc: doc as object }]), { message: `binding 0: a document must be a JSON object, got ${shown}` }, `${codec}: ${String(doc)}`)
    }
    objects.encode([{ type: 'document', binding: 0, doc: { toJSON: () => ({ a: 1 }) } }])
    t.equal(objects.pending, 1, `${codec}: a value whose toJSON gives an object is a document`)
  }
})

t.test('JSON text spanning lines is compacted so a frame stays one line', async (t) => {
  const encoder = new ResponseEncoder('json', 1)
  encoder.document(0, '{\n  "a": "x y",\n  "b": 1\n}')
  encoder.documentBytes(0, Buffer.from('{\r\n  "a": "é y",\n  "b": 1\n}'))
  t.equal(Buffer.concat(encoder.take()).toString(), '{"captured":{"doc":{"a":"x y","b":1}}}\n{"captured":{"doc":{"a":"é y","b":1}}}\n')
  const proto = new ResponseEncoder('proto', 1)
  proto.documentBytes(0, Buffer.from('{\n"a": 1}'))
  t.equal(captureResponse.fromProto(Buffer.concat(proto.take()).subarray(4)).captured?.docJson, '{\n"a": 1}', 'protobuf carries the bytes as they are')
})

t.test('byte documents: an object, or an error naming the binding; counted in bytes', async (t) => {
  const encoder = new ResponseEncoder('json', 2)
  t.throws(() => encoder.documentBytes(1, Buffer.from('[1,2]')), { code: 'PROTOCOL_VIOLATION', message: 'binding 1: a document must be a JSON object, got "[1,2]"' })
  t.throws(() => encoder.documentBytes(2, Buffer.from('{}')), { message: /document for binding 2/ })
  encoder.documentBytes(1, new Uint8Array(Buffer.from(' {"é":1} ')))
  t.same([encoder.docs, encoder.bytes, encoder.pending], [[0, 1], [0, 10], 1])
  t.equal(Buffer.concat(encoder.take()).toString(), '{"captured":{"binding":1,"doc": {"é":1} }}\n')
  const small = new ResponseEncoder('proto', 1, { maxFrameBytes: 100 })
  t.throws(() => small.documentBytes(0, Buffer.from(`{"a":"${'x'.repeat(200)}"}`)), { code: 'FRAME_TOO_LARGE', message: /^document for binding 0: / })
})

// ---- frame size limit and hand-over ------------------------------------------------------------

/** A Captured frame as the general encoder writes it, and its size as maxFrameBytes counts it. */
function capturedFrame(codec: 'json' | 'proto', binding: number, json: string): { frame: Buffer; size: number } {
  const frame = general[codec]({ captured: binding ? { binding, docJson: json } : { docJson: json } })
  return { frame, size: frame.length - (codec === 'json' ? 1 : 4) }
}

/** The error a call throws. */
function thrown(fn: () => void): { code?: string; message: string } {
  try {
    fn()
  } catch (error) {
    return error as { code?: string; message: string }
  }
  throw new Error('expected an error')
}

for (const codec of ['json', 'proto'] as const) {
  t.test(`${codec}: a document whose frame exceeds maxFrameBytes fails, naming the binding; the frames before it go out`, async (t) => {
    // Text lengths that take each way of writing: under the 3× bound in a chunk's room, or
    // measured first (the protobuf varints differ at the two bounds, or the bound does not fit).
    for (const units of [20, 60, 200, 3000, 70_000]) {
      const big = JSON.stringify({ text: 'é'.repeat(Math.max(0, units - 11)) })
      const small = '{"id":1}'
      const { size } = capturedFrame(codec, 1, big)
      const fits = new ResponseEncoder(codec, 2, { maxFrameBytes: size })
      fits.document(1, big)
      t.same(Buffer.concat(fits.take()), capturedFrame(codec, 1, big).frame, `${units} units: a frame at the limit is written`)

      const encoder = new ResponseEncoder(codec, 2, { maxFrameBytes: size - 1 })
      encoder.document(0, small)
      const error = thrown(() => encoder.encode([{ type: 'document', binding: 0, doc: { id: 2 } }, { type: 'document', binding: 1, doc: big }]))
      t.equal(error.code, 'FRAME_TOO_LARGE', `${units} units`)
      t.equal(
        error.message,
        `document for binding 1: cannot encode a ${size}-byte ${codec === 'json' ? 'ndjson line' : 'frame'}: the frame size limit is ${size - 1} bytes (maxFrameBytes)`,
      )
      t.same(Buffer.concat(encoder.take()), Buffer.concat([capturedFrame(codec, 0, small).frame, capturedFrame(codec, 0, '{"id":2}').frame]), 'the frames before it')
      t.same([encoder.docs, encoder.pending], [[2, 0], 2], 'the failed document is not counted')
      encoder.document(1, small)
      t.same(Buffer.concat(encoder.take()), capturedFrame(codec, 1, small).frame, 'the encoder goes on after it')
    }
  })

  t.test(`${codec}: other responses beyond maxFrameBytes fail, naming what they are`, async (t) => {
    const encoder = new ResponseEncoder(codec, 3, { maxFrameBytes: 80 })
    encoder.document(2, '{"a":1}')
    t.match(thrown(() => encoder.checkpoint({ updated: { cursor: 'x'.repeat(100) }, mergePatch: true })), {
      code: 'FRAME_TOO_LARGE',
      message: /^checkpoint: cannot encode a \d+-byte .*limit is 80 bytes/,
    })
    t.equal(encoder.checkpoints, 0, 'the failed checkpoint is not counted')
    t.equal(encoder.pending, 1, 'and the document is still pending')
    t.match(thrown(() => encoder.encode([{ type: 'sourcedSchema', binding: 2, schema: { description: 'y'.repeat(100) } }])), {
      code: 'FRAME_TOO_LARGE',
      message: /^sourcedSchema for binding 2: cannot encode/,
    })
    t.match(thrown(() => encoder.response({ sourcedSchema: { binding: 1, schemaJson: JSON.stringify({ z: 'z'.repeat(80) }) } })), {
      code: 'FRAME_TOO_LARGE',
      message: /^sourcedSchema response: cannot encode/,
    })
    encoder.checkpoint({ updated: { cursor: 1 }, mergePatch: true })
    t.same(
      Buffer.concat(encoder.take()),
      Buffer.concat([
        capturedFrame(codec, 2, '{"a":1}').frame,
        general[codec]({ checkpoint: { state: { updatedJson: '{"cursor":1}', mergePatch: true } } }),
      ]),
    )
    t.same([encoder.pending, encoder.checkpoints], [0, 1])
  })

  t.test(`${codec}: takeFull hands over full chunks only, take the rest; held counts what is not handed over`, async (t) => {
    const encoder = new ResponseEncoder(codec, 1, { chunkBytes: 1024 })
    const doc = JSON.stringify({ text: 'x'.repeat(90) }) // ~100-byte frames: ~10 to a chunk
    const batch = Array.from({ length: 25 }, () => ({ type: 'document' as const, binding: 0, doc }))
    const frame = capturedFrame(codec, 0, doc).frame
    const next = encoder.encodeFrom(batch, 0)
    t.ok(next > 5 && next < 25, `encodeFrom stops when a chunk is full (${next})`)
    t.equal(encoder.held, next * frame.length)
    const full = encoder.takeFull()
    t.equal(full.length, 1)
    t.equal(full[0]?.length, (next - 1) * frame.length, 'the full chunk holds the frames that fit it')
    t.ok((full[0]?.length ?? 0) <= 1024 && (full[0]?.length ?? 0) + frame.length > 1024)
    t.equal(encoder.held, frame.length, 'the frame that did not fit is held in the next chunk')
    t.same(encoder.takeFull(), [], 'nothing more is full')
    encoder.encode(batch.slice(next))
    const rest = encoder.take()
    t.equal(encoder.held, 0)
    t.same(Buffer.concat([...full, ...rest]), Buffer.concat(batch.map(() => frame)), 'every frame, in order')
    t.ok(rest.every((c) => c.length <= 1024))
  })
}

t.test('counters are read-only from outside', async (t) => {
  const encoder = new ResponseEncoder('json', 1)
  encoder.document(0, '{}')
  t.throws(() => {
    ;(encoder as unknown as { pending: number }).pending = 0
  }, TypeError)
  t.throws(() => {
    ;(encoder as unknown as { checkpoints: number }).checkpoints = 5
  }, TypeError)
  t.same([encoder.pending, encoder.checkpoints, encoder.docs, encoder.bytes], [1, 0, [1], [2]])
})

t.test('bad options are ArgumentErrors', async (t) => {
  t.throws(() => new ResponseEncoder('json', 1, { chunkBytes: 1 }), { code: 'ARGUMENT_INVALID' })
  t.throws(() => new ResponseEncoder('proto', 1, { maxFrameBytes: 1.5 }), { code: 'ARGUMENT_INVALID' })
})
