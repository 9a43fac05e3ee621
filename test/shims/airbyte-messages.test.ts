// Reading a source's stdout lines: RECORDs are scanned and keep their data as JSON text; other
// messages are parsed; what is not a message is undefined.
import t from 'tap'
import fc from 'fast-check'
import { parseMessage } from '../../lib/shims/airbyte/messages.ts'

t.test('a RECORD keeps its data as the exact text of the line, whatever the key order and spacing', async (t) => {
  const line = ' { "record" : { "emitted_at": 1.5, "data" : {"a": [1, 2.50, "\\ud83d\\ude00"], "b": {"c": null}} , "namespace":"n\\u0073", "stream" :"s"}, "type":"RECORD", "extra": [true] } '
  t.same(parseMessage(line), { type: 'RECORD', record: { stream: 's', namespace: 'ns', dataText: '{"a": [1, 2.50, "\\ud83d\\ude00"], "b": {"c": null}}' } })
})

t.test('lines that are not a well-formed RECORD', async (t) => {
  t.equal(parseMessage('{"type":"RECORD","record":{"stream":"s","data":{"a":1}}} trailing'), undefined, 'text after the object')
  t.equal(parseMessage('{"type":"RECORD","record":{"stream":"s","data":{"a":}}}'), undefined, 'bad grammar inside data')
  t.same(parseMessage('{"type":"RECORD","record":{"stream":"s","data":null}}'), { type: 'RECORD', record: { stream: 's', data: null } }, 'data that is not an object: parsed, for the reader to refuse')
  t.same(parseMessage('{"type":"LOG","log":{"level":"INFO","message":"a \\"RECORD\\" word"}}'), { type: 'LOG', log: { level: 'INFO', message: 'a "RECORD" word' } })
  t.equal(parseMessage('not json'), undefined)
  t.equal(parseMessage('[1,2]'), undefined)
  t.equal(parseMessage('{"no":"type"}'), undefined)
})

t.test('scanned data is the same JSON value as parsed data, for any record', async (t) => {
  const json = fc.jsonValue({ maxDepth: 3 })
  const data = fc.dictionary(fc.string(), json, { maxKeys: 5 })
  fc.assert(
    fc.property(data, fc.string(), fc.boolean(), (value, stream, typeFirst) => {
      const record = JSON.stringify({ stream, data: value, emitted_at: 0 })
      const line = typeFirst ? `{"type":"RECORD","record":${record}}` : `{"record":${record},"type":"RECORD"}`
      const message = parseMessage(line)
      t.same(JSON.parse(message?.record?.dataText ?? 'null'), JSON.parse(JSON.stringify(value)))
      t.equal(message?.record?.stream, stream)
    }),
    { numRuns: 200 },
  )
})
