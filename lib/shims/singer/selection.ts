/**
 * The catalog a sync is given: the tap's own discovered catalog, with the bound entries
 * selected in every way the taps in use read a selection, and every other entry deselected.
 */
import { ConfigError } from '../../errors.ts'
import { isObject } from '../../json/values.ts'
import type { SingerResource } from './catalog.ts'
import type { SingerCatalog, SingerCatalogEntry, SingerMetadata } from './messages.ts'

/**
 * The discovered catalog with each bound entry selected: top-level `selected: true`,
 * `replication_method` and `replication_key` (read by the Meltano SDK), stream metadata
 * `selected`, `replication-method`, `forced-replication-method` and `replication-key` (read by
 * singer-io taps), and `selected: true` in the metadata of each of the schema's top-level
 * fields. A FULL_TABLE binding has any replication key removed. Entries no binding names get
 * `selected: false`. Throws a ConfigError naming the bound tap_stream_ids the catalog lacks.
 */
export function selectedCatalog(catalog: SingerCatalog, resources: readonly SingerResource[]): SingerCatalog {
  const byId = new Map(resources.map((resource) => [resource.tapStreamId, resource]))
  const known = new Set(catalog.streams.map((entry) => entry.tap_stream_id))
  const missing = resources.filter((resource) => !known.has(resource.tapStreamId)).map((resource) => resource.tapStreamId)
  if (missing.length > 0) {
    throw new ConfigError(`the tap's catalog has no stream with tap_stream_id ${missing.map((id) => JSON.stringify(id)).join(', ')} (it has ${[...known].map((id) => JSON.stringify(id)).join(', ') || 'none'})`)
  }
  return {
    ...catalog,
    streams: catalog.streams.map((entry) => {
      const resource = byId.get(entry.tap_stream_id)
      return resource ? selectEntry(entry, resource) : { ...entry, selected: false, metadata: withMetadata(entry.metadata, [[], { selected: false }]) }
    }),
  }
}

function selectEntry(entry: SingerCatalogEntry, resource: SingerResource): SingerCatalogEntry {
  const method = resource.replicationMethod
  const key = method === 'FULL_TABLE' ? undefined : (resource.replicationKey ?? entry.replication_key)
  const stream: Record<string, unknown> = { selected: true }
  const top: Record<string, unknown> = { ...entry, selected: true }
  if (method !== undefined) {
    stream['replication-method'] = stream['forced-replication-method'] = top.replication_method = method
  }
  if (key !== undefined) stream['replication-key'] = top.replication_key = key
  else if (method === 'FULL_TABLE') {
    stream['replication-key'] = undefined // removed
    delete top.replication_key
  }
  const fields = Object.keys(isObject(entry.schema.properties) ? entry.schema.properties : {}).map((name): Change => [['properties', name], { selected: true }])
  top.metadata = withMetadata(entry.metadata, [[], stream], ...fields)
  return top as SingerCatalogEntry
}

type Change = [readonly string[], Record<string, unknown>]

/**
 * The metadata list with each `[breadcrumb, values]` merged into its item (added at the end
 * when there is none); a value `undefined` removes that member.
 */
function withMetadata(metadata: readonly SingerMetadata[] | undefined, ...changes: Change[]): SingerMetadata[] {
  const items = (metadata ?? []).filter((item) => isObject(item) && Array.isArray(item.breadcrumb)).map((item) => ({ breadcrumb: item.breadcrumb, metadata: { ...item.metadata } }))
  const at = new Map(items.map((item, index) => [JSON.stringify(item.breadcrumb), index]))
  for (const [breadcrumb, values] of changes) {
    let index = at.get(JSON.stringify(breadcrumb))
    if (index === undefined) {
      index = items.push({ breadcrumb, metadata: {} }) - 1
      at.set(JSON.stringify(breadcrumb), index)
    }
    const target = (items[index] as { metadata: Record<string, unknown> }).metadata
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete target[name]
      else target[name] = value
    }
  }
  return items
}
