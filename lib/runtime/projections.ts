/**
 * A collection's projections as Flow builds them for a materialization: the catalog's explicit
 * `projections`, one per top-level property of the schema (the field is the property name), and
 * the root document as `flow_document`, each with what the schema says of its location (types,
 * whether it must exist) and whether it is part of the key. Sorted by field name, as Flow sorts
 * them.
 */
import { ArgumentError } from '../errors.ts'
import { escapePointerToken, parsePointer } from '../json/pointer.ts'
import { isObject, type JsonObject } from '../json/values.ts'
import type { Projection } from '../protocol/index.ts'
import type { Collection } from './catalog.ts'

/** The field of the root document. */
export const DOCUMENT_FIELD = 'flow_document'

/** flow.Inference.Exists. */
const EXISTS = { must: 1, may: 2 } as const

const ANY_TYPES = ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string']

/** The schema that reads the collection's documents: `readSchema`, else the write schema. */
export function readSchemaOf(collection: Collection): unknown {
  return collection.readSchema ?? collection.writeSchema
}

/** Every projection of the collection. Throws an ArgumentError for an explicit projection whose location is not a JSON pointer. */
export function projectionsOf(collection: Collection): Projection[] {
  const schema = readSchemaOf(collection)
  const out = new Map<string, Projection>()
  const add = (field: string, ptr: string, explicit: boolean, partition: boolean) => {
    if (out.has(field)) return
    out.set(field, {
      ptr,
      field,
      ...(explicit ? { explicit: true } : {}),
      ...(partition ? { isPartitionKey: true } : {}),
      ...(collection.key.includes(ptr) ? { isPrimaryKey: true } : {}),
      inference: inferenceAt(schema, ptr, collection.key.includes(ptr)),
    })
  }
  for (const [field, projection] of Object.entries(collection.projections ?? {})) add(field, projection.location, true, projection.partition)
  const properties = isObject(schema) && isObject(schema.properties) ? schema.properties : {}
  for (const name of Object.keys(properties)) add(name, `/${escapePointerToken(name)}`, false, false)
  add(DOCUMENT_FIELD, '', false, false)
  return [...out.values()].sort((a, b) => ((a.field as string) < (b.field as string) ? -1 : 1))
}

/** What the schema says of one location: its types, whether it must exist, a string format. */
function inferenceAt(schema: unknown, ptr: string, isKey: boolean) {
  let tokens: string[]
  try {
    tokens = parsePointer(ptr)
  } catch (error) {
    throw new ArgumentError(`projection location ${JSON.stringify(ptr)} is not a JSON pointer`, { cause: error })
  }
  let node: unknown = schema
  let must = true
  for (const token of tokens) {
    const parent = isObject(node) ? node : {}
    must &&= Array.isArray(parent.required) && parent.required.includes(token)
    node = isObject(parent.properties) && Object.hasOwn(parent.properties, token) ? parent.properties[token] : parent.additionalProperties
  }
  const types = typesOf(node)
  const format = isObject(node) && typeof node.format === 'string' ? node.format : undefined
  return {
    types,
    exists: must || isKey ? EXISTS.must : EXISTS.may,
    ...(format === undefined ? {} : { string: { format } }),
  }
}

/** The JSON types a schema admits: its `type`, or those of its `const` or `enum` values, else any. */
function typesOf(schema: unknown): string[] {
  if (!isObject(schema)) return schema === false ? [] : [...ANY_TYPES]
  const declared = (schema as JsonObject).type
  if (typeof declared === 'string') return [declared]
  if (Array.isArray(declared)) return [...new Set(declared.filter((type): type is string => typeof type === 'string'))].sort()
  const values = Object.hasOwn(schema, 'const') ? [schema.const] : Array.isArray(schema.enum) ? schema.enum : undefined
  if (values) return [...new Set(values.map(jsonType))].sort()
  return [...ANY_TYPES]
}

function jsonType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}
