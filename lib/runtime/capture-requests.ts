/**
 * The requests Flow's runtime sends a capture connector, built from a resolved catalog capture
 * as the runtime builds them: the connector sees its own config (the endpoint's inner
 * `config`), never the endpoint object around it.
 */
import { createHash } from 'node:crypto'
import { resolvePointer, stringsAtPointers } from '../json/pointer.ts'
import type { CaptureRequest, CaptureSpec, CollectionSpec } from '../protocol/index.ts'
import type { CaptureBinding, CaptureTask, Endpoint } from './catalog.ts'

/** flow.CaptureSpec.ConnectorType. */
export const CONNECTOR_TYPE = { image: 7, local: 8 } as const

export function connectorTypeOf(endpoint: Endpoint): number {
  return CONNECTOR_TYPE[endpoint.type]
}

/** The Spec the runtime sends first on every capture stream, with an empty config. */
export function internalSpecRequest(task: CaptureTask): CaptureRequest {
  return { spec: { connectorType: connectorTypeOf(task.endpoint), configJson: '{}' } }
}

export function specRequest(task: CaptureTask): CaptureRequest {
  return { spec: { connectorType: connectorTypeOf(task.endpoint), configJson: configJsonOf(task) } }
}

export function discoverRequest(task: CaptureTask): CaptureRequest {
  return { discover: { connectorType: connectorTypeOf(task.endpoint), configJson: configJsonOf(task), name: task.name } }
}

export function validateRequest(task: CaptureTask): CaptureRequest {
  return {
    validate: {
      name: task.name,
      connectorType: connectorTypeOf(task.endpoint),
      configJson: configJsonOf(task),
      bindings: task.bindings.map((binding) => ({
        resourceConfigJson: JSON.stringify(binding.resource),
        collection: collectionSpecOf(binding),
        backfill: binding.backfill,
      })),
    },
  }
}

/**
 * The capture as Apply and Open carry it. Each binding's resource path comes from the
 * connector's `resourcePathPointers` (from its Spec response) applied to the resource config;
 * its state key is that path, encoded, with the backfill counter. A connector that declares no
 * pointers gets empty resource paths, and state keys made from the resource config's JSON.
 */
export function captureSpecOf(task: CaptureTask, resourcePathPointers: readonly string[]): CaptureSpec {
  return {
    name: task.name,
    connectorType: connectorTypeOf(task.endpoint),
    configJson: configJsonOf(task),
    bindings: task.bindings.map((binding, index) => {
      const resourcePath = resourcePathOf(binding, index, resourcePathPointers)
      return {
        resourceConfigJson: JSON.stringify(binding.resource),
        resourcePath,
        collection: collectionSpecOf(binding),
        backfill: binding.backfill,
        stateKey: encodeStateKey(resourcePath.length > 0 ? resourcePath : [JSON.stringify(binding.resource)], binding.backfill),
      }
    }),
  }
}

export function applyRequest(capture: CaptureSpec): CaptureRequest {
  return { apply: { capture, version: versionOf(capture) } }
}

/** Open over the full key and r-clock range, from `state` (`{}` at first). */
export function openRequest(capture: CaptureSpec, state: unknown): CaptureRequest {
  return {
    open: {
      capture,
      version: versionOf(capture),
      range: { keyBegin: 0, keyEnd: 0xffffffff, rClockBegin: 0, rClockEnd: 0xffffffff },
      stateJson: JSON.stringify(state ?? {}),
    },
  }
}

/**
 * A binding's state key: each component of its resource path percent-encoded (all but ASCII
 * letters, digits, `-`, `_` and `.`), joined by `/`, the whole percent-encoded once more (so
 * `["public","users"]` gives `public%2Fusers`), then `.v` and the backfill counter plus one.
 * Stable for a given path, and distinct paths give distinct keys: `["a/b"]` is `a%252Fb`.
 */
export function encodeStateKey(resourcePath: readonly string[], backfill: number): string {
  return `${percentEncode(resourcePath.map(percentEncode).join('/'))}.v${backfill + 1}`
}

function percentEncode(component: string): string {
  let out = ''
  for (const byte of Buffer.from(component, 'utf8')) {
    const c = String.fromCharCode(byte)
    out += /[A-Za-z0-9_.-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/**
 * The resource path: the values at the pointers that the resource config has (an Airbyte
 * stream's `/namespace` may be absent); a config with none of them is an error.
 */
function resourcePathOf(binding: CaptureBinding, index: number, pointers: readonly string[]): string[] {
  const present = pointers.filter((pointer) => resolvePointer(binding.resource, pointer) !== undefined)
  return stringsAtPointers(binding.resource, present.length > 0 ? present : pointers, `binding ${index} (${binding.collection.name})`)
}

function collectionSpecOf(binding: CaptureBinding): CollectionSpec {
  const { name, key, writeSchema } = binding.collection
  return { name, key: [...key], writeSchemaJson: JSON.stringify(writeSchema) }
}

function configJsonOf(task: CaptureTask): string {
  return JSON.stringify(task.endpoint.config ?? {})
}

/** A version that changes exactly when the capture spec does. */
function versionOf(capture: CaptureSpec): string {
  return createHash('sha256').update(JSON.stringify(capture)).digest('hex').slice(0, 16)
}
