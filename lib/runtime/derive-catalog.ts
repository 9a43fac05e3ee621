/**
 * The derivations of a catalog: collections with a `derive:` section, resolved as Flow resolves
 * them: the connector from `derive.using` (a local command or an image) with its config read,
 * and each enabled transform with its source collection, its shuffle and its lambda config.
 */
import { ConfigError } from '../errors.ts'
import { isObject } from '../json/values.ts'
import { loadCatalog, resolveCollection, resolveEndpoint, shown, type Catalog, type Collection, type Endpoint } from './catalog.ts'

/** A transform of a derivation. */
export interface DerivationTransform {
  readonly name: string
  /** The collection it reads. */
  readonly source: Collection
  /**
   * `shuffle: {key: [...]}`: its pointers. Empty for `shuffle: any` (documents are then
   * shuffled on the source collection's key) and for a shuffle lambda.
   */
  readonly shuffleKey: readonly string[]
  /** `shuffle: {lambda: ...}`: the lambda's config; undefined otherwise. */
  readonly shuffleLambda?: unknown
  /** `lambda`: the transform's config, as the connector gets it. */
  readonly lambda: unknown
  readonly backfill: number
}

/** One derivation of a catalog, resolved. Disabled transforms are left out. */
export interface DerivationTask {
  /** The derived collection's name. */
  readonly name: string
  readonly endpoint: Endpoint
  /** The derived collection: its key and schemas. */
  readonly collection: Collection
  readonly transforms: readonly DerivationTransform[]
  /** `derive.shards.logLevel`, when the catalog sets it. */
  readonly logLevel?: string
}

/**
 * Loads the catalog at `source` and resolves the derivation `name` (the derived collection), or
 * its only one when no name is given. Throws a ConfigError that says what to fix, as
 * `loadCapture` does.
 */
export function loadDerivation(source: string, name?: string): DerivationTask {
  const catalog = loadCatalog(source)
  const names = [...catalog.collections].filter(([, entry]) => entry.value.derive !== undefined && entry.value.derive !== null).map(([key]) => key).sort()
  if (names.length === 0) throw new ConfigError(`catalog ${shown(source)} defines no derivations (collections with a derive section)`)
  if (name !== undefined && !names.includes(name)) throw new ConfigError(`derivation ${JSON.stringify(name)} is not in the catalog; it defines: ${names.join(', ')}`)
  if (name === undefined && names.length > 1) throw new ConfigError(`the catalog defines ${names.length} derivations; name the one to run: ${names.join(', ')}`)
  return resolveDerivation(name ?? (names[0] as string), catalog)
}

function resolveDerivation(name: string, catalog: Catalog): DerivationTask {
  const entry = catalog.collections.get(name)!
  const where = `derivation ${name}`
  const derive = entry.value.derive
  if (!isObject(derive)) throw new ConfigError(`${where}: derive must be a mapping of using, transforms and shards`)
  const using = derive.using
  if (!isObject(using) || !(isObject(using.local) || isObject(using.connector))) {
    throw new ConfigError(`${where}: derive.using must be \`local\` (a command) or \`connector\` (an image); flowkit runs no sqlite or typescript derivations`)
  }
  const endpoint = resolveEndpoint(where, { file: entry.file, value: { endpoint: using } })
  const transforms = derive.transforms ?? []
  if (!Array.isArray(transforms)) throw new ConfigError(`${where}: derive.transforms must be a list`)
  const resolved: DerivationTransform[] = []
  transforms.forEach((transform: unknown, index) => {
    if (!isObject(transform)) throw new ConfigError(`${where}: transform ${index} must be a mapping`)
    if (transform.disable === true) return
    resolved.push(resolveTransform(`${where}: transform ${index}`, transform, catalog))
  })
  const shards = derive.shards
  const logLevel = isObject(shards) && typeof shards.logLevel === 'string' ? shards.logLevel : undefined
  return { name, endpoint, collection: resolveCollection(name, entry, true), transforms: resolved, ...(logLevel === undefined ? {} : { logLevel }) }
}

function resolveTransform(where: string, transform: Record<string, unknown>, catalog: Catalog): DerivationTransform {
  const name = transform.name
  if (typeof name !== 'string' || name === '') throw new ConfigError(`${where} has no name`)
  const from = typeof transform.source === 'string' ? transform.source : isObject(transform.source) && typeof transform.source.name === 'string' ? transform.source.name : undefined
  if (from === undefined) throw new ConfigError(`${where} (${name}) has no source collection`)
  const collection = catalog.collections.get(from)
  if (!collection) throw new ConfigError(`${where} (${name}) reads ${from}, which the catalog does not define`)
  const backfill = transform.backfill ?? 0
  if (typeof backfill !== 'number' || !Number.isInteger(backfill) || backfill < 0) throw new ConfigError(`${where} (${name}): backfill must be a non-negative integer`)
  const shuffle = transform.shuffle ?? 'any'
  let shuffleKey: string[] = []
  let shuffleLambda: unknown
  if (isObject(shuffle) && Array.isArray(shuffle.key) && shuffle.key.length > 0 && shuffle.key.every((pointer) => typeof pointer === 'string')) shuffleKey = shuffle.key as string[]
  else if (isObject(shuffle) && shuffle.lambda !== undefined) shuffleLambda = shuffle.lambda
  else if (shuffle !== 'any') throw new ConfigError(`${where} (${name}): shuffle must be any, {key: [JSON pointers]} or {lambda: ...}`)
  return {
    name,
    source: resolveCollection(from, collection, true),
    shuffleKey,
    ...(shuffleLambda === undefined ? {} : { shuffleLambda }),
    lambda: transform.lambda ?? {},
    backfill,
  }
}
