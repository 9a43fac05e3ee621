// A tiny, deliberately dumb protobuf wire assembler for golden test vectors.
//
// It knows nothing about Flow's schema: every field number is written literally by the caller,
// fields come out exactly in the order they are passed, and nothing is ever skipped (leaving out
// default values is the caller's job). That keeps the vectors independent of the project's encoder.

/** One encoded field: its tag followed by its payload. */
export type Field = Uint8Array

const WIRE_VARINT = 0
const WIRE_I64 = 1
const WIRE_LEN = 2
const WIRE_I32 = 5

const utf8 = new TextEncoder()

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0
  for (const p of parts) size += p.length
  const out = new Uint8Array(size)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** The base-128 varint of `n`; negative values are taken as their 64-bit two's complement (10 bytes). */
export function rawVarint(n: number | bigint): Uint8Array {
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${n}`)
  let v = BigInt.asUintN(64, BigInt(n))
  const out: number[] = []
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  out.push(Number(v))
  return Uint8Array.from(out)
}

function tag(field: number, wireType: number): Uint8Array {
  if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) throw new RangeError(`bad field number ${field}`)
  return rawVarint(field * 8 + wireType)
}

/** A whole message (or the body of a sub-message): the given fields, concatenated as passed. */
export function msg(...fields: readonly Field[]): Uint8Array {
  return concat(fields)
}

/** int32 / int64 / uint32 / uint64 / bool / enum. */
export function varint(field: number, n: number | bigint | boolean): Field {
  return concat([tag(field, WIRE_VARINT), rawVarint(typeof n === 'boolean' ? (n ? 1 : 0) : n)])
}

/** fixed32, little-endian. */
export function fixed32(field: number, n: number): Field {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a fixed32: ${n}`)
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n, true)
  return concat([tag(field, WIRE_I32), b])
}

/** fixed64, little-endian. */
export function fixed64(field: number, n: bigint): Field {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, n), true)
  return concat([tag(field, WIRE_I64), b])
}

/** double, IEEE 754 little-endian. */
export function double(field: number, n: number): Field {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setFloat64(0, n, true)
  return concat([tag(field, WIRE_I64), b])
}

/** Length-delimited bytes; a string argument is written as its UTF-8 text. */
export function bytes(field: number, value: Uint8Array | string): Field {
  const body = typeof value === 'string' ? utf8.encode(value) : value
  return concat([tag(field, WIRE_LEN), rawVarint(body.length), body])
}

/** A length-delimited sub-message made of `fields` (no fields = present but empty: tag + length 0). */
export function sub(field: number, ...fields: readonly Field[]): Field {
  return bytes(field, concat(fields))
}

/** A packed repeated varint field (enums, ints, bools). */
export function packed(field: number, values: readonly (number | bigint)[]): Field {
  return bytes(field, concat(values.map((v) => rawVarint(v))))
}

/** The 4-byte little-endian length prefix of the protobuf framing, followed by `message`. */
export function frame(message: Uint8Array): Uint8Array {
  const prefix = new Uint8Array(4)
  new DataView(prefix.buffer).setUint32(0, message.length, true)
  return concat([prefix, message])
}

/** Lower-case hex without separators. */
export function toHex(data: Uint8Array): string {
  let s = ''
  for (const b of data) s += b.toString(16).padStart(2, '0')
  return s
}

/** Inverse of toHex; whitespace is ignored so printed dumps like `0a 06 08 07` are accepted. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '')
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`not hex: ${hex}`)
  const out = new Uint8Array(clean.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16)
  return out
}
