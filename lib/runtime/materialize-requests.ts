/**
 * The requests Flow's runtime sends a materialization connector, built from a resolved catalog
 * materialization as the runtime builds them: Spec and Validate from the catalog, then, from
 * the connector's Validated answer and the field selection made of it, the MaterializationSpec
 * that Apply and Open carry.
 */
import { createHash } from 'node:crypto'
import type { CollectionSpec, FieldSelection, MaterializationSpec, MaterializeRequest, MaterializeResponse } from '../protocol/index.ts'
import type { Endpoint } from './catalog.ts'
import { constraintsOf, selectFields } from './field-selection.ts'
import type { MaterializationBinding, MaterializationTask } from './materialize-catalog.ts'
import { projectionsOf } from './projections.ts'

/** flow.MaterializationSpec.ConnectorType. */
export const MATERIALIZATION_CONNECTOR_TYPE = { image: 8, local: 9 } as const

function connectorTypeOf(endpoint: Endpoint): number {
  return MATERIALIZATION_CONNECTOR_TYPE[endpoint.type]
}

function configJsonOf(task: MaterializationTask): string {
  return JSON.stringify(task.endpoint.config ?? {})
}

/** The Spec the runtime sends first on every stream, with an empty config. */
export function internalSpecRequest(task: MaterializationTask): MaterializeRequest {
  return { spec: { connectorType: connectorTypeOf(task.endpoint), configJson: '{}' } }
}

export function specRequest(task: MaterializationTask): MaterializeRequest {
  return { spec: { connectorType: connectorTypeOf(task.endpoint), configJson: configJsonOf(task) } }
}

/**
 * Validate: each binding's resource config, its collection with every projection, the config of
 * the fields the user includes, and the materialization applied last, if there was one.
 */
export function validateRequest(task: MaterializationTask, last?: MaterializationSpec): MaterializeRequest {
  return {
    validate: {
      name: task.name,
      connectorType: connectorTypeOf(task.endpoint),
      configJson: configJsonOf(task),
      ...(last === undefined ? {} : { lastMaterialization: last }),
      bindings: task.bindings.map((binding) => ({
        resourceConfigJson: JSON.stringify(binding.resource),
        collection: collectionSpecOf(binding),
        fieldConfigJsonMap: Object.fromEntries(Object.entries(binding.fields.include).map(([field, config]) => [field, JSON.stringify(config ?? {})])),
        backfill: binding.backfill,
      })),
    },
  }
}

export function collectionSpecOf(binding: MaterializationBinding): CollectionSpec {
  const { collection } = binding
  return {
    name: collection.name,
    key: [...collection.key],
    projections: projectionsOf(collection),
    writeSchemaJson: JSON.stringify(collection.writeSchema),
    ...(collection.readSchema === undefined ? {} : { readSchemaJson: JSON.stringify(collection.readSchema) }),
  }
}

type Validated = NonNullable<MaterializeResponse['validated']>

/** Each binding's field selection, from the connector's constraints (see field-selection.ts). */
export function fieldSelections(task: MaterializationTask, validated: Validated): FieldSelection[] {
  return task.bindings.map((binding, index) => {
    const answer = validated.bindings?.[index] ?? {}
    return selectFields({
      where: `binding ${index} (${binding.collection.name})`,
      key: binding.collection.key,
      projections: projectionsOf(binding.collection),
      constraints: constraintsOf(answer),
      fields: binding.fields,
    })
  })
}

/** The materialization as Apply and Open carry it: resource paths and delta updates from Validated, the field selections made of it. */
export function materializationSpecOf(task: MaterializationTask, validated: Validated, selections: readonly FieldSelection[]): MaterializationSpec {
  return {
    name: task.name,
    connectorType: connectorTypeOf(task.endpoint),
    configJson: configJsonOf(task),
    bindings: task.bindings.map((binding, index) => {
      const answer = validated.bindings?.[index] ?? {}
      return {
        resourceConfigJson: JSON.stringify(binding.resource),
        resourcePath: [...(answer.resourcePath ?? [])],
        collection: collectionSpecOf(binding),
        fieldSelection: selections[index] as FieldSelection,
        deltaUpdates: answer.deltaUpdates ?? false,
        backfill: binding.backfill,
        ...(answer.serPolicy ? { serPolicy: answer.serPolicy } : {}),
      }
    }),
  }
}

/** Apply, with the connector state and the materialization applied last (and its version), if there was one. */
export function applyRequest(materialization: MaterializationSpec, state: unknown, last?: MaterializationSpec): MaterializeRequest {
  const previous = last === undefined ? {} : { lastMaterialization: last, lastVersion: versionOf(last) }
  return { apply: { materialization, version: versionOf(materialization), stateJson: JSON.stringify(state ?? {}), ...previous } }
}

/** Open over the full key and r-clock range, with the connector state (`{}` at first). */
export function openRequest(materialization: MaterializationSpec, state: unknown): MaterializeRequest {
  return {
    open: {
      materialization,
      version: versionOf(materialization),
      range: { keyBegin: 0, keyEnd: 0xffffffff, rClockBegin: 0, rClockEnd: 0xffffffff },
      stateJson: JSON.stringify(state ?? {}),
    },
  }
}

/** A version that changes exactly when the spec does. */
function versionOf(spec: MaterializationSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16)
}
