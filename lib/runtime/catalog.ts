/**
 * Catalogs (`flow.yaml`): loading a file and the files it imports, and resolving one capture
 * into what a runtime needs to run it: its endpoint with the config read, and each binding
 * with its collection.
 */
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parse } from 'yaml'
import { ConfigError, messageOf } from '../errors.ts'
import { isObject, type JsonObject } from '../json/values.ts'

/** A connector the runtime spawns itself: `endpoint.local`. */
export interface LocalEndpoint {
  readonly type: 'local'
  /** argv: the program, then its arguments. */
  readonly command: readonly string[]
  /** The connector's own config, decrypted, as the connector sees it. */
  readonly config: unknown
  readonly env: Readonly<Record<string, string>>
  /** true: protobuf codec; false: JSON lines. */
  readonly protobuf: boolean
}

/** A connector image: `endpoint.connector`. */
export interface ImageEndpoint {
  readonly type: 'image'
  readonly image: string
  readonly config: unknown
}

/** How a task's connector runs: a local command, or a container image. */
export type Endpoint = LocalEndpoint | ImageEndpoint

/**
 * A collection of a catalog, resolved: its name, key, the schemas documents are checked against and
 * its explicit projections.
 */
export interface Collection {
  readonly name: string
  /** JSON pointers of the collection's key. */
  readonly key: readonly string[]
  /** The schema documents are validated against when written (`writeSchema`, else `schema`). */
  readonly writeSchema: unknown
  /** The schema documents are read with (`readSchema`), when it differs from the write schema. */
  readonly readSchema?: unknown
  /** The catalog's explicit `projections`: field name → JSON pointer, or `{location, partition}`. */
  readonly projections?: Readonly<Record<string, ExplicitProjection>>
}

/** An explicit projection of a collection field onto a document location. */
export interface ExplicitProjection {
  readonly location: string
  readonly partition: boolean
}

/** One enabled binding of a capture: its resource config and the collection it writes. */
export interface CaptureBinding {
  readonly resource: unknown
  readonly collection: Collection
  /** How many times the binding was backfilled: 0 unless the catalog says otherwise. */
  readonly backfill: number
}

/** One capture of a catalog, resolved. Disabled bindings are left out. */
export interface CaptureTask {
  readonly name: string
  readonly endpoint: Endpoint
  readonly bindings: readonly CaptureBinding[]
  /** `shards.logLevel`, when the catalog sets it. */
  readonly logLevel?: string
}

/** A section of a catalog (a capture, materialization or collection) and the file it was found in. */
export interface Entry {
  readonly file: string
  readonly value: JsonObject
}

export interface Catalog {
  readonly captures: Map<string, Entry>
  readonly materializations: Map<string, Entry>
  readonly collections: Map<string, Entry>
}

const SECTIONS = ['captures', 'materializations', 'collections'] as const

/** Loads the catalog at `source` and every file it imports. */
export function loadCatalog(source: string): Catalog {
  const catalog: Catalog = { captures: new Map(), materializations: new Map(), collections: new Map() }
  loadFile(resolve(source), catalog, new Set())
  return catalog
}

/**
 * Loads the catalog at `source` (YAML or JSON), following `import:` lists relative to each
 * importing file, and resolves the capture `name`, or the catalog's only capture when no name
 * is given. Throws a ConfigError that says what to fix: an unreadable file, an unknown or
 * ambiguous capture (listing the names), a binding whose target is not defined, a config file
 * still encrypted with sops.
 */
export function loadCapture(source: string, name?: string): CaptureTask {
  const catalog = loadCatalog(source)
  const names = [...catalog.captures.keys()].sort()
  if (names.length === 0) throw new ConfigError(`catalog ${shown(source)} defines no captures`)
  let picked: string
  if (name !== undefined) {
    if (!catalog.captures.has(name)) throw new ConfigError(`capture ${JSON.stringify(name)} is not in the catalog; it defines: ${names.join(', ')}`)
    picked = name
  } else {
    if (names.length > 1) throw new ConfigError(`the catalog defines ${names.length} captures; name the one to run: ${names.join(', ')}`)
    picked = names[0] as string
  }
  return resolveCapture(picked, catalog.captures.get(picked) as Entry, catalog)
}

