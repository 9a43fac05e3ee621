/**
 * Documents checked as Flow checks them when they are written to a collection: against the
 * collection's write schema, and for a value at every location of its key.
 *
 * Each binding's schema is compiled once (with `typebox/schema`, which takes plain JSON Schema)
 * and then used for every document of the session. Keywords the validator does not know, such
 * as Flow's `reduce` annotations, are ignored, and so are formats it does not know; `date-time`,
 * `date`, `time`, `email`, `uri`, `uuid`, `ipv4` and the other common formats are checked. The
 * schema itself is first checked against the meta-schema its `$schema` names (2020-12 when it
 * names none), and every `$ref` must resolve within the schema: references to other files or
 * to URLs are refused, as the schema would otherwise accept nothing at that location.
 */
import { Compile, Meta, NextStack, Resolve, Stack, type Validator, type XRef, type XSchema, type XStack } from 'typebox/schema'
import { ArgumentError, ConfigError, DocumentError, messageOf } from '../errors.ts'
import { isObject } from '../json/values.ts'
import { escapePointerToken, locate, parsePointer } from '../json/pointer.ts'
import type { CaptureTask, Collection } from './catalog.ts'

/** One way a document fails its schema: where (a JSON pointer into the document) and why. */
export interface SchemaProblem {
  /** JSON pointer of the failing location; '' for the document itself. */
  readonly path: string
  readonly message: string
}

/** What is wrong with one document. */
export interface DocumentProblems {
  /** The values at the collection's key pointers, in order; undefined where there is none. */
  readonly key: readonly unknown[]
  /** The key pointers at which the document has no value. */
  readonly missingKeys: readonly string[]
  /** How it fails the collection's schema; empty when it matches it. */
  readonly errors: readonly SchemaProblem[]
}

/** A collection's schema and key, compiled. */
export interface CollectionChecker {
  readonly collection: Collection
  /** What is wrong with `document`, or undefined when it has every key location and matches the schema. */
  problems(document: unknown): DocumentProblems | undefined
}

/** The validators of every binding of a capture. */
export interface DocumentChecker {
  /**
   * Throws a DocumentError naming the collection, the binding, the document's key and what is
   * wrong when the document of `binding` does not fit its collection.
   */
  check(binding: number, document: unknown): void
}

/** How many schema errors a message lists before it says how many more there are. */
const LISTED_ERRORS = 3
/** Key values longer than this are cut short in messages. */
const KEY_VALUE_CHARS = 80

/**
 * Compiles a collection's schema and key pointers. Throws a ConfigError naming the collection
 * when a key pointer is not a JSON pointer, when the schema is not a valid JSON schema, when a
 * `$ref` does not resolve within it, or when it cannot be compiled.
 */
export function compileCollection(collection: Collection): CollectionChecker {
  const where = `collection ${collection.name}`
  const keys = collection.key.map((pointer) => {
    try {
      return parsePointer(pointer)
    } catch (error) {
      throw new ConfigError(`${where}: key ${messageOf(error)}`, { cause: error })
    }
  })
  const validator = compileValidator(collection.writeSchema, where)
  const evaluate = evaluator(where)
  return {
    collection,
    problems(document) {
      // The common case, a valid document, costs a lookup per key and one compiled check.
      const valid = evaluate(() => validator.Check(document))
      if (valid && keys.every((tokens) => locate(document, tokens).found)) return undefined
      const located = keys.map((tokens) => locate(document, tokens))
      return {
        key: located.map((at) => at.value),
        missingKeys: collection.key.filter((_, i) => !located[i]?.found),
        errors: valid ? [] : schemaProblems(evaluate(() => validator.Errors(document))[1]),
      }
    },
  }
}

/**
 * A JSON schema compiled as collection schemas are compiled. Throws a ConfigError naming
 * `where` when it is not a valid JSON schema, when a `$ref` does not resolve within it, or
 * when it cannot be compiled.
 */
export function compileSchema(schema: unknown, where: string): SchemaCheck {
  const validator = compileValidator(schema, where)
  const evaluate = evaluator(where)
  return {
    problems(value) {
      if (evaluate(() => validator.Check(value))) return []
      return schemaProblems(evaluate(() => validator.Errors(value))[1])
    },
  }
}

