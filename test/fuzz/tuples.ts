// Fuzz target: the FoundationDB tuple unpacker (`unpackTuple`, `unpackTupleAsJson`) on random
// bytes and on packed tuples mutated, truncated and extended. test/json/tuple.test.ts runs the
// same property as its share of these cases.
import assert from 'node:assert'
import fc from 'fast-check'
import { packTuple, TupleUuid, unpackTuple, unpackTupleAsJson, type TupleValue } from '../../lib/json/tuple.ts'
import { TupleError } from '../../lib/errors.ts'
import { runProperty, timed, type RunResult } from './harness.ts'

export const name = 'tuples'

/** Any value a tuple packs, nested a little. */
export const tupleValue: fc.Arbitrary<TupleValue> = fc.letrec<{ value: TupleValue; nested: TupleValue[] }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -1000, max: 1000 }),
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 600n), max: 2n ** 600n }),
    fc.double(),
    fc.string({ unit: 'binary' }),
    fc.uint8Array({ maxLength: 12 }),
    fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => new TupleUuid(bytes)),
    tie('nested'),
  ),
  nested: fc.array(tie('value'), { maxLength: 4 }),
})).value

/** Unpacks with both functions; either values or a TupleError, never anything else. */
export function unpacksOrRefuses(bytes: Uint8Array): void {
  for (const unpack of [unpackTuple, unpackTupleAsJson]) {
    try {
      assert.ok(Array.isArray(unpack(bytes)))
    } catch (error) {
      if (!(error instanceof TupleError) || error.code !== 'TUPLE_INVALID') throw error
      assert.ok(error.offset >= 0 && error.offset < bytes.length, `offset ${error.offset} is within ${bytes.length} bytes`)
    }
  }
}

const interesting = fc.constantFrom(0x00, 0x01, 0x02, 0x05, 0x0b, 0x0c, 0x13, 0x14, 0x15, 0x1c, 0x1d, 0x20, 0x21, 0x26, 0x27, 0x30, 0xff)

/** Random bytes, often made of type codes. */
export const randomTupleBytes: fc.Arbitrary<Uint8Array> = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.array(fc.oneof(interesting, fc.nat(255)), { maxLength: 64 }).map((list) => new Uint8Array(list)))

/** Packed tuples with one byte flipped, inserted or deleted, or cut short. */
export const mutatedTupleBytes: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.array(tupleValue, { minLength: 1, maxLength: 4 }), fc.nat(), fc.nat(255), fc.constantFrom('flip', 'truncate', 'insert', 'delete'))
  .map(([values, at, byte, how]) => {
    const packed = Array.from(packTuple(values))
    const i = at % packed.length
    if (how === 'flip') packed[i] = byte
    else if (how === 'truncate') packed.length = i
    else if (how === 'insert') packed.splice(i, 0, byte)
    else packed.splice(i, 1)
    return new Uint8Array(packed)
  })

export const property = fc.asyncProperty(fc.oneof(randomTupleBytes, mutatedTupleBytes), (bytes) => timed(() => unpacksOrRefuses(bytes), () => Buffer.from(bytes).toString('hex')))

export function run(runs: number): Promise<RunResult> {
  return runProperty(name, property, runs)
}
