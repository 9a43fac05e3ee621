/**
 * FoundationDB tuples: the order-preserving binary encoding Flow uses for packed keys and values
 * (`Load.keyPacked`, `Store.keyPacked`, `Store.valuesPacked`, derive `Read.shuffle.packed`).
 *
 * Each element is a type code followed by its bytes, and the bytes of two packed tuples compare
 * (as unsigned bytes, shorter first) as their elements do:
 * - 0x00 null. Inside a nested tuple a null is 0x00 0xFF, because 0x00 ends the nested tuple.
 * - 0x01 byte string, 0x02 UTF-8 string: the bytes with each 0x00 escaped as 0x00 0xFF, then
 *   a terminating 0x00.
 * - 0x05 nested tuple: its elements, then 0x00.
 * - 0x0C–0x1C integers of up to 8 bytes: 0x14 is zero; 0x14 + n is a positive integer of n
 *   big-endian bytes, 0x14 − n a negative one whose n bytes are the one's complement of its
 *   magnitude (−1 is 0x13 0xFE).
 * - 0x1D, 0x0B integers of 9–255 bytes (their magnitude is 2^64 or more): 0x1D, a length byte,
 *   then the magnitude big-endian; 0x0B, the length byte with its bits flipped, then the one's
 *   complement of the magnitude.
 * - 0x20 float, 0x21 double: IEEE 754 big-endian with the sign bit flipped when it is clear and
 *   all bits flipped when it is set, so that the bytes sort as the numbers do (−0 before 0; NaNs
 *   at the ends, as their sign says).
 * - 0x26 false, 0x27 true.
 * - 0x30 UUID: its 16 bytes in network order.
 *
 * How JavaScript values map (and how Flow's runtime packs a JSON key component):
 * - numbers: a safe integer and any other integral number in Flow's integer range
 *   [−2^63, 2^64) packs as an integer; every other number (fractional, larger, ±Infinity, NaN)
 *   and −0 packs as a double. Flow packs JSON integers as integers and other numbers as doubles;
 *   a JavaScript number no longer says which a JSON number was, so an integral value written
 *   with a fraction or an exponent (`2.0`, `1e3`) packs as an integer here where Flow would
 *   pack a double.
 * - bigints pack as integers, of up to 255 bytes.
 * - `unpackTuple` gives integers as numbers when they are safe integers and as bigints
 *   otherwise; doubles and floats as numbers; byte strings as Uint8Arrays; UUIDs as
 *   {@link TupleUuid}; nested tuples as arrays.
 * - Flow packs an array or object key component as the bytes of its JSON text (0x01).
 *
 * The type codes not listed (the deprecated 0x03/0x04 nesting and 0x25 true, 0x0A/0x1E,
 * decimals, 64-bit identifiers, versionstamps, user codes) are refused: `unpackTuple` throws a
 * TupleError (code TUPLE_INVALID) naming the byte offset, as it does for a truncated value, an
 * unterminated string or nested tuple, and a string that is not UTF-8. Unpacking never throws
 * anything else. Packing a value outside {@link TupleValue} is an ArgumentError.
 */
import { Buffer } from 'node:buffer'
import { ArgumentError, TupleError } from '../errors.ts'
import { describeValue } from './values.ts'

/** A value of a tuple element. Arrays are nested tuples. */
export type TupleValue = null | boolean | number | bigint | string | Uint8Array | TupleUuid | readonly TupleValue[]

/** A UUID element (type code 0x30); as text, the canonical lower-case 8-4-4-4-12 form. */
export class TupleUuid {
  /** The 16 bytes, in network order. */
  readonly bytes: Uint8Array

  constructor(bytes: Uint8Array) {
    if (bytes.length !== 16) throw new ArgumentError(`a UUID has 16 bytes, not ${bytes.length}`)
    this.bytes = new Uint8Array(bytes)
  }

  /** Parses the 8-4-4-4-12 hexadecimal form, in either case. */
  static parse(text: string): TupleUuid {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) {
      throw new ArgumentError(`${JSON.stringify(text)} is not a UUID in the 8-4-4-4-12 hexadecimal form`)
    }
    const hex = text.replace(/-/g, '')
    return new TupleUuid(Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)))
  }

  toString(): string {
    const hex = Array.from(this.bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  }

  toJSON(): string {
    return this.toString()
  }
}