/** A compiled JSON schema. */
export interface SchemaCheck {
  /** How `value` fails the schema; empty when it matches. */
  problems(value: unknown): readonly SchemaProblem[]
}

/** The first few problems on one line, `path: message; ...`, and how many more there are. */
export function listProblems(problems: readonly SchemaProblem[]): string {
  return listed(problems)
}

function compileValidator(schema: unknown, where: string): Validator {
  const invalid = metaProblems(schema)
  if (invalid.length > 0) throw new ConfigError(`${where}: its schema is not a valid JSON schema: ${listed(invalid)}`)
  const ref = unresolvedRef(schema)
  if (ref !== undefined) {
    throw new ConfigError(`${where}: its schema's $ref ${JSON.stringify(ref)} does not resolve within the schema (references to other files or URLs are not supported)`)
  }
  try {
    return Compile(schema as XSchema)
  } catch (error) {
    throw new ConfigError(`${where}: its schema cannot be compiled: ${messageOf(error)}`, { cause: error })
  }
}

/** Runs a compiled schema; one that cannot be evaluated (it refers to itself without end) is a ConfigError. */
function evaluator(where: string): <T>(run: () => T) => T {
  return (run) => {
    try {
      return run()
    } catch (error) {
      throw new ConfigError(`${where}: its schema cannot be evaluated: ${messageOf(error)}`, { cause: error })
    }
  }
}

const checkers = new WeakMap<CaptureTask, DocumentChecker>()

/**
 * The document checks of a capture's bindings, compiled on first use and kept for as long as the
 * task is: sessions of the same task share them. Throws what compileCollection throws.
 */
export function documentChecker(task: CaptureTask): DocumentChecker {
  const cached = checkers.get(task)
  if (cached) return cached
  const byCollection = new Map<Collection, CollectionChecker>()
  const validators = task.bindings.map((binding) => {
    let validator = byCollection.get(binding.collection)
    if (!validator) byCollection.set(binding.collection, (validator = compileCollection(binding.collection)))
    return validator
  })
  const compiled: DocumentChecker = {
    check(binding, document) {
      const validator = validators[binding]
      if (validator === undefined) throw new ArgumentError(`binding ${binding} is out of range: the capture has ${validators.length}`)
      const problems = validator.problems(document)
      if (problems) throw new DocumentError(describeProblems(validator.collection.name, binding, problems))
    },
  }
  checkers.set(task, compiled)
  return compiled
}

/**
 * One line: `document for acmeCo/greetings (binding 0) with key [17] does not match its
 * schema: /ts: must be string; /id: required property missing`.
 */
export function describeProblems(collection: string, binding: number, problems: DocumentProblems): string {
  const key = `[${problems.key.map(keyValueText).join(',')}]`
  const what: string[] = []
  if (problems.missingKeys.length > 0) {
    const pointers = problems.missingKeys.map((pointer) => JSON.stringify(pointer)).join(', ')
    what.push(`has no value at key pointer${problems.missingKeys.length === 1 ? '' : 's'} ${pointers}`)
  }
  if (problems.errors.length > 0) what.push(`does not match its schema: ${listed(problems.errors)}`)
  return `document for ${collection} (binding ${binding}) with key ${key} ${what.join(', and ')}`
}

function keyValueText(value: unknown): string {
  if (value === undefined) return '(missing)'
  const text = JSON.stringify(value)
  return text.length <= KEY_VALUE_CHARS ? text : `${text.slice(0, KEY_VALUE_CHARS - 1)}…`
}

/** The first few problems, `path: message; ...`, and how many more there are. */
function listed(problems: readonly SchemaProblem[]): string {
  const shown = problems.slice(0, LISTED_ERRORS).map(({ path, message }) => `${path === '' ? '(root)' : path}: ${message}`)
  const more = problems.length - shown.length
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '')
}

type ValidationErrors = ReturnType<Validator['Errors']>[1]

