/**
 * TypeScript types from JSON schemas, for the stubs a derivation's Validate generates: the
 * common keywords (type, properties, required, additionalProperties, items, enum, const, anyOf,
 * oneOf, allOf) become the matching TypeScript; anything else (`$ref`, `not`, conditionals) is
 * `unknown`, so a type written here never claims more than the schema says.
 */
import { isObject } from '../json/values.ts'

/** How deep a schema is followed before its rest becomes `unknown`. */
const MAX_DEPTH = 32

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** The TypeScript type of the values `schema` accepts, as source text indented by `indent`. */
export function schemaToTypeScript(schema: unknown, indent = ''): string {
  return typeOf(schema, indent, 0)
}

function typeOf(schema: unknown, indent: string, depth: number): string {
  if (schema === true || schema === undefined) return 'unknown'
  if (schema === false) return 'never'
  if (!isObject(schema) || depth > MAX_DEPTH) return 'unknown'
  const parts: string[] = []
  if ('const' in schema) parts.push(literal(schema.const))
  else if (Array.isArray(schema.enum)) parts.push(union(schema.enum.map(literal)))
  else {
    const own = ownType(schema, indent, depth)
    if (own !== undefined) parts.push(own)
  }
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const branches = schema[keyword]
    if (Array.isArray(branches) && branches.length > 0) parts.push(union(branches.map((b) => typeOf(b, indent, depth + 1))))
  }
  if (Array.isArray(schema.allOf)) for (const b of schema.allOf) {
    const t = typeOf(b, indent, depth + 1)
    if (t !== 'unknown') parts.push(t)
  }
  if (parts.length === 0) return 'unknown'
  return parts.length === 1 ? (parts[0] as string) : parts.map(group).join(' & ')
}

/** The type the `type` keyword (or, without it, `properties` or `items`) gives. */
function ownType(schema: Record<string, unknown>, indent: string, depth: number): string | undefined {
  const declared = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? schema.type.filter((t): t is string => typeof t === 'string') : undefined
  const types = declared ?? (isObject(schema.properties) ? ['object'] : 'items' in schema ? ['array'] : undefined)
  if (types === undefined) return undefined
  const out = types.map((type) => {
    switch (type) {
      case 'string': return 'string'
      case 'number':
      case 'integer': return 'number'
      case 'boolean': return 'boolean'
      case 'null': return 'null'
      case 'array': return arrayType(schema, indent, depth)
      case 'object': return objectType(schema, indent, depth)
      default: return 'unknown'
    }
  })
  return union([...new Set(out)])
}

function arrayType(schema: Record<string, unknown>, indent: string, depth: number): string {
  const items = schema.items
  if (Array.isArray(items)) return `[${items.map((i) => typeOf(i, indent, depth + 1)).join(', ')}, ...unknown[]]`
  return `${group(typeOf(items, indent, depth + 1))}[]`
}

function objectType(schema: Record<string, unknown>, indent: string, depth: number): string {
  const properties = isObject(schema.properties) ? schema.properties : {}
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [])
  const inner = indent + '  '
  const lines: string[] = []
  for (const [name, property] of Object.entries(properties)) {
    const description = isObject(property) && typeof property.description === 'string' ? property.description : undefined
    if (description) lines.push(`${inner}/** ${description.replaceAll('*/', '* /').replaceAll('\n', ' ')} */`)
    lines.push(`${inner}${IDENTIFIER.test(name) ? name : JSON.stringify(name)}${required.has(name) ? '' : '?'}: ${typeOf(property, inner, depth + 1)}`)
  }
  for (const name of required) if (!(name in properties)) lines.push(`${inner}${IDENTIFIER.test(name) ? name : JSON.stringify(name)}: unknown`)
  const additional = schema.additionalProperties
  if (additional !== false) lines.push(`${inner}[property: string]: ${isObject(additional) && lines.length === 0 ? typeOf(additional, inner, depth + 1) : 'unknown'}`)
  return lines.length === 0 ? 'Record<string, never>' : `{\n${lines.join('\n')}\n${indent}}`
}

function literal(value: unknown): string {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value)
  return 'unknown'
}

function union(types: readonly string[]): string {
  if (types.length === 0) return 'never'
  if (types.includes('unknown')) return 'unknown'
  return types.length === 1 ? (types[0] as string) : types.map(group).join(' | ')
}

/** Parenthesizes a union or intersection where it is an operand. */
function group(type: string): string {
  return isCompound(type) ? `(${type})` : type
}

/** True if `type` has a `|` or `&` outside brackets and string literals. */
function isCompound(type: string): boolean {
  let depth = 0
  for (let i = 0; i < type.length; i++) {
    const c = type[i]
    if (c === '"') {
      for (i++; i < type.length && type[i] !== '"'; i++) if (type[i] === '\\') i++
    } else if (c === '{' || c === '[' || c === '(' || c === '<') depth++
    else if (c === '}' || c === ']' || c === ')' || c === '>') depth--
    else if (depth === 0 && (c === '|' || c === '&')) return true
  }
  return false
}

/** A name for a type from a transform's name: PascalCase, valid as an identifier. */
export function typeName(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean)
  const pascal = words.map((w) => (w[0] as string).toUpperCase() + w.slice(1)).join('')
  return /^[A-Za-z_]/.test(pascal) ? pascal : `T${pascal}`
}

interface StubTransform {
  readonly name: string
  readonly collection: { readonly name: string; readonly schema: unknown }
}

/**
 * A TypeScript module per transform, by URL under `projectRoot`'s `flow_generated/flowkit/`:
 * the type of the documents it reads, and of its handler.
 */
export function transformStubs(projectRoot: string, derived: string, transforms: readonly StubTransform[]): Record<string, string> {
  const root = projectRoot === '' ? 'file:///' : projectRoot.endsWith('/') ? projectRoot : `${projectRoot}/`
  const files: Record<string, string> = {}
  for (const t of transforms) {
    const name = typeName(t.name)
    const url = new URL(`flow_generated/flowkit/${derived}/${t.name}.ts`, root).href
    files[url] = [
      `// Generated by flowkit for transform ${JSON.stringify(t.name)} of ${derived}: the documents it reads from ${t.collection.name}.`,
      '// Regenerated by every Validate; do not edit.',
      "import type { DocumentHandler, TransformPipeline } from 'flowkit/derive'",
      '',
      `/** A document of ${t.collection.name}, as its schema describes it. */`,
      `export type ${name}Source = ${schemaToTypeScript(t.collection.schema)}`,
      '',
      `/** A handler of ${JSON.stringify(t.name)}: called with each document it reads. */`,
      `export type ${name}Handler = DocumentHandler<${name}Source>`,
      '',
      `/** ${JSON.stringify(t.name)} as a pipeline over its reads. */`,
      `export type ${name}Pipeline = TransformPipeline<${name}Source>`,
      '',
    ].join('\n')
  }
  return files
}
