// Checks the hand-written wire helper against the worked examples of a capture session, and the golden vectors'
// own well-formedness (independent of the project's codecs).
import t from 'tap'
import { bytes, double, fixed32, fixed64, frame, fromHex, msg, packed, rawVarint, sub, toHex, varint } from './wire.ts'
import { inputVectors, vectors, worked } from './vectors.ts'
import type { GoldenVector, Kind, Protocol } from './vectors.ts'

// Top-level field numbers of every Request / Response variant (Flow's capture, materialize and derive protocols).
const VARIANTS: Record<Protocol, Record<Kind, Record<string, number>>> = {
  capture: {
    request: { spec: 1, discover: 2, validate: 3, apply: 4, open: 5, acknowledge: 6, $internal: 100 },
    response: {
      spec: 1, discovered: 2, validated: 3, applied: 4, opened: 5, captured: 6, checkpoint: 7,
      sourcedSchema: 8, backfillBegin: 9, backfillComplete: 10, $internal: 100,
    },
  },
  materialize: {
    request: {
      spec: 1, validate: 2, apply: 3, open: 4, load: 5, flush: 6, store: 7, startCommit: 8, acknowledge: 9, $internal: 100,
    },
    response: {
      spec: 1, validated: 2, applied: 3, opened: 4, loaded: 5, flushed: 6, startedCommit: 7, acknowledged: 8, $internal: 100,
    },
  },
  derive: {
    request: { spec: 1, validate: 2, open: 3, read: 4, flush: 5, startCommit: 6, reset: 7, $internal: 100 },
    response: { spec: 1, validated: 2, opened: 3, published: 4, flushed: 5, startedCommit: 6, $internal: 100 },
  },
}

/** Keys that occur twice in one JSON object of `text` (which must already be valid JSON). */
function duplicateKeys(text: string): string[] {
  const dups: string[] = []
  const stack: (Set<string> | null)[] = [] // null = array
  let expectKey = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') {
      let j = i + 1
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      const top = stack[stack.length - 1]
      if (top && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string
        if (top.has(key)) dups.push(key)
        top.add(key)
        expectKey = false
      }
      i = j
    } else if (c === '{') {
      stack.push(new Set())
      expectKey = true
    } else if (c === '[') {
      stack.push(null)
    } else if (c === '}' || c === ']') {
      stack.pop()
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] instanceof Set
    }
  }
  return dups
}

/** Splits a protobuf message into its top-level (field number, wire type, payload) triples. */
function topLevelFields(data: Uint8Array): { field: number; wireType: number; length: number }[] {
  const out: { field: number; wireType: number; length: number }[] = []
  let at = 0
  const readVarint = (): bigint => {
    let v = 0n
    for (let shift = 0n; ; shift += 7n) {
      const b = data[at++]
      if (b === undefined) throw new Error('truncated varint')
      v |= BigInt(b & 0x7f) << shift
      if (b < 0x80) return v
    }
  }
  while (at < data.length) {
    const tag = Number(readVarint())
    const field = tag >>> 3
    const wireType = tag & 7
    const start = at
    if (wireType === 0) readVarint()
    else if (wireType === 1) at += 8
    else if (wireType === 5) at += 4
    else if (wireType === 2) {
      const length = Number(readVarint())
      at += length
    }
    else throw new Error(`unexpected wire type ${wireType}`)
    if (at > data.length) throw new Error('truncated field')
    out.push({ field, wireType, length: at - start })
  }
  return out
}

t.test('wire helper primitives', async (t) => {
  t.equal(toHex(rawVarint(0)), '00')
  t.equal(toHex(rawVarint(1)), '01')
  t.equal(toHex(rawVarint(127)), '7f')
  t.equal(toHex(rawVarint(300)), 'ac02')
  t.equal(toHex(rawVarint(3032023)), 'd787b901')
  t.equal(toHex(rawVarint(-1)), 'ffffffffffffffffff01', 'negative = 64-bit two\'s complement')
  t.equal(toHex(rawVarint(18446744073709551615n)), 'ffffffffffffffffff01')
  t.equal(toHex(rawVarint(9007199254740993n)), '8180808080808010', '2^53 + 1 exactly')
  t.throws(() => rawVarint(2 ** 53 + 2), 'unsafe numbers must be bigints')
  t.equal(toHex(varint(1, true)), '0801')
  t.equal(toHex(varint(1, false)), '0800')
  t.equal(toHex(varint(100, 1)), 'a00601', 'field 100 takes a two-byte tag')
  t.equal(toHex(fixed32(3, 0xffffffff)), '1dffffffff')
  t.equal(toHex(fixed32(2, 0x80000000)), '1500000080')
  t.equal(toHex(fixed64(1, 0x0123456789abcdefn)), '09efcdab8967452301')
  t.equal(toHex(double(2, -0.5)), '11000000000000e0bf')
  t.equal(toHex(bytes(2, '{}')), '12027b7d')
  t.equal(toHex(bytes(1, 'é')), '0a02c3a9', 'strings are written as UTF-8')
  t.equal(toHex(bytes(1, Uint8Array.from([0, 255]))), '0a0200ff')
  t.equal(toHex(sub(5)), '2a00', 'empty sub-message = tag + length 0')
  t.equal(toHex(packed(4, [3, 2, 300])), '2204' + '0302ac02')
  t.equal(toHex(msg(varint(1, 1), bytes(2, 'a'))), '0801120161')
  t.equal(toHex(frame(Uint8Array.from([1, 2]))), '020000000102')
  t.same([...fromHex('0a 06\n08')], [10, 6, 8])
  t.throws(() => fromHex('abc'))
})

