/**
 * The union of two JSON schemas, for the `jsonSchemaMerge` reduction strategy: a schema that
 * accepts every value either of them accepts.
 *
 * Flow builds the union through its schema-shape inference. This is a smaller, documented
 * subset that is always sound (it never rejects what either side accepts), and may be looser:
 * - `type`: the union of both type sets (`integer` folds into `number`); absent on either side,
 *   absent (any type).
 * - `enum` and `const`: the union of the allowed values when both sides restrict them.
 * - `minimum`, `exclusiveMinimum`, `minLength`, `minItems`, `minProperties`: the smaller, and
 *   the `max…` counterparts the larger, when both sides have them.
 * - `required`: the names both sides require.
 * - `properties`: each property's schemas unioned, where a side without the property
 *   contributes its `additionalProperties` (any value when it has none, or has
 *   `patternProperties`); `additionalProperties` and an object `items` unioned the same way.
 * - every other keyword (`format`, `pattern`, `title`, tuple `items`, ...) is kept only when
 *   both sides have the same value.
 * Boolean schemas unite as `true ∪ s = true` and `false ∪ s = s`.
 */
import { ArgumentError } from '../errors.ts'
import { compareJson, compareStrings } from './compare.ts'
import { describeValue, hasMember, isObject, member, setMember, type JsonObject } from './values.ts'

const TYPES = ['null', 'boolean', 'integer', 'number', 'string', 'array', 'object']
const LOWER = new Set(['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'])
const UPPER = new Set(['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'])

/** The union of two schemas. Throws an ArgumentError when a `type` names no JSON type. */
export function unionSchemas(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = {}
  const keywords = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareStrings)
  for (const keyword of keywords) {
    const value = unionKeyword(keyword, a, b)
    if (value !== undefined) setMember(out, keyword, value)
  }
  const allowed = unionAllowed(a, b)
  if (allowed) out['enum'] = allowed
  return out
}

function unionKeyword(keyword: string, a: JsonObject, b: JsonObject): unknown {
  const x = member(a, keyword)
  const y = member(b, keyword)
  if (keyword === 'type') return unionTypes(typesOf(x), typesOf(y))
  if (keyword === 'properties') return unionProperties(a, b)
  if (keyword === 'enum' || keyword === 'const') return undefined
  if (x === undefined || y === undefined) return undefined
  if (LOWER.has(keyword) && typeof x === 'number' && typeof y === 'number') return Math.min(x, y)
  if (UPPER.has(keyword) && typeof x === 'number' && typeof y === 'number') return Math.max(x, y)
  if (keyword === 'required' && Array.isArray(x) && Array.isArray(y)) return x.filter((name) => y.includes(name))
  if ((keyword === 'additionalProperties' || keyword === 'items') && !Array.isArray(x) && !Array.isArray(y)) return unionOptional(x, y)
  return compareJson(x, y) === 0 ? x : undefined
}

/** The type names a `type` keyword allows; undefined when it has none (any type). */
function typesOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined
  const names = Array.isArray(value) ? value : [value]
  for (const name of names) {
    if (typeof name !== 'string' || !TYPES.includes(name)) throw new ArgumentError(`"type" names JSON types, and ${describeValue(name)} is not one`)
  }
  return names as string[]
}

/** The union of two type sets; undefined (any type) when either is. */
function unionTypes(x: readonly string[] | undefined, y: readonly string[] | undefined): string | string[] | undefined {
  if (!x || !y) return undefined
  const names = new Set([...x, ...y])
  if (names.has('number')) names.delete('integer')
  const sorted = TYPES.filter((name) => names.has(name))
  return sorted.length === 1 ? (sorted[0] as string) : sorted
}

/** The values `enum` or `const` allow, or undefined when a side allows any. */
function allowedOf(schema: JsonObject): unknown[] | undefined {
  const listed = member(schema, 'enum')
  if (Array.isArray(listed)) return listed
  return hasMember(schema, 'const') ? [schema['const']] : undefined
}

function unionAllowed(a: JsonObject, b: JsonObject): unknown[] | undefined {
  const x = allowedOf(a)
  const y = allowedOf(b)
  if (!x || !y) return undefined
  return [...x, ...y.filter((value) => !x.some((known) => compareJson(known, value) === 0))]
}

function unionProperties(a: JsonObject, b: JsonObject): JsonObject | undefined {
  const x = member(a, 'properties')
  const y = member(b, 'properties')
  if (!isObject(x) && !isObject(y)) return undefined
  const names = [...new Set([...Object.keys(isObject(x) ? x : {}), ...Object.keys(isObject(y) ? y : {})])].sort(compareStrings)
  const out: JsonObject = {}
  for (const name of names) {
    const united = unionSubschemas(propertySchema(a, x, name), propertySchema(b, y, name))
    setMember(out, name, united === true ? {} : united)
  }
  return out
}

/** What a schema says of property `name`: its own schema, else what its other properties get. */
function propertySchema(schema: JsonObject, properties: unknown, name: string): unknown {
  if (isObject(properties) && hasMember(properties, name)) return properties[name]
  if (hasMember(schema, 'patternProperties')) return true
  return member(schema, 'additionalProperties') ?? true
}

function unionOptional(x: unknown, y: unknown): unknown {
  const united = unionSubschemas(x ?? true, y ?? true)
  return united === true ? undefined : united
}

function unionSubschemas(x: unknown, y: unknown): unknown {
  if (x === true || y === true) return true
  if (x === false) return y
  if (y === false) return x
  if (isObject(x) && isObject(y)) return unionSchemas(x, y)
  throw new ArgumentError(`a schema is an object or a boolean, not ${describeValue(isObject(x) ? y : x)}`)
}
