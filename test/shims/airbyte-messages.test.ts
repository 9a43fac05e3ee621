// Reading a source's stdout lines: RECORDs are scanned and keep their data as the line's bytes;
// other messages are parsed; what is not a message is undefined.
import t from 'tap'
import fc from 'fast-check'
import { Buffer } from 'node:buffer'
import { parseMessage as parseBytes } from '../../lib/shims/airbyte/messages.ts'

const parseMessage = (line: string) => parseBytes(Buffer.from(line))
const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8'))

t.test('a RECORD keeps its data as the exact bytes of the line, whatever the key order and spacing', async (t) => {
  const line = ' { "record" : { "emitted_at": 1.5, "data" : {"a": [1, 2.50, "\\ud83d\\ude00", "é€😀"], "b": {"c": null}} , "namespace":"n\\u0073", "stream" :"s"}, "type":"RECORD", "extra": [true] } '
  const message = parseMessage(line)
  t.same({ ...message, record: { ...message?.record, dataBytes: text(message?.record?.dataBytes) } }, { type: 'RECORD', record: { stream: 's', namespace: 'ns', dataBytes: '{"a": [1, 2.50, "\\ud83d\\ude00", "é€😀"], "b": {"c": null}}' } })
})

t.test('lines that are not a well-formed RECORD', async (t) => {
  t.equal(parseMessage('{"type":"RECORD","record":{"stream":"s","data":{"a":1}}} trailing'), undefined, 'text after the object')
  t.equal(parseMessage('{"type":"RECORD","record":{"stream":"s","data":{"a":}}}'), undefined, 'bad grammar inside data')
  t.equal(parseMessage('{"type":"RECORD","record":{"stream":"s","data":{"a":"b\u0001"}}}'), undefined, 'a control character inside a string')
  t.equal(parseMessage('{"type":"RECORD","record":{"stream":"s","data":{"a":01}}}'), undefined, 'a number with a leading zero')
  t.equal(parseMessage('{"type":"RECORD","record":{"stream":"s","data":{"a":tru}}}'), undefined, 'a cut literal')
  t.equal(parseMessage('{"type":"RECORD","record":{"stream":"s","data":{"a":"\\x"}}}'), undefined, 'a bad escape')
  t.same(parseMessage('{"type":"RECORD","record":{"stream":"s","data":null}}'), { type: 'RECORD', record: { stream: 's', data: null } }, 'data that is not an object: parsed, for the reader to refuse')
  t.same(parseMessage('{"type":"LOG","log":{"level":"INFO","message":"a \\"RECORD\\" word"}}'), { type: 'LOG', log: { level: 'INFO', message: 'a "RECORD" word' } })
  t.equal(parseMessage('not json'), undefined)
  t.equal(parseMessage('[1,2]'), undefined)
  t.equal(parseMessage('{"no":"type"}'), undefined)
})

t.test('a line that is not UTF-8 is read as text with replacement characters', async (t) => {
  const line = Buffer.concat([Buffer.from('{"type":"RECORD","record":{"stream":"s","data":{"a":"x'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}}')])
  t.same(JSON.parse(text(parseBytes(line)?.record?.dataBytes) ?? 'null'), { a: 'x\ufffd\ufffd' })
})

t.test('scanned data is the same JSON value as parsed data, for any record', async (t) => {
  const json = fc.jsonValue({ maxDepth: 3 })
  const data = fc.dictionary(fc.string({ unit: 'binary' }), json, { maxKeys: 5 })
  fc.assert(
    fc.property(data, fc.string({ unit: 'grapheme' }), fc.boolean(), (value, stream, typeFirst) => {
      const record = JSON.stringify({ stream, data: value, emitted_at: 0 })
      const line = typeFirst ? `{"type":"RECORD","record":${record}}` : `{"record":${record},"type":"RECORD"}`
      const message = parseMessage(line)
      t.same(JSON.parse(text(message?.record?.dataBytes) ?? 'null'), JSON.parse(JSON.stringify(value)))
      t.equal(message?.record?.stream, stream)
    }),
    { numRuns: 200 },
  )
})

t.test('any change to a valid line is read as JSON.parse reads it: the same data, or no record', async (t) => {
  const base = '{"type":"RECORD","record":{"stream":"s","data":{"a":[1,-2.5e3,true,false,null,"x\\n\\u00e9"],"b":{}}}}'
  fc.assert(
    fc.property(fc.nat(base.length - 1), fc.constantFrom(...'{}[]",:0-.eE+ tfnul\\x9'), (at, c) => {
      const line = base.slice(0, at) + c + base.slice(at + 1)
      let expected: unknown
      try {
        const value = JSON.parse(line) as { type?: unknown; record?: { stream?: unknown; data?: unknown } }
        expected = typeof value.type !== 'string' ? undefined : value.type === 'RECORD' && typeof value.record?.stream === 'string' && typeof value.record.data === 'object' && value.record.data !== null && !Array.isArray(value.record.data) ? value.record.data : 'other'
      } catch {
        expected = undefined
      }
      const message = parseMessage(line)
      const got = message === undefined ? undefined : message.record?.dataBytes ? JSON.parse(text(message.record.dataBytes) ?? '') : 'other'
      t.same(got, expected, line)
    }),
    { numRuns: 2000 },
  )
})
