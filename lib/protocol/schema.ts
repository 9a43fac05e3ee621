import protobuf from 'protobufjs/light.js'
import { descriptor } from '../gen/descriptor.js'

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
  /** Fields in .proto declaration order (the order of JSON output). */
  readonly fields: readonly FieldPlan[]
  /** Fields by every key accepted on input: JSON name, proto name and generated property name. */
  readonly byKey: ReadonlyMap<string, FieldPlan>
}

const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace)
root.resolveAll()

const INT32 = new Set(['int32', 'sint32', 'sfixed32'])
const UINT32 = new Set(['uint32', 'fixed32'])
const INT64 = new Set(['int64', 'sint64', 'sfixed64'])
const UINT64 = new Set(['uint64', 'fixed64'])
const FLOAT = new Set(['double', 'float'])

const messagePlans = new Map<string, MessagePlan>()
const enumPlans = new Map<string, EnumPlan>()

/** The plan of a message type by its full name, e.g. `capture.Request`. */
export function messagePlan(fullName: string): MessagePlan {
  const type = root.lookupType(fullName)
  return planOf(type)
}

function planOf(type: protobuf.Type): MessagePlan {
  const fullName = type.fullName.replace(/^\./, '')
  const cached = messagePlans.get(fullName)
  if (cached) return cached
  const fields: FieldPlan[] = []
  const byKey = new Map<string, FieldPlan>()
  const plan: MessagePlan = { fullName, fields, byKey }
  messagePlans.set(fullName, plan)
  for (const field of type.fieldsArray) {
    const fieldPlan = fieldPlanOf(field)
    fields.push(fieldPlan)
    for (const key of [fieldPlan.jsonName, fieldPlan.protoName, fieldPlan.name]) byKey.set(key, fieldPlan)
  }
  return plan
}

function fieldPlanOf(field: protobuf.Field): FieldPlan {
  const resolved = field.resolvedType
  const protoName = field.protoName ?? field.name
  const jsonName = field.jsonName ?? field.name
  const map = field instanceof protobuf.MapField
  let kind: FieldKind
  let enumPlan: EnumPlan | undefined
  let messageType: protobuf.Type | undefined
  if (resolved instanceof protobuf.Enum) {
    kind = 'enum'
    enumPlan = enumPlanOf(resolved)
  } else if (resolved instanceof protobuf.Type) {
    const name = resolved.fullName
    kind = name === '.google.protobuf.Timestamp' ? 'timestamp' : name === '.google.protobuf.Duration' ? 'duration' : 'message'
    if (kind === 'message') messageType = resolved
  } else if (isRaw(protoName, field)) kind = 'raw'
  else if (field.type === 'string') kind = 'string'
  else if (field.type === 'bool') kind = 'bool'
  else if (field.type === 'bytes') kind = 'bytes'
  else if (INT32.has(field.type)) kind = 'int32'
  else if (UINT32.has(field.type)) kind = 'uint32'
  else if (INT64.has(field.type)) kind = 'int64'
  else if (UINT64.has(field.type)) kind = 'uint64'
  else if (FLOAT.has(field.type)) kind = 'float'
  else throw new Error(`field ${field.fullName} has unsupported type ${field.type}`)

  let messagePlanCache: MessagePlan | undefined
  return {
    name: field.name,
    protoName,
    jsonName,
    jsonKey: JSON.stringify(jsonName) + ':',
    number: field.id,
    kind,
    repeated: field.repeated && !map,
    map,
    enum: enumPlan,
    get message() {
      if (messageType && !messagePlanCache) messagePlanCache = planOf(messageType)
      return messagePlanCache
    },
    typeName: resolved ? resolved.fullName.replace(/^\./, '') : field.type,
  }
}

/** Flow's convention: string or bytes fields named `*_json`, `*_json_vec`, `*_json_map` hold JSON text. */
function isRaw(protoName: string, field: protobuf.Field): boolean {
  if (field.type !== 'string' && field.type !== 'bytes') return false
  if (field instanceof protobuf.MapField) return protoName.endsWith('_json_map')
  if (field.repeated) return protoName.endsWith('_json_vec')
  return protoName.endsWith('_json')
}

function enumPlanOf(type: protobuf.Enum): EnumPlan {
  const fullName = type.fullName.replace(/^\./, '')
  const cached = enumPlans.get(fullName)
  if (cached) return cached
  const byName = new Map<string, number>()
  const byNumber = new Map<number, string>()
  for (const [name, number] of Object.entries(type.values)) {
    byName.set(name, number)
    if (!byNumber.has(number)) byNumber.set(number, name)
  }
  const plan = { fullName, byName, byNumber }
  enumPlans.set(fullName, plan)
  return plan
}

/** Every message type of the descriptor, by full name (for tests and generators). */
export function allMessageNames(): string[] {
  const names: string[] = []
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) names.push(nested.fullName.replace(/^\./, ''))
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) walk(nested)
    }
  }
  walk(root)
  return names
}
