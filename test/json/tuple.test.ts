// FoundationDB tuples: byte vectors worked out by hand from the tuple layer's specification,
// round trips and the ordering property over generated values, and fuzzing of the unpacker
// (any bytes end in values or a TupleError, never another exception).
import t from 'tap'
import type { Test } from 'tap'
import assert from 'node:assert'
import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import { packTuple, TupleUuid, unpackTuple, unpackTupleAsJson, type TupleValue } from '../../lib/json/tuple.ts'
import { compareStrings } from '../../lib/json/compare.ts'
import { ArgumentError } from '../../lib/errors.ts'
import { mutatedTupleBytes, randomTupleBytes, tupleValue, unpacksOrRefuses } from '../fuzz/tuples.ts'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const bytesOf = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
const utf8 = (text: string) => new TextEncoder().encode(text)

/** Packs `values`, checks the bytes, and checks they unpack to `expected` (the values by default). */
function vector(t: Test, values: TupleValue[], bytes: string, expected: TupleValue[] = values) {
  t.equal(hex(packTuple(values)), bytes.replace(/\s+/g, ''), `pack ${describe(values)}`)
  assert.deepStrictEqual(unpackTuple(bytesOf(bytes)), expected)
}

function describe(values: unknown): string {
  return JSON.stringify(values, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `bytes:${hex(v)}` : Object.is(v, -0) ? '-0' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))
}

t.test('null, booleans and integers', async (t) => {
  vector(t, [null], '00')
  vector(t, [false, true], '26 27')
  vector(t, [0], '14')
  vector(t, [1], '15 01')
  vector(t, [255], '15 ff')
  vector(t, [256], '16 0100')
  vector(t, [-1], '13 fe')
  vector(t, [-255], '13 00')
  vector(t, [-256], '12 feff')
  vector(t, [-5551212], '11 ab4b93') // The specification's own case.
  vector(t, [Number.MAX_SAFE_INTEGER], '1b 1fffffffffffff')
  vector(t, [Number.MIN_SAFE_INTEGER], '0d e0000000000000')
})

t.test('integers outside the safe range are bigints; 9 bytes and more use 0x1d and 0x0b', async (t) => {
  vector(t, [2n ** 53n], '1b 20000000000000')
  vector(t, [2n ** 64n - 1n], '1c ffffffffffffffff')
  vector(t, [-(2n ** 64n) + 1n], '0c 0000000000000000')
  vector(t, [2n ** 64n], '1d 09 010000000000000000')
  vector(t, [-(2n ** 64n)], '0b f6 feffffffffffffffff')
  vector(t, [2n ** 72n + 5n], '1d 0a 01000000000000000005')
  // A safe bigint packs as its number, and unpacks as one.
  vector(t, [5n], '15 05', [5])
  // An integral number past 2^53 packs as an integer while Flow's integer range holds it.
  vector(t, [2 ** 60], '1c 1000000000000000', [2n ** 60n])
  vector(t, [-(2 ** 63)], '0c 7fffffffffffffff', [-(2n ** 63n)])
})

t.test('doubles: the sign-flip transform, -0, infinities and NaN', async (t) => {
  vector(t, [1.5], '21 bff8000000000000')
  vector(t, [-1.5], '21 4007ffffffffffff')
  vector(t, [-0], '21 7fffffffffffffff')
  vector(t, [Infinity], '21 fff0000000000000')
  vector(t, [-Infinity], '21 000fffffffffffff')
  vector(t, [1e20], '21 c415af1d78b58c40', [1e20]) // integral, but past 2^64: a double, as in Flow
  vector(t, [NaN], '21 fff8000000000000')
  // A negative NaN (sign set: all bits flipped) and a NaN with another payload read as NaN.
  assert.deepStrictEqual(unpackTuple(bytesOf('21 0007ffffffffffff')), [NaN])
  assert.deepStrictEqual(unpackTuple(bytesOf('21 fff0000000000001')), [NaN])
  // 32-bit floats are read (the specification's case is -42).
  assert.deepStrictEqual(unpackTuple(bytesOf('20 3dd7ffff')), [-42])
})

t.test('strings and byte strings escape 0x00 as 0x00 0xff', async (t) => {
  vector(t, ['a\0b'], '02 61 00ff 62 00')
  vector(t, [''], '02 00')
  vector(t, ['F\u00d4O\u0000bar'], '02 46 c394 4f 00ff 626172 00') // The specification's case.
  vector(t, ['😀'], '02 f09f9880 00')
  vector(t, ['\ufeffx'], '02 efbbbf 78 00') // A leading byte order mark is kept.
  vector(t, [utf8('foo\0bar')], '01 666f6f 00ff 626172 00')
  vector(t, [new Uint8Array([0, 0])], '01 00ff00ff 00')
})

