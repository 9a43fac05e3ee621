// The byte cursor accepts exactly the JSON that JSON.parse accepts, and reads members and strings from bytes.
import t from 'tap'
import fc from 'fast-check'
import { Buffer } from 'node:buffer'
import { ByteCursor, END, keyNames, parseJsonBytes } from '../../lib/json/byte-cursor.ts'

/** What the cursor makes of a whole text: the span of its one value, or the error. */
function skipWhole(text: string): { span: string } | { error: unknown } {
  const bytes = Buffer.from(text)
  const cursor = new ByteCursor().reset(bytes)
  try {
    const start = cursor.skipValue()
    const span = bytes.toString('utf8', start, cursor.pos)
    cursor.end()
    return { span }
  } catch (error) {
    return { error }
  }
}

function parses(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

t.test('any JSON value is skipped whole, with any spacing', async (t) => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.constantFrom(undefined, 1, '\t'), (value, space) => {
      const text = ` ${JSON.stringify(value, null, space)}\r\n`
      const result = skipWhole(text)
      t.ok('span' in result && JSON.stringify(JSON.parse(result.span)) === JSON.stringify(value))
    }),
    { numRuns: 500 },
  )
})

t.test('a changed byte is accepted exactly when JSON.parse accepts the text', async (t) => {
  const sample = '{"a":[1,-2.5e+3,0.5E-1,true,false,null,"x\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9é"],"b":{"c":{}},"d":[]}'
  fc.assert(
    fc.property(fc.nat(sample.length - 1), fc.constantFrom(...'{}[]",:0123456789-+.eE tfnulr\\/x\u0001\u001f'), fc.boolean(), (at, c, remove) => {
      const text = sample.slice(0, at) + (remove ? '' : c) + sample.slice(at + 1)
      const result = skipWhole(text)
      if (parses(text)) t.ok('span' in result, text)
      else t.match(result, { error: { code: 'MESSAGE_INVALID', message: /^expected .* at offset \d+, found / } }, text)
    }),
    { numRuns: 3000 },
  )
})

t.test('errors name the offset and what was expected', async (t) => {
  t.match(skipWhole('{"a":1,}'), { error: { message: 'expected a string at offset 7, found "}"' } })
  t.match(skipWhole('[1 2]'), { error: { message: "expected ',' or ']' at offset 3, found \"2]\"" } })
  t.match(skipWhole('{"a":"b'), { error: { message: 'expected the closing quote of a string at offset 7, found the end of the text' } })
  t.match(skipWhole('"\\u12x4"'), { error: { message: /four hex digits/ } })
  t.match(skipWhole('1 2'), { error: { message: 'expected the end of the text at offset 2, found "2"' } })
})

t.test('nesting far deeper than the call stack', async (t) => {
  const depth = 200_000
  const result = skipWhole('['.repeat(depth) + '{"a":[]}' + ']'.repeat(depth))
  t.ok('span' in result)
  t.match(skipWhole('['.repeat(depth) + ']'.repeat(depth - 1)), { error: { message: /expected ',' or '\]'/ } })
})

t.test('members match key names as bytes, escaped keys too; strings decode escapes and UTF-8', async (t) => {
  const names = keyNames('type', 'data', 'é')
  const line = Buffer.from('{"t\\u0079pe":"RE\\u0043ORD","other":[1],"data":{"x":"é"},"é":"ü","type":"again"}')
  const cursor = new ByteCursor().reset(line)
  const seen: [number, unknown][] = []
  cursor.openObject()
  for (let key = cursor.member(names); key !== END; key = cursor.member(names)) {
    if (key === 1) {
      const start = cursor.skipValue()
      seen.push([key, parseJsonBytes(line.subarray(start, cursor.pos))])
    } else if (key >= 0) seen.push([key, cursor.string()])
    else seen.push([key, cursor.skipValue()])
  }
  cursor.end()
  t.same(seen, [[0, 'RECORD'], [-1, 35], [1, { x: 'é' }], [2, 'ü'], [0, 'again']])
})

t.test('an object read member by member: empty, or with a stray comma or a missing one', async (t) => {
  const read = (text: string) => {
    const cursor = new ByteCursor().reset(Buffer.from(text))
    cursor.openObject()
    const keys: number[] = []
    for (let key = cursor.member(keyNames('a')); key !== END; key = cursor.member(keyNames('a'))) keys.push(key, cursor.skipValue())
    cursor.end()
    return keys
  }
  t.same(read(' { } '), [])
  t.same(read('{"a":1,"b":{"a":2}}'), [0, 5, -1, 11])
  t.throws(() => read('{"a":1,}'), { message: 'expected a string at offset 7, found "}"' })
  t.throws(() => read('{"a":1 "b":2}'), { message: "expected ',' or '}' at offset 7, found \"\\\"b\\\":2}\"" })
  t.throws(() => read('[]'), { message: /expected an object at offset 0/ })
})

t.test('repeated strings come from memory, and are still the right ones', async (t) => {
  const cursor = new ByteCursor()
  const names = ['orders', 'refunds', 'órdenes', 'orderz']
  for (let i = 0; i < 100; i++) {
    const name = names[i % names.length] as string
    cursor.reset(Buffer.from(JSON.stringify(name)))
    t.equal(cursor.string(), name)
  }
  for (let i = 0; i < 40; i++) t.equal(cursor.reset(Buffer.from(`"s${i}"`)).string(), `s${i}`, 'more names than it remembers')
})

t.test('a region of a larger buffer: the cursor stops at its end', async (t) => {
  const bytes = Buffer.from('xx{"a":"b"}yy')
  const cursor = new ByteCursor().reset(bytes, 2, 11)
  t.equal(cursor.skipValue(), 2)
  t.equal(cursor.pos, 11)
  cursor.end()
  t.throws(() => new ByteCursor().reset(Buffer.from('{"a":"bcd"}'), 0, 7).skipValue(), { message: /closing quote/ })
})