function loadFile(file: string, catalog: Catalog, seen: Set<string>): void {
  if (seen.has(file)) return
  seen.add(file)
  const document = readDocument(file, 'catalog')
  if (!isObject(document)) throw new ConfigError(`catalog ${shown(file)} is not a mapping of sections (captures, materializations, collections, import, ...)`)
  for (const section of SECTIONS) {
    const entries = document[section]
    if (entries === undefined || entries === null) continue
    if (!isObject(entries)) throw new ConfigError(`${section} in ${shown(file)} must be a mapping of names`)
    for (const [key, value] of Object.entries(entries)) {
      if (!isObject(value)) throw new ConfigError(`${section} ${key} in ${shown(file)} must be a mapping`)
      const earlier = catalog[section].get(key)
      if (earlier) throw new ConfigError(`${section} ${key} is defined twice: in ${shown(earlier.file)} and in ${shown(file)}`)
      catalog[section].set(key, { file, value })
    }
  }
  const imports = document.import ?? []
  if (!Array.isArray(imports)) throw new ConfigError(`import in ${shown(file)} must be a list of files`)
  for (const entry of imports) {
    if (typeof entry !== 'string') throw new ConfigError(`import in ${shown(file)} must list file names; got ${JSON.stringify(entry)}`)
    loadFile(resolveFrom(file, entry, 'import'), catalog, seen)
  }
}

function resolveCapture(name: string, entry: Entry, catalog: Catalog): CaptureTask {
  const where = `capture ${name}`
  const endpoint = resolveEndpoint(where, entry)
  const bindings = entry.value.bindings ?? []
  if (!Array.isArray(bindings)) throw new ConfigError(`${where}: bindings must be a list`)
  const resolved: CaptureBinding[] = []
  bindings.forEach((binding: unknown, index) => {
    if (!isObject(binding)) throw new ConfigError(`${where}: binding ${index} must be a mapping`)
    if (binding.disable === true) return
    const target = binding.target
    if (typeof target !== 'string') throw new ConfigError(`${where}: binding ${index} has no target collection`)
    const collection = catalog.collections.get(target)
    if (!collection) throw new ConfigError(`${where}: binding ${index} targets ${target}, which the catalog does not define`)
    const backfill = binding.backfill ?? 0
    if (typeof backfill !== 'number' || !Number.isInteger(backfill) || backfill < 0) throw new ConfigError(`${where}: binding ${index} backfill must be a non-negative integer`)
    resolved.push({ resource: binding.resource ?? {}, collection: resolveCollection(target, collection), backfill })
  })
  const shards = entry.value.shards
  const logLevel = isObject(shards) && typeof shards.logLevel === 'string' ? shards.logLevel : undefined
  return { name, endpoint, bindings: resolved, ...(logLevel === undefined ? {} : { logLevel }) }
}

/** The endpoint of a capture or materialization entry, its config read. */
export function resolveEndpoint(where: string, entry: Entry): Endpoint {
  const endpoint = entry.value.endpoint
  if (!isObject(endpoint)) throw new ConfigError(`${where} has no endpoint`)
  if (isObject(endpoint.local)) {
    const local = endpoint.local
    const command = local.command
    if (!Array.isArray(command) || command.length === 0 || !command.every((arg) => typeof arg === 'string')) {
      throw new ConfigError(`${where}: endpoint.local.command must be a non-empty list of strings (the program and its arguments)`)
    }
    const env: Record<string, string> = {}
    if (local.env !== undefined && local.env !== null) {
      if (!isObject(local.env)) throw new ConfigError(`${where}: endpoint.local.env must be a mapping`)
      for (const [key, value] of Object.entries(local.env)) env[key] = typeof value === 'string' ? value : JSON.stringify(value)
    }
    return { type: 'local', command: command as string[], config: resolveConfig(where, entry.file, local.config), env, protobuf: local.protobuf === true }
  }
  if (isObject(endpoint.connector)) {
    const image = endpoint.connector.image
    if (typeof image !== 'string' || image === '') throw new ConfigError(`${where}: endpoint.connector.image must name an image`)
    return { type: 'image', image, config: resolveConfig(where, entry.file, endpoint.connector.config) }
  }
  throw new ConfigError(`${where}: the endpoint must be \`local\` (a command) or \`connector\` (an image)`)
}