const NULL = 0x00
const BYTES = 0x01
const STRING = 0x02
const NESTED = 0x05
const NEGATIVE_BIG = 0x0b
const ZERO = 0x14
const POSITIVE_BIG = 0x1d
const FLOAT = 0x20
const DOUBLE = 0x21
const FALSE = 0x26
const TRUE = 0x27
const UUID = 0x30
const ESCAPE = 0xff

const INT64_MIN = -(2 ** 63)
const UINT64_LIMIT = 2 ** 64
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER)
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

// ---------------------------------------------------------------------------------------------
// Packing

/** Packs `values` as a tuple. Throws an ArgumentError naming the element it cannot pack. */
export function packTuple(values: readonly TupleValue[]): Uint8Array {
  const out = new ByteWriter()
  values.forEach((value, i) => packValue(out, value, false, `[${i}]`))
  return out.finish()
}

/** A growable byte buffer. */
class ByteWriter {
  private buffer = new Uint8Array(64)
  private length = 0

  push(...bytes: number[]): void {
    this.append(bytes)
  }

  append(bytes: ArrayLike<number>): void {
    this.reserve(bytes.length)
    this.buffer.set(bytes, this.length)
    this.length += bytes.length
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length)
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + extra))
    grown.set(this.buffer.subarray(0, this.length))
    this.buffer = grown
  }
}

function packValue(out: ByteWriter, value: TupleValue, nested: boolean, where: string): void {
  if (value === null) return nested ? out.push(NULL, ESCAPE) : out.push(NULL)
  switch (typeof value) {
    case 'boolean':
      return out.push(value ? TRUE : FALSE)
    case 'number':
      return packNumber(out, value)
    case 'bigint':
      return packInteger(out, value, where)
    case 'string':
      return packEscaped(out, STRING, encodeString(value, where))
  }
  if (value instanceof Uint8Array) return packEscaped(out, BYTES, value)
  if (value instanceof TupleUuid) return out.append([UUID, ...value.bytes])
  if (Array.isArray(value)) return packNested(out, value, where)
  throw new ArgumentError(`cannot pack tuple element ${where}: ${describeValue(value)} is not a tuple value`)
}

function packNested(out: ByteWriter, values: readonly TupleValue[], where: string): void {
  out.push(NESTED)
  values.forEach((value, i) => packValue(out, value, true, `${where}[${i}]`))
  out.push(NULL)
}

/** Writes `code`, the bytes with each 0x00 escaped as 0x00 0xFF, and a terminating 0x00. */
function packEscaped(out: ByteWriter, code: number, bytes: Uint8Array): void {
  out.push(code)
  let start = 0
  for (let zero = bytes.indexOf(0); zero !== -1; zero = bytes.indexOf(0, start)) {
    out.append(bytes.subarray(start, zero + 1))
    out.push(ESCAPE)
    start = zero + 1
  }
  out.append(bytes.subarray(start))
  out.push(NULL)
}

const encoder = new TextEncoder()

function encodeString(value: string, where: string): Uint8Array {
  // With the u flag, a surrogate pair is one code point: only a lone surrogate matches.
  if (/[\ud800-\udfff]/u.test(value)) throw new ArgumentError(`cannot pack tuple element ${where}: the string has a lone surrogate, which UTF-8 cannot encode`)
  return encoder.encode(value)
}

function packNumber(out: ByteWriter, value: number): void {
  if (Object.is(value, -0)) return packDouble(out, value)
  if (Number.isSafeInteger(value)) return packSafeInteger(out, value)
  if (Number.isInteger(value) && value >= INT64_MIN && value < UINT64_LIMIT) return packInteger(out, BigInt(value), '')
  packDouble(out, value)
}

function packSafeInteger(out: ByteWriter, value: number): void {
  if (value === 0) return out.push(ZERO)
  const magnitude = bigEndianOf(Math.abs(value))
  if (value > 0) return out.append([ZERO + magnitude.length, ...magnitude])
  out.append([ZERO - magnitude.length, ...magnitude.map((byte) => byte ^ 0xff)])
}

function bigEndianOf(magnitude: number): number[] {
  const bytes: number[] = []
  for (let rest = magnitude; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256)
  return bytes
}

