import { ArgumentError } from '../errors.ts'
import { enums, messages, type FieldTable } from '../gen/descriptor.js'
import * as gen from '../gen/flow.js'

/** How a field's value is carried, for the purposes of Flow's JSON mapping. */
export type FieldKind =
  | 'raw' // a `*_json` string holding JSON text, embedded verbatim
  | 'string'
  | 'bool'
  | 'int32'
  | 'uint32'
  | 'int64' // JSON string
  | 'uint64' // JSON string
  | 'float'
  | 'bytes' // padded base64
  | 'enum' // by name
  | 'message'
  | 'timestamp' // RFC 3339
  | 'duration' // "1.5s"

export interface EnumPlan {
  readonly fullName: string
  readonly byName: ReadonlyMap<string, number>
  /** First declared name of each number (aliases resolve to the first). */
  readonly byNumber: ReadonlyMap<number, string>
}

export interface FieldPlan {
  /** Property name in the generated code (lowerCamelCase of the proto name). */
  readonly name: string
  readonly protoName: string
  readonly jsonName: string
  /** `"jsonName":`, ready to append to output. */
  readonly jsonKey: string
  readonly number: number
  /** Kind of the value (of each element when repeated, of each value when a map). */
  readonly kind: FieldKind
  readonly repeated: boolean
  readonly map: boolean
  readonly enum: EnumPlan | undefined
  /** Set when kind is 'message'; resolved on first use so recursive types work. */
  readonly message: MessagePlan | undefined
  /** Fully qualified protobuf type name, for error messages. */
  readonly typeName: string
}

export interface MessagePlan {
  readonly fullName: string
  /**
   * A new, empty message of the generated class: absent fields read as their defaults through
   * its prototype (null for sub-messages), the same whichever codec a message came from.
   */
  readonly create: () => Record<string, unknown>
  /** Fields in .proto declaration order (the order of JSON output). */
  readonly fields: readonly FieldPlan[]
  /** Fields by every key accepted on input: JSON name, proto name and generated property name. */
  readonly byKey: ReadonlyMap<string, FieldPlan>
}

const INT32 = new Set(['int32', 'sint32', 'sfixed32'])
const UINT32 = new Set(['uint32', 'fixed32'])
const INT64 = new Set(['int64', 'sint64', 'sfixed64'])
const UINT64 = new Set(['uint64', 'fixed64'])
const FLOAT = new Set(['double', 'float'])

const messagePlans = new Map<string, MessagePlan>()
const enumPlans = new Map<string, EnumPlan>()

/** The plan of a message type by its full name, e.g. `capture.Request`. Built once, on first use. */
export function messagePlan(fullName: string): MessagePlan {
  const cached = messagePlans.get(fullName)
  if (cached) return cached
  const table = messages[fullName]
  if (!table) throw new ArgumentError(`no message type ${fullName} in the generated field tables`)
  const fields: FieldPlan[] = []
  const byKey = new Map<string, FieldPlan>()
  const generated = generatedClass(fullName)
  const plan: MessagePlan = { fullName, fields, byKey, create: () => new generated() }
  messagePlans.set(fullName, plan)
  for (const field of table) {
    const fieldPlan = fieldPlanOf(field)
    fields.push(fieldPlan)
    for (const key of [fieldPlan.jsonName, fieldPlan.protoName, fieldPlan.name]) byKey.set(key, fieldPlan)
  }
  return plan
}

function fieldPlanOf(field: FieldTable): FieldPlan {
  const map = field.keyType !== undefined
  let kind: FieldKind
  if (field.enum) kind = 'enum'
  else if (field.type === 'google.protobuf.Timestamp') kind = 'timestamp'
  else if (field.type === 'google.protobuf.Duration') kind = 'duration'
  else if (messages[field.type]) kind = 'message'
  else if (isRaw(field)) kind = 'raw'
  else if (field.type === 'string') kind = 'string'
  else if (field.type === 'bool') kind = 'bool'
  else if (field.type === 'bytes') kind = 'bytes'
  else if (INT32.has(field.type)) kind = 'int32'
  else if (UINT32.has(field.type)) kind = 'uint32'
  else if (INT64.has(field.type)) kind = 'int64'
  else if (UINT64.has(field.type)) kind = 'uint64'
  else if (FLOAT.has(field.type)) kind = 'float'
  else throw new ArgumentError(`field ${field.protoName} has unsupported type ${field.type}`)

  let messagePlanCache: MessagePlan | undefined
  return {
    name: field.name,
    protoName: field.protoName,
    jsonName: field.jsonName,
    jsonKey: JSON.stringify(field.jsonName) + ':',
    number: field.id,
    kind,
    repeated: field.repeated === true,
    map,
    enum: kind === 'enum' ? enumPlanOf(field.type) : undefined,
    get message() {
      if (kind === 'message' && !messagePlanCache) messagePlanCache = messagePlan(field.type)
      return messagePlanCache
    },
    typeName: field.type,
  }
}

/** Flow's convention: string or bytes fields named `*_json`, `*_json_vec`, `*_json_map` hold JSON text. */
function isRaw(field: FieldTable): boolean {
  if (field.type !== 'string' && field.type !== 'bytes') return false
  if (field.keyType !== undefined) return field.protoName.endsWith('_json_map')
  if (field.repeated) return field.protoName.endsWith('_json_vec')
  return field.protoName.endsWith('_json')
}

function enumPlanOf(fullName: string): EnumPlan {
  const cached = enumPlans.get(fullName)
  if (cached) return cached
  const values = enums[fullName]
  if (!values) throw new ArgumentError(`no enum type ${fullName} in the generated field tables`)
  const byName = new Map<string, number>()
  const byNumber = new Map<number, string>()
  for (const [name, number] of Object.entries(values)) {
    byName.set(name, number)
    if (!byNumber.has(number)) byNumber.set(number, name)
  }
  const plan = { fullName, byName, byNumber }
  enumPlans.set(fullName, plan)
  return plan
}

/** The generated class of a message type, by full name. */
export function generatedClass(fullName: string): new () => Record<string, unknown> {
  let node: unknown = gen
  for (const part of fullName.split('.')) node = (node as Record<string, unknown> | undefined)?.[part]
  if (typeof node !== 'function') throw new ArgumentError(`no generated class for ${fullName}`)
  return node as new () => Record<string, unknown>
}

/** Every message type of the generated code, by full name (for tests and generators). */
export function allMessageNames(): string[] {
  return Object.keys(messages)
}
