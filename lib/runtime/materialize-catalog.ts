/**
 * The `materializations:` of a catalog, resolved as Flow resolves them: the endpoint with its
 * config read, and each enabled binding with its resource, its source collection (from the
 * same catalog's `collections:`) and the user's field selection (`fields`).
 */
import { ConfigError } from '../errors.ts'
import { isObject, type JsonObject } from '../json/values.ts'
import { loadCatalog, resolveCollection, resolveEndpoint, shown, type Catalog, type Collection, type Endpoint } from './catalog.ts'

/** A binding's `fields`: which projected fields the user wants beyond the connector's constraints. */
export interface FieldsSpec {
  /** Select every field the connector recommends. Default true. */
  readonly recommended: boolean
  /** Fields to select, each with the config passed to the connector (`fieldConfig`). */
  readonly include: Readonly<Record<string, unknown>>
  /** Fields never to select. */
  readonly exclude: readonly string[]
}

/**
 * One enabled binding of a materialization: its resource config, the collection it reads and the
 * catalog's `fields` selection.
 */
export interface MaterializationBinding {
  readonly resource: unknown
  readonly collection: Collection
  readonly fields: FieldsSpec
  /** How many times the binding was backfilled: 0 unless the catalog says otherwise. */
  readonly backfill: number
}

/** One materialization of a catalog, resolved. Disabled bindings are left out. */
export interface MaterializationTask {
  readonly name: string
  readonly endpoint: Endpoint
  readonly bindings: readonly MaterializationBinding[]
  /** `shards.logLevel`, when the catalog sets it. */
  readonly logLevel?: string
}

/**
 * Loads the catalog at `source` and resolves the materialization `name`, or its only one when
 * no name is given. Throws a ConfigError that says what to fix, as `loadCapture` does.
 */
export function loadMaterialization(source: string, name?: string): MaterializationTask {
  const catalog = loadCatalog(source)
  const names = [...catalog.materializations.keys()].sort()
  if (names.length === 0) throw new ConfigError(`catalog ${shown(source)} defines no materializations`)
  if (name !== undefined && !catalog.materializations.has(name)) throw new ConfigError(`materialization ${JSON.stringify(name)} is not in the catalog; it defines: ${names.join(', ')}`)
  if (name === undefined && names.length > 1) throw new ConfigError(`the catalog defines ${names.length} materializations; name the one to run: ${names.join(', ')}`)
  const picked = name ?? (names[0] as string)
  return resolveMaterialization(picked, catalog)
}

function resolveMaterialization(name: string, catalog: Catalog): MaterializationTask {
  const entry = catalog.materializations.get(name)!
  const where = `materialization ${name}`
  const endpoint = resolveEndpoint(where, entry)
  const bindings = entry.value.bindings ?? []
  if (!Array.isArray(bindings)) throw new ConfigError(`${where}: bindings must be a list`)
  const resolved: MaterializationBinding[] = []
  bindings.forEach((binding: unknown, index) => {
    if (!isObject(binding)) throw new ConfigError(`${where}: binding ${index} must be a mapping`)
    if (binding.disable === true) return
    const source = sourceName(binding.source)
    if (source === undefined) throw new ConfigError(`${where}: binding ${index} has no source collection`)
    const collection = catalog.collections.get(source)
    if (!collection) throw new ConfigError(`${where}: binding ${index} reads ${source}, which the catalog does not define`)
    const backfill = binding.backfill ?? 0
    if (typeof backfill !== 'number' || !Number.isInteger(backfill) || backfill < 0) throw new ConfigError(`${where}: binding ${index} backfill must be a non-negative integer`)
    const fields = fieldsOf(`${where}: binding ${index} (${source})`, binding.fields)
    resolved.push({ resource: binding.resource ?? {}, collection: resolveCollection(source, collection, true), fields, backfill })
  })
  const shards = entry.value.shards
  const logLevel = isObject(shards) && typeof shards.logLevel === 'string' ? shards.logLevel : undefined
  return { name, endpoint, bindings: resolved, ...(logLevel === undefined ? {} : { logLevel }) }
}

/** `source: name` or `source: {name, partitions?}`. */
function sourceName(source: unknown): string | undefined {
  if (typeof source === 'string') return source
  if (isObject(source) && typeof source.name === 'string') return source.name
  return undefined
}

/** `fields: {recommended?, include?, exclude?}`; `require` is read as `include`, as newer catalogs write it. */
function fieldsOf(where: string, fields: unknown): FieldsSpec {
  if (fields === undefined || fields === null) return { recommended: true, include: {}, exclude: [] }
  if (!isObject(fields)) throw new ConfigError(`${where}: fields must be a mapping of recommended, include and exclude`)
  const recommended = fields.recommended ?? true
  if (typeof recommended !== 'boolean') throw new ConfigError(`${where}: fields.recommended must be true or false`)
  const include: JsonObject = {}
  for (const key of ['include', 'require'] as const) {
    const value = fields[key]
    if (value === undefined || value === null) continue
    if (!isObject(value)) throw new ConfigError(`${where}: fields.${key} must map field names to their config (e.g. {}), not ${JSON.stringify(value)}`)
    for (const [field, config] of Object.entries(value)) include[field] = config ?? {}
  }
  const exclude = fields.exclude ?? []
  if (!Array.isArray(exclude) || !exclude.every((field) => typeof field === 'string')) throw new ConfigError(`${where}: fields.exclude must be a list of field names`)
  for (const field of exclude) if (Object.hasOwn(include, field)) throw new ConfigError(`${where}: field ${JSON.stringify(field)} is both included and excluded`)
  return { recommended, include, exclude }
}