t.test('worked examples are reproduced by the wire helper', async (t) => {
  const built: Record<string, Uint8Array> = {
    spec: msg(sub(1, varint(1, 7), bytes(2, '{}'))),
    opened: msg(sub(5, varint(1, true))),
    captured: msg(sub(6, bytes(2, '{"a":1}'))),
    checkpoint: msg(sub(7, sub(1, bytes(1, '{}'), varint(2, true)))),
    acknowledge: msg(sub(6, varint(1, 1))),
  }
  t.equal(worked.length, 5)
  const expected = [
    ['spec', '08 00 00 00 0a 06 08 07 12 02 7b 7d'],
    ['opened', '04 00 00 00 2a 02 08 01'],
    ['captured', '0b 00 00 00 32 09 12 07 7b 22 61 22 3a 31 7d'],
    ['checkpoint', '0a 00 00 00 3a 08 0a 06 0a 02 7b 7d 10 01'],
    ['acknowledge', '04 00 00 00 32 02 08 01'],
  ] as const
  for (const [i, [key, printed]] of expected.entries()) {
    const example = worked[i]
    if (!example) throw new Error(`missing worked example ${i}`)
    const message = built[key]
    if (!message) throw new Error(`missing built example ${key}`)
    t.equal(example.printed, printed, `${example.name}: printed as in the doc`)
    t.equal(example.framed, printed.replace(/ /g, ''), `${example.name}: framed = printed without spaces`)
    t.equal(toHex(frame(message)), example.framed, `${example.name}: helper bytes match`)
    t.equal(
      new DataView(fromHex(example.framed).buffer).getUint32(0, true),
      fromHex(example.framed).length - 4,
      `${example.name}: prefix is the little-endian length`,
    )
    t.doesNotThrow(() => JSON.parse(example.json), `${example.name}: JSON parses`)
    t.same(Object.keys(JSON.parse(example.json) as object), [key], `${example.name}: JSON variant`)
  }
})

t.test('every variant has a golden vector', async (t) => {
  for (const protocol of ['capture', 'materialize', 'derive'] as const) {
    for (const kind of ['request', 'response'] as const) {
      for (const variant of Object.keys(VARIANTS[protocol][kind])) {
        if (variant === '$internal' && !(protocol === 'capture' && kind === 'request')) continue
        const name = `${protocol}.${kind === 'request' ? 'Request' : 'Response'}.${variant}`
        t.ok(vectors.some((v) => v.name === name), name)
      }
    }
  }
  const names = vectors.map((v) => v.name)
  t.equal(new Set(names).size, names.length, 'vector names are unique')
})

const checked: { readonly v: GoldenVector; readonly input?: string }[] = [
  ...vectors.map((v) => ({ v })),
  ...inputVectors.map((v) => ({ v, input: v.input })),
]
for (const { v, input } of checked) {
  t.test(`vector ${v.name}`, async (t) => {
    const lines: [string, string][] = [['json', v.json]]
    if (input !== undefined) lines.push(['input', input])
    for (const [label, line] of lines) {
      t.notMatch(line, /[\n\r]/, `${label} is a single line`)
      t.equal(line.trim(), line, `${label} has no surrounding whitespace`)
      let parsed: unknown
      t.doesNotThrow(() => { parsed = JSON.parse(line) }, `${label} is valid JSON`)
      t.type(parsed, 'object', `${label} is an object`)
      t.same(duplicateKeys(line), [], `${label} has no duplicate keys`)
    }

    const variant = v.name.split('.')[2]?.split(/[/<]/)[0] ?? ''
    const number = VARIANTS[v.protocol][v.kind][variant]
    t.ok(number, `known variant ${variant}`)
    t.same(Object.keys(JSON.parse(v.json) as object), [variant], 'the JSON sets exactly the named variant')

    t.match(v.proto, /^(?:[0-9a-f]{2})+$/, 'proto is lower-case hex without spaces')
    const fields = topLevelFields(fromHex(v.proto))
    t.same(fields.map((f) => [f.field, f.wireType]), [[number, 2]], 'proto sets exactly the named variant, length-delimited')
  })
}

t.test('duplicate-key detector works', async (t) => {
  t.same(duplicateKeys('{"a":1,"b":{"a":2},"c":["a","a"]}'), [])
  t.same(duplicateKeys('{"a":1,"b":{"x":"\\"","x":2}}'), ['x'])
  t.same(duplicateKeys('{"a":[{"k":1},{"k":2}],"a":0}'), ['a'])
})