/** The config inline, or read from a file relative to the catalog file that names it. */
function resolveConfig(where: string, file: string, config: unknown): unknown {
  if (typeof config === 'string') {
    const path = resolveFrom(file, config, 'config')
    const value = readDocument(path, 'config')
    if (isSealed(value)) throw new ConfigError(`config ${shown(path)} is encrypted with sops; decrypt it first`)
    return value ?? {}
  }
  if (isSealed(config)) throw new ConfigError(`the config of ${where} is encrypted with sops; decrypt it first`)
  return config ?? {}
}

/**
 * A collection entry: its key and write schema (files read); with `readSide`, as a
 * materialization reads the collection, also its read schema and explicit projections.
 */
export function resolveCollection(name: string, entry: Entry, readSide = false): Collection {
  const key = entry.value.key
  if (!Array.isArray(key) || key.length === 0 || !key.every((pointer) => typeof pointer === 'string')) {
    throw new ConfigError(`collection ${name}: key must be a non-empty list of JSON pointers`)
  }
  const schemaOf = (schema: unknown) => (typeof schema === 'string' ? readDocument(resolveFrom(entry.file, schema, 'schema'), 'schema') : schema)
  const schema = entry.value.writeSchema ?? entry.value.schema
  if (schema === undefined || schema === null) throw new ConfigError(`collection ${name} has neither schema nor writeSchema`)
  const read = readSide ? entry.value.readSchema : undefined
  const projections = readSide ? entry.value.projections : undefined
  return {
    name,
    key: key as string[],
    writeSchema: schemaOf(schema),
    ...(read === undefined || read === null ? {} : { readSchema: schemaOf(read) }),
    ...(projections === undefined || projections === null ? {} : { projections: explicitProjections(name, projections) }),
  }
}

function explicitProjections(collection: string, projections: unknown): Record<string, ExplicitProjection> {
  if (!isObject(projections)) throw new ConfigError(`collection ${collection}: projections must be a mapping of field names to JSON pointers`)
  const out: Record<string, ExplicitProjection> = {}
  for (const [field, value] of Object.entries(projections)) {
    if (typeof value === 'string') out[field] = { location: value, partition: false }
    else if (isObject(value) && typeof value.location === 'string') out[field] = { location: value.location, partition: value.partition === true }
    else throw new ConfigError(`collection ${collection}: projection ${field} must be a JSON pointer or {location, partition}`)
  }
  return out
}

function isSealed(value: unknown): boolean {
  return isObject(value) && Object.hasOwn(value, 'sops')
}

/** Parses a YAML or JSON file (JSON is YAML). */
function readDocument(path: string, what: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${shown(path)}: ${reasonOf(error)}`, { cause: error })
  }
  try {
    return parse(text)
  } catch (error) {
    throw new ConfigError(`${what} ${shown(path)} is neither YAML nor JSON: ${messageOf(error).split('\n')[0]}`, { cause: error })
  }
}

/** A file named in `from`: a relative path or a file: URL. */
function resolveFrom(from: string, reference: string, what: string): string {
  if (reference.startsWith('file:')) return fileURLToPath(new URL(reference, pathToFileURL(from)))
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(reference)) throw new ConfigError(`${what} ${reference} in ${shown(from)}: only local files are supported`)
  return resolve(dirname(from), reference)
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES') return 'permission denied'
  if (code === 'EISDIR') return 'it is a directory'
  return messageOf(error)
}

/** A path as the user would write it: relative to the working directory when inside it. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), resolve(path))
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel
}