t.test('nested tuples: 0x05 … 0x00, a null inside is 0x00 0xff', async (t) => {
  vector(t, [[]], '05 00')
  vector(t, [[null]], '05 00ff 00')
  vector(t, [[utf8('foo\0bar'), null, []]], '05 01666f6f00ff62617200 00ff 0500 00') // The specification's case.
  vector(t, [null, [1, [null, 'x']], null], '00 05 1501 05 00ff 027800 00 00 00')
})

t.test('UUIDs are a distinct type with canonical text', async (t) => {
  const uuid = TupleUuid.parse('123E4567-e89b-12d3-a456-426614174000')
  t.equal(uuid.toString(), '123e4567-e89b-12d3-a456-426614174000')
  t.equal(JSON.stringify({ uuid }), '{"uuid":"123e4567-e89b-12d3-a456-426614174000"}')
  vector(t, [uuid], '30 123e4567e89b12d3a456426614174000')
  t.throws(() => TupleUuid.parse('123e4567e89b12d3a456426614174000'), ArgumentError)
  t.throws(() => new TupleUuid(new Uint8Array(15)), ArgumentError)
})

t.test('packing refuses what is not a tuple value, naming the element', async (t) => {
  const refused: [unknown[], RegExp][] = [
    [[undefined], /element \[0\]: undefined/],
    [[1, [{ a: 1 }]], /element \[1\]\[0\]: an object/],
    [['\ud800'], /lone surrogate/],
    [[2n ** 2048n], /longer than 255/],
  ]
  for (const [values, message] of refused) t.throws(() => packTuple(values as TupleValue[]), { name: 'ArgumentError', code: 'ARGUMENT_INVALID', message })
})

t.test('bad bytes are a TupleError naming the offset and the problem', async (t) => {
  const cases: [string, number, RegExp][] = [
    ['1501 99', 2, /unknown type code 0x99/],
    ['1501 03', 2, /unknown type code 0x03/], // the deprecated nested form
    ['16 01', 0, /truncated integer: it needs 2 bytes after its type code, and 1 remain/],
    ['1d', 0, /truncated integer: its length byte is missing/],
    ['1d 09 0102', 0, /truncated integer/],
    ['21 0000', 0, /truncated double/],
    ['30 00', 0, /truncated UUID/],
    ['02 6162', 0, /unterminated string/],
    ['15 01 01 6100ff', 2, /unterminated byte string/],
    ['02 c328 00', 0, /not valid UTF-8/],
    ['02 eda080 00', 0, /not valid UTF-8/], // an encoded surrogate
    ['05 1501', 0, /nested tuple that starts here has no terminating 0x00/],
    ['05 05 00', 0, /nested tuple/],
    ['00 ff', 1, /unknown type code 0xff/], // outside a nested tuple 0x00 is a null of its own
  ]
  for (const [bytes, offset, problem] of cases) {
    t.throws(() => unpackTuple(bytesOf(bytes)), { name: 'TupleError', code: 'TUPLE_INVALID', offset, message: problem }, bytes)
  }
  t.throws(() => unpackTuple(bytesOf('16 01')), { message: 'invalid tuple at byte offset 0: truncated integer: it needs 2 bytes after its type code, and 1 remain' })
})

t.test('unpackTupleAsJson gives a key as JSON values', async (t) => {
  // How Flow packs a key of ["a", 3, 1.5, true, null, {"x":[1]}, [2]]: objects and arrays as their JSON text.
  const packed = packTuple(['a', 3, 1.5, true, null, utf8('{"x":[1]}'), utf8('[2]')])
  t.same(unpackTupleAsJson(packed), ['a', 3, 1.5, true, null, { x: [1] }, [2]])
  t.same(unpackTupleAsJson(packTuple([2n ** 64n, -(2n ** 63n), 2n ** 53n + 1n])), [18446744073709551616, -9223372036854775808, 9007199254740992])
  t.same(unpackTupleAsJson(packTuple([TupleUuid.parse('123e4567-e89b-12d3-a456-426614174000'), [1, null]])), ['123e4567-e89b-12d3-a456-426614174000', [1, null]])
  t.same(unpackTupleAsJson(packTuple([new Uint8Array([0, 1, 2]), utf8('[not json')])), ['AAEC', Buffer.from('[not json').toString('base64')])
  t.ok(Object.is(unpackTupleAsJson(packTuple([-0]))[0], -0))
  t.throws(() => unpackTupleAsJson(packTuple([1, NaN])), { name: 'TupleError', offset: 2, message: /the number NaN has no JSON form/ })
  t.throws(() => unpackTupleAsJson(packTuple([Infinity])), { name: 'TupleError', offset: 0 })
})

