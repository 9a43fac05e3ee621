import type Long from 'long'
import { MessageError } from '../errors.ts'
import { checkRawJson } from './json-cursor.ts'
import { located, messageError } from './path-error.ts'
import type { FieldPlan, MessagePlan } from './message-plan.ts'
import { formatBase64, formatDuration, formatTimestamp, type SecondsNanos } from './well-known.ts'

type Message = Record<string, unknown>

/**
 * Writes a message as one compact line of Flow's JSON: fields in .proto declaration order,
 * defaults omitted, present sub-messages (even empty) as objects, raw `*_json` fields embedded
 * as JSON values (checked, and compacted only if they span lines), 64-bit integers as strings,
 * enums by name, bytes as padded base64, map keys sorted. Works on plain objects and on
 * messages decoded by the generated code alike.
 */
export function writeJsonMessage(plan: MessagePlan, message: Message): string {
  try {
    return writeMessage(plan, message)
  } catch (error) {
    throw messageError(plan.fullName, error)
  }
}

function writeMessage(plan: MessagePlan, message: Message): string {
  let out = '{'
  for (const field of plan.fields) {
    const value = message[field.name]
    if (value == null) continue
    let text: string | undefined
    try {
      text = field.map ? writeMap(field, value as Message) : field.repeated ? writeArray(field, value as unknown[]) : writeSingular(field, value)
    } catch (error) {
      throw located(error, '.' + field.jsonName)
    }
    if (text === undefined) continue
    out += out.length === 1 ? field.jsonKey + text : ',' + field.jsonKey + text
  }
  return out + '}'
}

function writeMap(field: FieldPlan, map: Message): string | undefined {
  const keys = Object.keys(map)
  if (keys.length === 0) return undefined
  keys.sort()
  let out = '{'
  for (const key of keys) {
    const value = map[key]
    if (value == null) continue
    try {
      out += (out.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + writeValue(field, value)
    } catch (error) {
      throw located(error, `[${JSON.stringify(key)}]`)
    }
  }
  return out + '}'
}

function writeArray(field: FieldPlan, values: unknown[]): string | undefined {
  if (values.length === 0) return undefined
  let out = '['
  for (let i = 0; i < values.length; i++) {
    try {
      out += (i === 0 ? '' : ',') + writeValue(field, values[i])
    } catch (error) {
      throw located(error, `[${i}]`)
    }
  }
  return out + ']'
}

/** A singular field's JSON, or undefined when it holds its default and is omitted. */
function writeSingular(field: FieldPlan, value: unknown): string | undefined {
  switch (field.kind) {
    case 'message':
    case 'timestamp':
    case 'duration':
      return writeValue(field, value)
    case 'int64':
    case 'uint64':
      return isZeroLong(value) ? undefined : writeValue(field, value)
    case 'bytes':
      return (value as Uint8Array).length === 0 ? undefined : writeValue(field, value)
    default:
      return value === 0 || value === false || value === '' ? undefined : writeValue(field, value)
  }
}

function isZeroLong(value: unknown): boolean {
  if (typeof value === 'object') return (value as Long).isZero()
  return value === 0 || value === '0'
}

function writeValue(field: FieldPlan, value: unknown): string {
  switch (field.kind) {
    case 'raw':
      if (typeof value !== 'string') throw new MessageError(`expected JSON text (a string), got ${typeof value}`)
      return checkRawJson(value)
    case 'message':
      return writeMessage(field.message as MessagePlan, value as Message)
    case 'string':
      return JSON.stringify(value)
    case 'bool':
      return value ? 'true' : 'false'
    case 'int32':
    case 'uint32':
      return String(value)
    case 'int64':
    case 'uint64':
      return '"' + String(value) + '"'
    case 'float': {
      const n = value as number
      return Number.isFinite(n) ? String(n) : `"${n > 0 ? 'Infinity' : n < 0 ? '-Infinity' : 'NaN'}"`
    }
    case 'bytes':
      return '"' + formatBase64(value as Uint8Array) + '"'
    case 'enum': {
      const name = field.enum?.byNumber.get(value as number)
      return name === undefined ? String(value) : '"' + name + '"'
    }
    case 'timestamp':
      return '"' + formatTimestamp(value as SecondsNanos) + '"'
    case 'duration':
      return '"' + formatDuration(value as SecondsNanos) + '"'
  }
}