/**
 * The validator's errors as problems, each once: a missing required property is reported at
 * its own path, a property refused by `additionalProperties: false` says so, and the summary
 * of failing additional properties gives way to their own errors.
 */
function schemaProblems(errors: ValidationErrors): SchemaProblem[] {
  const seen = new Set<string>()
  const problems: SchemaProblem[] = []
  const add = (path: string, message: string) => {
    const id = `${path}\u0000${message}`
    if (seen.has(id)) return
    seen.add(id)
    problems.push({ path, message })
  }
  for (const error of errors) {
    if (error.keyword === 'required') {
      for (const property of error.params.requiredProperties) add(`${error.instancePath}/${escapePointerToken(property)}`, 'required property missing')
    } else if (error.keyword === 'boolean' && /\/(additional|unevaluated)Properties$/.test(error.schemaPath)) {
      add(error.instancePath, 'property not allowed')
    } else if (error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties') {
      // Said better by the errors of the properties themselves, when there are any.
      if (!errors.some((other) => other.instancePath.startsWith(`${error.instancePath}/`))) add(error.instancePath, error.message)
    } else {
      add(error.instancePath, error.message)
    }
  }
  return problems
}

// --- The schema's own validity ---

const metaValidators = new Map<string, Validator>()
const DEFAULT_META = 'https://json-schema.org/draft/2020-12/schema'

/** How `schema` fails the meta-schema its `$schema` names (2020-12 by default). */
function metaProblems(schema: unknown): SchemaProblem[] {
  const named = isObject(schema) && typeof schema.$schema === 'string' ? schema.$schema.replace(/#$/, '') : DEFAULT_META
  const uri = Object.keys(Meta).find((key) => key.replace(/#$/, '') === named) ?? DEFAULT_META
  let validator = metaValidators.get(uri)
  if (!validator) metaValidators.set(uri, (validator = Compile(Meta[uri as keyof typeof Meta] as unknown as XSchema)))
  if (validator.Check(schema)) return []
  const [, errors] = validator.Errors(schema)
  const problems = schemaProblems(errors)
  return problems.length > 0 ? problems : [{ path: '', message: 'does not match the JSON Schema meta-schema' }]
}

/** Keywords whose value is a schema, a list of schemas, or a map of names to schemas. */
const SCHEMA_KEYWORDS = ['additionalItems', 'additionalProperties', 'contains', 'else', 'if', 'items', 'not', 'propertyNames', 'then', 'unevaluatedItems', 'unevaluatedProperties']
const SCHEMA_LIST_KEYWORDS = ['allOf', 'anyOf', 'items', 'oneOf', 'prefixItems']
const SCHEMA_MAP_KEYWORDS = ['$defs', 'definitions', 'dependencies', 'dependentSchemas', 'patternProperties', 'properties']

/**
 * The first `$ref` of the schema that resolves to nothing, found as the validator resolves
 * it: following `$id` bases, anchors and JSON pointer fragments.
 */
function unresolvedRef(root: unknown): string | undefined {
  if (!isObject(root)) return undefined
  const visit = (parent: XStack, schema: unknown): string | undefined => {
    if (!isObject(schema)) return undefined
    const stack = NextStack(parent, schema as XSchema)
    if (typeof schema.$ref === 'string' && Resolve.Ref(stack, schema as unknown as XRef).schema === undefined) return schema.$ref
    for (const keyword of SCHEMA_KEYWORDS) {
      const found = visit(stack, schema[keyword])
      if (found !== undefined) return found
    }
    for (const keyword of SCHEMA_LIST_KEYWORDS) {
      const list = schema[keyword]
      if (!Array.isArray(list)) continue
      for (const item of list) {
        const found = visit(stack, item)
        if (found !== undefined) return found
      }
    }
    for (const keyword of SCHEMA_MAP_KEYWORDS) {
      const map = schema[keyword]
      if (!isObject(map)) continue
      for (const value of Object.values(map)) {
        const found = visit(stack, value)
        if (found !== undefined) return found
      }
    }
    return undefined
  }
  return visit(Stack({}, root as XSchema), root)
}