t.test('a Buffer (a view into a shared pool) unpacks like any Uint8Array, and is not changed', async (t) => {
  const packed = packTuple([1.5, -2.25, TupleUuid.parse('00000000-0000-0000-0000-000000000001'), utf8('x')])
  Buffer.from([1]) // small Buffers are cut from a shared pool: the next one starts past this
  const pooled = Buffer.from(packed)
  t.ok(pooled.byteOffset > 0, 'the Buffer starts inside its ArrayBuffer')
  const before = hex(pooled)
  const values = unpackTuple(pooled)
  assert.deepStrictEqual(values, unpackTuple(packed))
  t.equal(hex(pooled), before)
  t.equal(Object.getPrototypeOf(values[3]), Uint8Array.prototype)
})

// --- Generated values (tupleValue: test/fuzz/tuples.ts) ---

/** What unpacking gives for a packed value: integers as numbers when safe, bigints otherwise. */
function normalized(value: TupleValue): TupleValue {
  if (Array.isArray(value)) return value.map(normalized)
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value) && value >= -(2 ** 63) && value < 2 ** 64) return BigInt(value)
  return value
}

t.test('round trip: unpack(pack(values)) is the values', async () => {
  fc.assert(
    fc.property(fc.array(tupleValue, { maxLength: 6 }), (values) => {
      assert.deepStrictEqual(unpackTuple(packTuple(values)), values.map(normalized))
    }),
    { numRuns: 2000 },
  )
})

/** Byte order: negative, zero or positive as `a` sorts before, with or after `b`. */
const byteOrder = (a: Uint8Array, b: Uint8Array) => Math.sign(Buffer.compare(a, b))

t.test('ordering: packed bytes sort as the integers do', async () => {
  const integer = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }))
  fc.assert(
    fc.property(integer, integer, (a, b) => {
      const expected = BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0
      assert.equal(byteOrder(packTuple([a]), packTuple([b])), expected)
    }),
    { numRuns: 3000 },
  )
})

t.test('ordering: packed bytes sort as the strings do, by code point', async () => {
  const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('\0', 'a', '\uffff', '😀', '\u00e9') }))
  fc.assert(
    fc.property(text, text, (a, b) => {
      assert.equal(byteOrder(packTuple([a]), packTuple([b])), Math.sign(compareStrings(a, b)))
    }),
    { numRuns: 3000 },
  )
})

t.test('ordering: tuples of a string and an integer sort element by element', async () => {
  const element = fc.tuple(fc.string({ unit: fc.constantFrom('\0', 'a', 'b') }), fc.integer({ min: -300, max: 300 }))
  fc.assert(
    fc.property(element, element, ([s1, n1], [s2, n2]) => {
      const expected = Math.sign(compareStrings(s1, s2)) || Math.sign(n1 - n2)
      assert.equal(byteOrder(packTuple([s1, n1]), packTuple([s2, n2])), expected)
    }),
  )
})

t.test('ordering: packed doubles sort as the numbers do, -0 before 0', async () => {
  // Numbers that pack as doubles: all but the integral ones in [-2^63, 2^64) (-0 is a double).
  const double = fc.double({ noNaN: true }).filter((n) => Object.is(n, -0) || !Number.isInteger(n) || n < -(2 ** 63) || n >= 2 ** 64)
  const order = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : Object.is(a, b) ? 0 : Object.is(a, -0) ? -1 : 1)
  fc.assert(
    fc.property(double, double, (a, b) => {
      assert.equal(byteOrder(packTuple([a]), packTuple([b])), order(a, b))
    }),
    { numRuns: 3000 },
  )
})

// --- Fuzzing ---

t.test('fuzz: random bytes', async () => {
  fc.assert(fc.property(randomTupleBytes, unpacksOrRefuses), { numRuns: 20000 })
})

t.test('fuzz: packed tuples mutated, truncated and extended', async () => {
  fc.assert(fc.property(mutatedTupleBytes, unpacksOrRefuses), { numRuns: 20000 })
})

t.test('fuzz: deep nesting needs no call stack', async (t) => {
  const depth = 200_000
  const open = new Uint8Array(depth).fill(0x05)
  t.throws(() => unpackTuple(open), { name: 'TupleError', offset: depth - 1 })
  const closed = new Uint8Array(depth * 2)
  closed.fill(0x05, 0, depth)
  let value = unpackTuple(closed)[0] as TupleValue[]
  for (let i = 1; i < depth; i++) value = value[0] as TupleValue[]
  t.same(value, [])
})