function packInteger(out: ByteWriter, value: bigint, where: string): void {
  if (value >= MIN_SAFE && value <= MAX_SAFE) return packSafeInteger(out, Number(value))
  const magnitude = bigEndianOfBig(value < 0n ? -value : value)
  if (magnitude.length > 255) throw new ArgumentError(`cannot pack tuple element ${where}: an integer of ${magnitude.length} bytes is longer than 255`)
  const complement = magnitude.map((byte) => byte ^ 0xff)
  if (magnitude.length <= 8) return out.append(value > 0n ? [ZERO + magnitude.length, ...magnitude] : [ZERO - magnitude.length, ...complement])
  out.append(value > 0n ? [POSITIVE_BIG, magnitude.length, ...magnitude] : [NEGATIVE_BIG, magnitude.length ^ 0xff, ...complement])
}

function bigEndianOfBig(magnitude: bigint): number[] {
  const bytes: number[] = []
  for (let rest = magnitude; rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn))
  return bytes
}

function packDouble(out: ByteWriter, value: number): void {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setFloat64(0, value)
  out.push(DOUBLE)
  out.append(orderFloatBytes(bytes))
}

/** The sign transform that makes IEEE bytes sort as their numbers: flip all bits of a negative, the sign bit of the rest. */
function orderFloatBytes(bytes: Uint8Array): Uint8Array {
  if ((bytes[0] as number) & 0x80) return bytes.map((byte) => byte ^ 0xff)
  const ordered = bytes.slice()
  ordered[0] = (ordered[0] as number) ^ 0x80
  return ordered
}

/** The inverse of orderFloatBytes. */
function unorderFloatBytes(bytes: Uint8Array): Uint8Array {
  if ((bytes[0] as number) & 0x80) {
    const plain = bytes.slice()
    plain[0] = (plain[0] as number) ^ 0x80
    return plain
  }
  return bytes.map((byte) => byte ^ 0xff)
}

// ---------------------------------------------------------------------------------------------
// Unpacking

/** The elements of a packed tuple. Throws a TupleError naming the byte offset of what is wrong. */
export function unpackTuple(bytes: Uint8Array): TupleValue[] {
  return decodeTuple<TupleValue>(bytes, (value) => value)
}

/**
 * The elements of a packed key as a connector author sees them in JSON:
 * - integers as numbers; one outside the safe range becomes the nearest number, as JSON.parse
 *   reads the JSON number Flow writes for it;
 * - doubles and floats as numbers (NaN and ±Infinity, which JSON cannot hold, are a TupleError);
 * - strings, booleans and null as they are; UUIDs as their 8-4-4-4-12 text; nested tuples as
 *   arrays;
 * - byte strings: Flow packs an array or object key component as the bytes of its JSON text, so
 *   bytes that are the UTF-8 JSON text of an array or an object become that value; any other
 *   bytes become their base64 text.
 */
export function unpackTupleAsJson(bytes: Uint8Array): unknown[] {
  return decodeTuple<unknown>(bytes, jsonOf)
}

type Scalar = Exclude<TupleValue, readonly TupleValue[]>
type Nested<T> = (T | Nested<T>)[]

