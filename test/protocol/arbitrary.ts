// fast-check arbitraries of any message type, built from the same field tables the JSON mapping
// uses. Generated messages are canonical: no field holds its default, map keys are inserted in
// sorted order, so each has exactly one protobuf encoding and one Flow JSON text.
import fc from 'fast-check'
import Long from 'long'
import { messagePlan, type FieldPlan, type MessagePlan } from '../../lib/protocol/message-plan.ts'

type Message = Record<string, unknown>

const jsonText = fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value))
// Keys that JavaScript objects keep in insertion order (integer-like keys are reordered by V8).
const mapKey = fc.string({ maxLength: 8 }).filter((key) => !/^(0|[1-9]\d*)$/.test(key))

const long = (unsigned: boolean) =>
  (unsigned ? fc.bigInt(1n, (1n << 64n) - 1n) : fc.bigInt(-(1n << 63n), (1n << 63n) - 1n).filter((n) => n !== 0n)).map((n) =>
    Long.fromString(n.toString(), unsigned),
  )

function scalar(field: FieldPlan): fc.Arbitrary<unknown> {
  switch (field.kind) {
    case 'raw':
      // A singular raw field holding `null` reads back as absent (null means absent on input).
      return field.repeated || field.map ? jsonText : jsonText.filter((text) => text !== 'null')
    case 'string':
      return fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' })
    case 'bool':
      return fc.constant(true)
    case 'int32':
      return fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }).filter((n) => n !== 0)
    case 'uint32':
      return fc.integer({ min: 1, max: 0xffff_ffff })
    case 'int64':
      return long(false)
    case 'uint64':
      return long(true)
    case 'float':
      return fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => n !== 0)
    case 'bytes':
      return fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b) => Buffer.from(b))
    case 'enum': {
      const numbers = [...new Set(field.enum!.byNumber.keys())].filter((n) => n !== 0)
      return numbers.length ? fc.constantFrom(...numbers) : fc.constant(0)
    }
    case 'timestamp':
      return fc.record({
        seconds: fc.integer({ min: -62_135_596_800, max: 253_402_300_799 }).map((n) => Long.fromNumber(n)),
        nanos: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999 }).map((n) => n * 1_000_000), fc.integer({ min: 0, max: 999_999_999 })),
      })
    case 'duration':
      return fc
        .tuple(fc.integer({ min: -315_576_000_000, max: 315_576_000_000 }), fc.integer({ min: 0, max: 999_999_999 }))
        .map(([seconds, nanos]) => ({ seconds: Long.fromNumber(seconds), nanos: seconds < 0 ? -nanos : nanos }))
    case 'message':
      throw new Error('not a scalar')
  }
}

/** Arbitrary messages of a type; nesting stops at `depth` so recursive types terminate. */
export function arbitraryMessage(typeName: string, depth = 3): fc.Arbitrary<Message> {
  return messageOf(messagePlan(typeName), depth)
}

function messageOf(plan: MessagePlan, depth: number): fc.Arbitrary<Message> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {}
  for (const field of plan.fields) {
    if (field.kind === 'message' && depth <= 0) continue
    const value = field.kind === 'message' ? fc.constant(null).chain(() => messageOf(field.message!, depth - 1)) : scalar(field)
    if (field.map) {
      parts[field.name] = fc
        .uniqueArray(fc.tuple(mapKey, value), { minLength: 1, maxLength: 3, selector: ([key]) => key })
        .map((entries) => Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1))))
    } else if (field.repeated) {
      parts[field.name] = fc.array(value, { minLength: 1, maxLength: 3 })
    } else parts[field.name] = value
  }
  return fc.record(parts, { requiredKeys: [] })
}
