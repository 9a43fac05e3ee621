/**
 * Whether a JSON schema declares a document location: what Flow asks of a collection's key,
 * whose every pointer must name a location its schema describes.
 */
import { isObject } from '../json/values.ts'
import { locate, parsePointer } from '../json/pointer.ts'

/** How many `$ref`s and combinators are followed before a schema is taken as not declaring a location. */
const MAX_DEPTH = 64

const COMBINATORS = ['allOf', 'anyOf', 'oneOf'] as const
const BRANCHES = ['then', 'else'] as const
const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/

/**
 * True when `schema` declares the location `pointer` names: each token a property listed under
 * `properties` (or, in an array, an index that `prefixItems` or `items` describe), found
 * directly or through `$ref`s within the schema (`#` and `#/...` fragments), `allOf`, `anyOf`,
 * `oneOf`, `then` and `else`. A location merely allowed by `additionalProperties` is not
 * declared. Throws an ArgumentError when `pointer` is not a JSON pointer.
 */
export function schemaHasLocation(schema: unknown, pointer: string): boolean {
  return declares(schema, schema, parsePointer(pointer), 0)
}

function declares(root: unknown, schema: unknown, tokens: readonly string[], depth: number): boolean {
  if (tokens.length === 0) return schema !== undefined && schema !== false
  if (!isObject(schema) || depth > MAX_DEPTH) return false
  const [token, ...rest] = tokens as [string, ...string[]]
  const properties = schema.properties
  if (isObject(properties) && Object.hasOwn(properties, token) && declares(root, properties[token], rest, depth + 1)) return true
  if (ARRAY_INDEX.test(token) && declares(root, itemSchema(schema, Number(token)), rest, depth + 1)) return true
  if (typeof schema.$ref === 'string' && declares(root, resolveLocalRef(root, schema.$ref), tokens, depth + 1)) return true
  for (const keyword of COMBINATORS) {
    const list = schema[keyword]
    if (Array.isArray(list) && list.some((branch) => declares(root, branch, tokens, depth + 1))) return true
  }
  return BRANCHES.some((keyword) => declares(root, schema[keyword], tokens, depth + 1))
}

/** The schema of an array's item at `index`: its `prefixItems` entry (`items` as a list in older drafts), else `items`. */
function itemSchema(schema: Record<string, unknown>, index: number): unknown {
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : undefined
  if (prefix !== undefined) return index < prefix.length ? prefix[index] : schema.prefixItems !== undefined ? schema.items : schema.additionalItems
  return schema.items
}

/** A `$ref` to the root (`#`) or to a JSON pointer fragment of it (`#/$defs/x`); undefined for any other reference. */
function resolveLocalRef(root: unknown, ref: string): unknown {
  if (ref === '#') return root
  if (!ref.startsWith('#/')) return undefined
  try {
    return locate(root, parsePointer(decodeURIComponent(ref.slice(1)))).value
  } catch {
    return undefined
  }
}