function jsonOf(value: Scalar, offset: number): unknown {
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TupleError(offset, `the number ${value} has no JSON form`)
  if (value instanceof TupleUuid) return value.toString()
  if (value instanceof Uint8Array) return jsonOfBytes(value)
  return value
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function jsonOfBytes(bytes: Uint8Array): unknown {
  const first = bytes[0]
  if (first === 0x5b || first === 0x7b) {
    try {
      return JSON.parse(strictDecoder.decode(bytes)) as unknown
    } catch {
      // Not JSON text: fall through to base64.
    }
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64')
}

/**
 * Decodes every element, mapping each scalar with `scalar`. Nested tuples are followed with an
 * explicit stack, so no input can exhaust the call stack.
 */
function decodeTuple<T>(bytes: Uint8Array, scalar: (value: Scalar, offset: number) => T): Nested<T> {
  const root: Nested<T> = []
  const open: { items: Nested<T>; offset: number }[] = []
  let items = root
  let offset = 0
  while (offset < bytes.length) {
    const code = bytes[offset] as number
    if (open.length > 0 && code === NULL) {
      if (bytes[offset + 1] === ESCAPE) {
        items.push(scalar(null, offset))
        offset += 2
      } else {
        items = (open.pop() as { items: Nested<T> }).items
        offset += 1
      }
    } else if (code === NESTED) {
      const inner: Nested<T> = []
      items.push(inner)
      open.push({ items, offset })
      items = inner
      offset += 1
    } else {
      const [value, next] = decodeScalar(bytes, offset)
      items.push(scalar(value, offset))
      offset = next
    }
  }
  const unclosed = open.at(-1)
  if (unclosed) throw new TupleError(unclosed.offset, 'the nested tuple that starts here has no terminating 0x00')
  return root
}

/** The scalar element at `offset` and the offset after it. */
function decodeScalar(bytes: Uint8Array, offset: number): [Scalar, number] {
  const code = bytes[offset] as number
  if (code >= NEGATIVE_BIG + 1 && code <= POSITIVE_BIG - 1) return decodeInteger(bytes, offset, code - ZERO)
  switch (code) {
    case NULL:
      return [null, offset + 1]
    case BYTES:
      return decodeBytes(bytes, offset)
    case STRING:
      return decodeString(bytes, offset)
    case NEGATIVE_BIG:
    case POSITIVE_BIG:
      return decodeBigInteger(bytes, offset)
    case FLOAT:
      return [unorderFloat(take(bytes, offset, 4, 'float')).getFloat32(0), offset + 5]
    case DOUBLE:
      return [unorderFloat(take(bytes, offset, 8, 'double')).getFloat64(0), offset + 9]
    case FALSE:
      return [false, offset + 1]
    case TRUE:
      return [true, offset + 1]
    case UUID:
      return [new TupleUuid(take(bytes, offset, 16, 'UUID')), offset + 17]
    default:
      throw new TupleError(offset, `unknown type code 0x${code.toString(16).padStart(2, '0')}`)
  }
}

/** The `length` bytes after the type code at `offset`; a TupleError when they are not all there. */
function take(bytes: Uint8Array, offset: number, length: number, what: string, skip = 1): Uint8Array {
  const start = offset + skip
  if (start + length > bytes.length) {
    throw new TupleError(offset, `truncated ${what}: it needs ${length} bytes after its type code, and ${Math.max(0, bytes.length - start)} remain`)
  }
  return new Uint8Array(bytes.subarray(start, start + length))
}

function unorderFloat(bytes: Uint8Array): DataView {
  const plain = unorderFloatBytes(bytes)
  return new DataView(plain.buffer, plain.byteOffset, plain.byteLength)
}

/** An integer of |n| bytes (0x0C–0x1C), negative when n < 0. */
function decodeInteger(bytes: Uint8Array, offset: number, n: number): [Scalar, number] {
  const length = Math.abs(n)
  const raw = take(bytes, offset, length, 'integer')
  return [integerOf(raw, n < 0), offset + 1 + length]
}

/** An integer of 9–255 bytes: 0x1D or 0x0B, a length byte (flipped for 0x0B), the bytes. */
function decodeBigInteger(bytes: Uint8Array, offset: number): [Scalar, number] {
  const negative = bytes[offset] === NEGATIVE_BIG
  const lengthByte = bytes[offset + 1]
  if (lengthByte === undefined) throw new TupleError(offset, 'truncated integer: its length byte is missing')
  const length = negative ? lengthByte ^ 0xff : lengthByte
  const raw = take(bytes, offset, length, 'integer', 2)
  return [integerOf(raw, negative), offset + 2 + length]
}

/** The integer of big-endian `raw` bytes; for a negative one, they are the one's complement of its magnitude. */
function integerOf(raw: Uint8Array, negative: boolean): number | bigint {
  let value = 0n
  for (const byte of raw) value = (value << 8n) | BigInt(negative ? byte ^ 0xff : byte)
  if (negative) value = -value
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value
}

function decodeBytes(bytes: Uint8Array, offset: number): [Scalar, number] {
  return unescape(bytes, offset, 'byte string')
}

function decodeString(bytes: Uint8Array, offset: number): [Scalar, number] {
  const [raw, next] = unescape(bytes, offset, 'string')
  try {
    return [strictDecoder.decode(raw), next]
  } catch {
    throw new TupleError(offset, 'the string is not valid UTF-8')
  }
}

/** The bytes after the type code at `offset` up to the terminating 0x00, with 0x00 0xFF read as 0x00. */
function unescape(bytes: Uint8Array, offset: number, what: string): [Uint8Array, number] {
  const parts: Uint8Array[] = []
  let start = offset + 1
  for (;;) {
    const zero = bytes.indexOf(NULL, start)
    if (zero === -1) throw new TupleError(offset, `unterminated ${what}: no 0x00 ends it`)
    if (bytes[zero + 1] !== ESCAPE) {
      parts.push(bytes.subarray(start, zero))
      return [concat(parts), zero + 1]
    }
    parts.push(bytes.subarray(start, zero + 1))
    start = zero + 2
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
