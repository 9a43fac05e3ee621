import Long from 'long'
import { MessageError } from '../errors.ts'
import { ARRAY, END_ARRAY, END_OBJECT, JsonCursor, OBJECT } from './json-cursor.ts'
import { located, messageError } from './path-error.ts'
import type { FieldKind, FieldPlan, MessagePlan } from './message-plan.ts'
import { parseBase64, parseDuration, parseTimestamp } from './well-known.ts'

type Message = Record<string, unknown>

/**
 * Reads one message from Flow's JSON into an instance of its generated class (as protobuf
 * decoding gives): fields by JSON name or proto name; raw `*_json` fields
 * kept as their exact source text; 64-bit integers from numbers or strings, exactly; enums by
 * name or number; `null` as absent; unknown keys skipped. Default values are not stored, so a
 * message read here encodes to the same bytes as Flow's encoder would write.
 *
 * Errors are MessageErrors naming the field path, e.g. `capture.Request.open.capture.bindings[1].backfill`,
 * and the reason; malformed JSON names the offset.
 */
export function readJsonMessage(plan: MessagePlan, text: string): Message {
  const cursor = new JsonCursor(text)
  try {
    const message = readMessage(cursor, plan)
    cursor.end()
    return message
  } catch (error) {
    throw messageError(plan.fullName, error)
  }
}

function readMessage(cursor: JsonCursor, plan: MessagePlan): Message {
  const message = plan.create()
  if (!cursor.open(OBJECT, `an object for ${plan.fullName}`)) return message
  do {
    const key = cursor.key()
    const field = plan.byKey.get(key)
    if (field === undefined) {
      cursor.skipValue()
      continue
    }
    if (cursor.null()) {
      delete message[field.name]
      continue
    }
    try {
      readField(cursor, field, message)
    } catch (error) {
      throw located(error, '.' + field.jsonName)
    }
  } while (cursor.more(END_OBJECT))
  return message
}

function readField(cursor: JsonCursor, field: FieldPlan, message: Message): void {
  if (field.map) {
    const entries: [string, unknown][] = []
    if (cursor.open(OBJECT, 'an object (map)')) {
      do {
        const key = cursor.key()
        if (field.kind !== 'raw' && cursor.null()) continue
        try {
          entries.push([key, readValue(cursor, field)])
        } catch (error) {
          throw located(error, `[${JSON.stringify(key)}]`)
        }
      } while (cursor.more(END_OBJECT))
    }
    if (entries.length === 0) delete message[field.name]
    else message[field.name] = Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    return
  }
  if (field.repeated) {
    const values: unknown[] = []
    if (cursor.open(ARRAY, 'an array')) {
      do {
        try {
          values.push(readValue(cursor, field))
        } catch (error) {
          throw located(error, `[${values.length}]`)
        }
      } while (cursor.more(END_ARRAY))
    }
    if (values.length === 0) delete message[field.name]
    else message[field.name] = values
    return
  }
  const value = readValue(cursor, field)
  if (field.kind !== 'message' && isDefault(field.kind, value)) delete message[field.name]
  else message[field.name] = value
}

function isDefault(kind: FieldKind, value: unknown): boolean {
  switch (kind) {
    case 'int64':
    case 'uint64':
      return (value as Long).isZero()
    case 'bytes':
      return (value as Uint8Array).length === 0
    case 'timestamp':
    case 'duration':
      return false
    default:
      return value === 0 || value === false || value === ''
  }
}

function readValue(cursor: JsonCursor, field: FieldPlan): unknown {
  switch (field.kind) {
    case 'raw': {
      const start = cursor.skipValue()
      return cursor.text.slice(start, cursor.pos)
    }
    case 'message':
      return readMessage(cursor, field.message as MessagePlan)
    case 'string':
      return cursor.string()
    case 'bool':
      return cursor.boolean()
    case 'int32':
      return readInteger(cursor, -0x8000_0000, 0x7fff_ffff, 'a signed 32-bit integer')
    case 'uint32':
      return readInteger(cursor, 0, 0xffff_ffff, 'an unsigned 32-bit integer')
    case 'int64':
      return readLong(cursor, false)
    case 'uint64':
      return readLong(cursor, true)
    case 'float':
      return readFloat(cursor)
    case 'bytes':
      return parseBase64(cursor.string())
    case 'enum':
      return readEnum(cursor, field)
    case 'timestamp':
      return parseTimestamp(cursor.string())
    case 'duration':
      return parseDuration(cursor.string())
  }
}

/** A number token, or a string holding one (Flow accepts both for every numeric type). */
function numberText(cursor: JsonCursor): string {
  if (!cursor.atString()) return cursor.numberToken()
  const text = cursor.string()
  if (!isNumberText(text)) throw new MessageError(`expected a number or a string holding one, got ${JSON.stringify(text)}`)
  return text
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/

function isNumberText(text: string): boolean {
  return NUMBER.test(text)
}

function readInteger(cursor: JsonCursor, min: number, max: number, what: string): number {
  const text = numberText(cursor)
  const value = Number(text)
  if (!Number.isInteger(value) || value < min || value > max) throw new MessageError(`expected ${what}, got ${text}`)
  return value
}

const INTEGER = /^-?\d+$/

const U64_MAX = 0xffff_ffff_ffff_ffffn
const I64_MIN = -(1n << 63n)
const I64_MAX = (1n << 63n) - 1n

function readLong(cursor: JsonCursor, unsigned: boolean): Long {
  const text = numberText(cursor)
  const what = unsigned ? 'an unsigned 64-bit integer' : 'a signed 64-bit integer'
  if (INTEGER.test(text)) {
    // BigInt parses exactly (leading zeros and -0 included), so the range check is exact too.
    const big = BigInt(text)
    if (unsigned ? big < 0n || big > U64_MAX : big < I64_MIN || big > I64_MAX) throw new MessageError(`expected ${what}, got ${text}`)
    return Long.fromBits(Number(BigInt.asIntN(32, big)), Number(BigInt.asIntN(32, big >> 32n)), unsigned)
  }
  const value = Number(text)
  if (!Number.isSafeInteger(value) || (unsigned && value < 0)) throw new MessageError(`expected ${what}, got ${text}`)
  return Long.fromNumber(value, unsigned)
}

function readFloat(cursor: JsonCursor): number {
  if (!cursor.atString()) return Number(cursor.numberToken())
  const text = cursor.string()
  if (text === 'NaN') return Number.NaN
  if (text === 'Infinity') return Number.POSITIVE_INFINITY
  if (text === '-Infinity') return Number.NEGATIVE_INFINITY
  if (!isNumberText(text)) throw new MessageError(`expected a number, "NaN", "Infinity" or "-Infinity", got ${JSON.stringify(text)}`)
  return Number(text)
}

function readEnum(cursor: JsonCursor, field: FieldPlan): number {
  const plan = field.enum!
  if (!cursor.atString()) return readInteger(cursor, -0x8000_0000, 0x7fff_ffff, `a value of ${plan.fullName}`)
  const name = cursor.string()
  const value = plan.byName.get(name)
  if (value === undefined) {
    throw new MessageError(`${JSON.stringify(name)} is not a value of ${plan.fullName} (${[...plan.byName.keys()].join(', ')})`)
  }
  return value
}
