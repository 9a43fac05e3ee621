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
            fc.record({ updated: fc.jsonValue({ maxDepth: 2 }), mergePatch: fc.boolean() }),
          ),
          { minLength: 1, maxLength: 40 },
        ),
        (events) => {
          const encoder = new ResponseEncoder(codec, bindingCount)
          const expected: Buffer[] = []
          for (const event of events) {
            if ('json' in event) {
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
      if (codec === 'json') {
        t.equal(chunk[chunk.length - 1], 0x0a, 'a chunk ends with a whole line')
        frames += chunk.toString().split('\n').length - 1
      } else {
        for (let p = 0; p < chunk.length; frames++) p += 4 + chunk.readUInt32LE(p)
      }
      t.ok(chunk.length <= 64 * 1024 || frames > 0, 'chunk size')
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
  t.equal(Buffer.concat(encoder.take()).toString(), '{"captured":{"doc":{"a":"x y","b":1}}}\n')
})
