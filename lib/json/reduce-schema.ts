/**
 * A collection schema compiled for reduction: where its `reduce` annotations apply.
 *
 * Flow takes the reduction strategy at each location of a document from the annotations of the
 * schemas that apply there when it validates the later (right-hand) document. This module
 * follows the same idea over a documented subset of JSON Schema (2020-12, with draft-07 array
 * forms):
 * - in place, always: `$ref` (local: `#`, `#/json/pointer`, `#anchor` of `$anchor` or a draft-07
 *   `$id: "#anchor"`, or a `$id` of the schema itself, exactly as written, with an optional
 *   `#` fragment), `allOf`, and `dependentSchemas` of the properties the value has;
 * - in place, when they validate the right-hand value: each branch of `anyOf` and `oneOf` (every
 *   branch that validates counts, also when several of a `oneOf` do), and `if` with `then`, or
 *   `else` when `if` does not validate;
 * - below: `properties`, `patternProperties`, `additionalProperties` (for the properties that
 *   neither of the other two name), `prefixItems` with `items`, and the draft-07 forms `items`
 *   (an array) with `additionalItems`.
 * Not followed (annotations under them are never used): `not`, `contains`, `propertyNames`,
 * `unevaluatedProperties`, `unevaluatedItems`, `$dynamicRef`, `$recursiveRef`, and `$ref`s to
 * other documents (an ArgumentError).
 *
 * Where several schemas that apply at a location carry a `reduce` annotation, a schema's own
 * annotation wins over those of its in-place applicators (so `{$ref, reduce}` reduces with its
 * own `reduce`), and among applicators the later wins, in the order `$ref`, `allOf`, `anyOf`,
 * `oneOf`, `if`/`then`/`else`, `dependentSchemas`, and array order within each.
 *
 * Whether a branch validates is decided by a validator compiled from the branch with
 * `typebox/schema` (which ignores the `reduce` keyword and checks the formats it knows).
 */
import { Compile, type XSchema } from 'typebox/schema'
import { ArgumentError, messageOf } from '../errors.ts'
import { escapePointerToken, locate, parsePointer } from './pointer.ts'
import { describeValue, hasMember, isObject, member, setMember, type JsonObject } from './values.ts'

/** A reduction strategy as a `reduce` annotation declares it, with key pointers parsed. */
export type Strategy =
  | Plain<'append'>
  | Plain<'firstWriteWins'>
  | Plain<'sum'>
  | Plain<'jsonSchemaMerge'>
  | { readonly strategy: 'lastWriteWins'; readonly delete: boolean; readonly associative: boolean }
  | Keyed<'minimize'>
  | Keyed<'maximize'>
  | Keyed<'set'>
  | (Keyed<'merge'> & { readonly delete: boolean })

type Plain<K extends string> = { readonly strategy: K }
/** `key`: the parsed tokens of each key pointer. */
type Keyed<K extends string> = { readonly strategy: K; readonly key: readonly (readonly string[])[] }

/** One schema, compiled. */
export interface SchemaNode {
  strategy: Strategy | undefined
  applicators: Applicator[]
  dependentSchemas: Map<string, SchemaNode>
  properties: Map<string, SchemaNode>
  patternProperties: [RegExp, SchemaNode][]
  additionalProperties: SchemaNode | undefined
  prefixItems: SchemaNode[]
  items: SchemaNode | undefined
}

type Check = (value: unknown) => boolean

export type Applicator =
  | { readonly kind: 'always'; readonly node: SchemaNode }
  | { readonly kind: 'when'; readonly node: SchemaNode; readonly check: Check }
  | { readonly kind: 'if'; readonly node: SchemaNode; readonly check: Check; readonly then: SchemaNode | undefined; readonly else: SchemaNode | undefined }

const STRATEGY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  append: [],
  firstWriteWins: [],
  sum: [],
  jsonSchemaMerge: [],
  lastWriteWins: ['delete', 'associative'],
  minimize: ['key'],
  maximize: ['key'],
  set: ['key'],
  merge: ['key', 'delete'],
}

