import t from 'tap'
import { Buffer } from 'node:buffer'
import { asBuffer } from '../../lib/codec/chunks.ts'
import { messageOf } from '../../lib/errors.ts'

t.test('asBuffer views a Uint8Array without copying', async (t) => {
  const bytes = new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 4)
  const view = asBuffer(bytes)
  t.ok(Buffer.isBuffer(view))
  t.equal(view.buffer, bytes.buffer)
  t.equal(view.byteOffset, 1)
  t.same([...view], [2, 3, 4])
  const buffer = Buffer.from('abc')
  t.equal(asBuffer(buffer), buffer, 'a Buffer is returned as is')
})

t.test('asBuffer rejects what is not bytes', async (t) => {
  t.throws(() => asBuffer('text' as unknown as Uint8Array), { name: 'ArgumentError', code: 'ARGUMENT_INVALID', message: /got string/ })
  t.throws(() => asBuffer(null as unknown as Uint8Array), { message: /got null/ })
  t.throws(() => asBuffer(new Uint16Array(2) as unknown as Uint8Array), { message: /got Uint16Array/ })
  t.throws(() => asBuffer(Object.create(null) as Uint8Array), { message: /got object/ })
})

// messageOf lives in lib/errors.ts now; the codecs use it for the messages of parse errors.
t.test('messageOf', async (t) => {
  t.equal(messageOf(new Error('boom')), 'boom')
  t.equal(messageOf('plain'), 'plain')
  t.equal(messageOf(42), '42')
})