/** Keywords whose value is one subschema, and those whose value is an array or a map of them. */
const ONE = ['additionalProperties', 'additionalItems', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems'] as const
const LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const
const MAP = ['$defs', 'definitions', 'properties', 'patternProperties', 'dependentSchemas'] as const

/**
 * Compiles `schema` (a JSON schema: an object or a boolean). Throws an ArgumentError naming the
 * schema location of an invalid `reduce` annotation, a `$ref` that does not resolve within the
 * schema, a pattern that is not a regular expression, or a branch that cannot be compiled.
 */
export function compileReduceSchema(schema: unknown): SchemaNode {
  if (!isSchema(schema)) throw new ArgumentError(`a schema is an object or a boolean, not ${describeValue(schema)}`)
  return new SchemaCompiler(schema).node(schema, '')
}

function isSchema(value: unknown): value is JsonObject | boolean {
  return typeof value === 'boolean' || isObject(value)
}

/** The subschemas directly inside `schema`, each with its pointer token path. */
function subschemas(schema: JsonObject): [string[], unknown][] {
  const found: [string[], unknown][] = []
  for (const keyword of ONE) if (hasMember(schema, keyword)) found.push([[keyword], schema[keyword]])
  const items = member(schema, 'items')
  if (Array.isArray(items)) items.forEach((sub, i) => found.push([['items', String(i)], sub]))
  else if (items !== undefined) found.push([['items'], items])
  for (const keyword of LIST) {
    const list = member(schema, keyword)
    if (Array.isArray(list)) list.forEach((sub, i) => found.push([[keyword, String(i)], sub]))
  }
  for (const keyword of MAP) {
    const map = member(schema, keyword)
    if (isObject(map)) for (const name of Object.keys(map)) found.push([[keyword, name], map[name]])
  }
  return found.filter(([, sub]) => isSchema(sub))
}

interface Located {
  /** JSON pointer from the root schema. */
  readonly pointer: string
  /** The schema resource it is in: the nearest enclosing schema with a `$id`, or the root. */
  readonly resource: JsonObject | boolean
}

class SchemaCompiler {
  private readonly nodes = new Map<JsonObject | boolean, SchemaNode>()
  private readonly located = new Map<JsonObject | boolean, Located>()
  private readonly anchors = new Map<string, JsonObject>()
  private readonly ids = new Map<string, JsonObject>()

  constructor(private readonly root: JsonObject | boolean) {
    this.index(root, '', root)
  }

  /** Records where every subschema is, and the anchors and ids that name them. */
  private index(schema: JsonObject | boolean, pointer: string, enclosing: JsonObject | boolean): void {
    let resource = enclosing
    if (typeof schema !== 'boolean') {
      const id = member(schema, '$id')
      if (typeof id === 'string' && id.startsWith('#')) this.anchors.set(id.slice(1), schema)
      else if (typeof id === 'string') {
        this.ids.set(id.split('#')[0] as string, schema)
        resource = schema
      }
      const anchor = member(schema, '$anchor')
      if (typeof anchor === 'string') this.anchors.set(anchor, schema)
    }
    this.located.set(schema, { pointer, resource })
    if (typeof schema === 'boolean') return
    for (const [path, sub] of subschemas(schema)) this.index(sub as JsonObject | boolean, `${pointer}/${path.map(escapePointerToken).join('/')}`, resource)
  }

  /** The node of `schema` at `pointer`, compiled once (so `$ref` cycles end). */
  node(schema: JsonObject | boolean, pointer: string): SchemaNode {
    const known = this.nodes.get(schema)
    if (known) return known
    const node: SchemaNode = {
      strategy: undefined,
      applicators: [],
      dependentSchemas: new Map(),
      properties: new Map(),
      patternProperties: [],
      additionalProperties: undefined,
      prefixItems: [],
      items: undefined,
    }
    this.nodes.set(schema, node)
    if (typeof schema !== 'boolean') this.fill(node, schema, pointer)
    return node
  }

  private fill(node: SchemaNode, schema: JsonObject, at: string): void {
    if (hasMember(schema, 'reduce')) node.strategy = parseStrategy(schema['reduce'], `${at}/reduce`)
    this.fillApplicators(node, schema, at)
    for (const [name, sub] of this.map(schema, 'dependentSchemas', at)) node.dependentSchemas.set(name, sub)
    for (const [name, sub] of this.map(schema, 'properties', at)) node.properties.set(name, sub)
    for (const [pattern, sub] of this.map(schema, 'patternProperties', at)) node.patternProperties.push([patternOf(pattern, at), sub])
    node.additionalProperties = this.one(schema, 'additionalProperties', at)
    this.fillItems(node, schema, at)
  }

  private fillApplicators(node: SchemaNode, schema: JsonObject, at: string): void {
    const ref = member(schema, '$ref')
    if (typeof ref === 'string') node.applicators.push({ kind: 'always', node: this.refNode(ref, schema, at) })
    for (const sub of this.list(schema, 'allOf', at)) node.applicators.push({ kind: 'always', node: sub })
    for (const keyword of ['anyOf', 'oneOf'] as const) {
      const branches = member(schema, keyword)
      if (!Array.isArray(branches)) continue
      branches.forEach((branch: unknown, i) => {
        const where = `${at}/${keyword}/${i}`
        if (isSchema(branch)) node.applicators.push({ kind: 'when', node: this.node(branch, where), check: this.check(branch, where) })
      })
    }
    const condition = member(schema, 'if')
    if (isSchema(condition)) {
      const where = `${at}/if`
      node.applicators.push({ kind: 'if', node: this.node(condition, where), check: this.check(condition, where), then: this.one(schema, 'then', at), else: this.one(schema, 'else', at) })
    }
  }

  private fillItems(node: SchemaNode, schema: JsonObject, at: string): void {
    const items = member(schema, 'items')
    if (hasMember(schema, 'prefixItems') || !Array.isArray(items)) {
      node.prefixItems = this.list(schema, 'prefixItems', at)
      node.items = this.one(schema, 'items', at)
    } else {
      node.prefixItems = this.list(schema, 'items', at)
      node.items = this.one(schema, 'additionalItems', at)
    }
  }

  private one(schema: JsonObject, keyword: string, at: string): SchemaNode | undefined {
    const sub = member(schema, keyword)
    return isSchema(sub) ? this.node(sub, `${at}/${keyword}`) : undefined
  }

  private list(schema: JsonObject, keyword: string, at: string): SchemaNode[] {
    const list = member(schema, keyword)
    if (!Array.isArray(list)) return []
    return list.flatMap((sub, i) => (isSchema(sub) ? [this.node(sub, `${at}/${keyword}/${i}`)] : []))
  }

  private map(schema: JsonObject, keyword: string, at: string): [string, SchemaNode][] {
    const map = member(schema, keyword)
    if (!isObject(map)) return []
    return Object.keys(map).flatMap((name) => {
      const sub = map[name]
      return isSchema(sub) ? [[name, this.node(sub, `${at}/${keyword}/${escapePointerToken(name)}`)] as [string, SchemaNode]] : []
    })
  }

  private refNode(ref: string, from: JsonObject, at: string): SchemaNode {
    const target = this.resolve(ref, from, at)
    return this.node(target, (this.located.get(target) as Located).pointer)
  }

  /** The schema a local `$ref` names. */
  private resolve(ref: string, from: JsonObject | boolean, at: string): JsonObject | boolean {
    const hash = ref.indexOf('#')
    const base = hash === -1 ? ref : ref.slice(0, hash)
    const fragment = hash === -1 ? '' : ref.slice(hash + 1)
    const resource = base === '' ? this.located.get(from)?.resource ?? this.root : this.ids.get(base)
    const unresolved = () => new ArgumentError(`schema ${at || '#'}: $ref ${JSON.stringify(ref)} does not resolve within the schema (only local references are followed)`)
    if (resource === undefined) throw unresolved()
    if (fragment === '') return resource
    if (!fragment.startsWith('/')) {
      const anchored = this.anchors.get(fragment)
      if (!anchored) throw unresolved()
      return anchored
    }
    const found = locate(resource, parsePointer(safeDecode(fragment)))
    if (!found.found || !isSchema(found.value)) throw unresolved()
    return found.value
  }

  /** Whether a value validates `branch` (at `pointer`), compiled once. */
  private check(branch: JsonObject | boolean, pointer: string): Check {
    if (typeof branch === 'boolean') return () => branch
    const state = { refs: false }
    const standalone: JsonObject = { allOf: [this.standalone(branch, state)] }
    if (state.refs) standalone['$defs'] = { [ROOT_DEF]: this.standalone(this.root, state) }
    try {
      const validator = Compile(standalone as XSchema)
      return (value) => validator.Check(value)
    } catch (error) {
      throw new ArgumentError(`schema ${pointer}: cannot be compiled to decide whether it applies: ${messageOf(error)}`, { cause: error })
    }
  }

  /**
   * A copy of `schema` that validates on its own: every `$ref` rewritten to a pointer into a
   * copy of the root kept under `$defs`, and `$id`s and anchors dropped (they would change what
   * those pointers mean).
   */
  private standalone(schema: JsonObject | boolean, state: { refs: boolean }): JsonObject | boolean {
    if (typeof schema === 'boolean') return schema
    const copy: JsonObject = {}
    for (const key of Object.keys(schema)) if (key !== '$id' && key !== '$anchor' && key !== '$schema') setMember(copy, key, schema[key])
    const ref = member(schema, '$ref')
    if (typeof ref === 'string') {
      state.refs = true
      const target = this.resolve(ref, schema, this.located.get(schema)?.pointer ?? '')
      copy['$ref'] = `#/$defs/${ROOT_DEF}${(this.located.get(target) as Located).pointer}`
    }
    for (const [path, sub] of subschemas(schema)) setAt(copy, path, this.standalone(sub as JsonObject | boolean, state))
    return copy
  }
}

const ROOT_DEF = 'flowkitReduceRoot'

/** Sets `value` at a one- or two-token path in `copy`, copying the container on the way. */
function setAt(copy: JsonObject, path: readonly string[], value: unknown): void {
  const [first, second] = path as [string, string | undefined]
  if (second === undefined) return void (copy[first] = value)
  const container = copy[first]
  if (Array.isArray(container)) {
    const cloned = [...(container as unknown[])]
    cloned[Number(second)] = value
    copy[first] = cloned
  } else {
    const cloned = { ...(container as JsonObject) }
    setMember(cloned, second, value)
    copy[first] = cloned
  }
}

function safeDecode(fragment: string): string {
  try {
    return decodeURIComponent(fragment)
  } catch {
    return fragment
  }
}

function patternOf(pattern: string, at: string): RegExp {
  try {
    return new RegExp(pattern, 'u')
  } catch {
    try {
      return new RegExp(pattern)
    } catch (error) {
      throw new ArgumentError(`schema ${at}/patternProperties: ${JSON.stringify(pattern)} is not a regular expression: ${messageOf(error)}`)
    }
  }
}

/** Parses a `reduce` annotation as Flow does: a known strategy with only the fields it takes. */
export function parseStrategy(value: unknown, at: string): Strategy {
  const fail = (why: string) => new ArgumentError(`schema ${at}: ${why}`)
  if (!isObject(value)) throw fail(`a reduce annotation is an object, not ${describeValue(value)}`)
  const name = value['strategy']
  const fields = typeof name === 'string' && Object.hasOwn(STRATEGY_FIELDS, name) ? STRATEGY_FIELDS[name] : undefined
  if (!fields) throw fail(`unknown reduction strategy ${JSON.stringify(name)}; the strategies are ${Object.keys(STRATEGY_FIELDS).join(', ')}`)
  const unknown = Object.keys(value).filter((key) => key !== 'strategy' && !fields.includes(key))
  if (unknown.length > 0) throw fail(`strategy ${name} does not take ${unknown.map((key) => JSON.stringify(key)).join(', ')}`)
  const flag = (field: string, byDefault: boolean) => {
    const given = member(value, field)
    if (given === undefined) return byDefault
    if (typeof given !== 'boolean') throw fail(`"${field}" is a boolean, not ${describeValue(given)}`)
    return given
  }
  const key = () => keyPointers(member(value, 'key'), fail)
  switch (name) {
    case 'lastWriteWins':
      return { strategy: name, delete: flag('delete', false), associative: flag('associative', true) }
    case 'merge':
      return { strategy: name, key: key(), delete: flag('delete', false) }
    case 'minimize':
    case 'maximize':
    case 'set':
      return { strategy: name, key: key() }
    default:
      return { strategy: name as 'append' | 'firstWriteWins' | 'sum' | 'jsonSchemaMerge' }
  }
}

function keyPointers(given: unknown, fail: (why: string) => ArgumentError): string[][] {
  if (given === undefined) return []
  if (!Array.isArray(given) || !given.every((pointer) => typeof pointer === 'string')) throw fail(`"key" is an array of JSON pointers, not ${describeValue(given)}`)
  return given.map((pointer: string) => {
    try {
      return parsePointer(pointer)
    } catch (error) {
      throw fail(`"key": ${messageOf(error)}`)
    }
  })
}

// ---------------------------------------------------------------------------------------------
// Where annotations apply

/**
 * The schemas that apply at a location whose right-hand value is `value`, given those that
 * reach it from its parent: each followed through its in-place applicators, which come before
 * it. Each schema appears once.
 */
export function applicable(reaching: readonly SchemaNode[], value: unknown): SchemaNode[] {
  const out: SchemaNode[] = []
  const seen = new Set<SchemaNode>()
  for (const node of reaching) expand(node, value, out, seen)
  return out
}

function expand(node: SchemaNode, value: unknown, out: SchemaNode[], seen: Set<SchemaNode>): void {
  if (seen.has(node)) return
  seen.add(node)
  for (const applicator of node.applicators) {
    if (applicator.kind === 'always') expand(applicator.node, value, out, seen)
    else if (applicator.kind === 'when') {
      if (applicator.check(value)) expand(applicator.node, value, out, seen)
    } else if (applicator.check(value)) {
      expand(applicator.node, value, out, seen)
      if (applicator.then) expand(applicator.then, value, out, seen)
    } else if (applicator.else) expand(applicator.else, value, out, seen)
  }
  if (node.dependentSchemas.size > 0 && isObject(value)) {
    for (const [name, sub] of node.dependentSchemas) if (hasMember(value, name)) expand(sub, value, out, seen)
  }
  out.push(node)
}

/** The strategy the applicable schemas give a location: the last one declared. */
export function strategyOf(nodes: readonly SchemaNode[]): Strategy | undefined {
  for (let i = nodes.length - 1; i >= 0; i--) {
    const strategy = (nodes[i] as SchemaNode).strategy
    if (strategy) return strategy
  }
  return undefined
}

/** The schemas that reach property `name` of an object from the schemas applicable to it. */
export function propertySchemas(nodes: readonly SchemaNode[], name: string): SchemaNode[] {
  const out: SchemaNode[] = []
  for (const node of nodes) {
    const named = node.properties.get(name)
    if (named) out.push(named)
    let matched = named !== undefined
    for (const [pattern, sub] of node.patternProperties) {
      if (pattern.test(name)) {
        out.push(sub)
        matched = true
      }
    }
    if (!matched && node.additionalProperties) out.push(node.additionalProperties)
  }
  return out
}

/** The schemas that reach item `index` of an array from the schemas applicable to it. */
export function itemSchemas(nodes: readonly SchemaNode[], index: number): SchemaNode[] {
  const out: SchemaNode[] = []
  for (const node of nodes) {
    const sub = index < node.prefixItems.length ? node.prefixItems[index] : node.items
    if (sub) out.push(sub)
  }
  return out
}
