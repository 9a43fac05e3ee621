/**
 * The requests Flow's runtime sends a derivation connector, built from a resolved catalog
 * derivation as the runtime builds them: Spec and Validate from the catalog; Open with the
 * derived collection's spec (each transform's read-only flag from Validated); a Read per
 * document and transform, with the document's shuffle key in the codec's form and a UUID.
 */
import { createHash } from 'node:crypto'
import Long from 'long'
import type { Codec } from '../codec/frames.ts'
import { locate, parsePointer } from '../json/pointer.ts'
import { packTuple } from '../json/tuple.ts'
import type { CollectionSpec, DeriveRequest, DeriveResponse } from '../protocol/index.ts'
import type { Collection, Endpoint } from './catalog.ts'
import { tupleOf } from './combine.ts'
import type { DerivationTask } from './derive-catalog.ts'
import { projectionsOf } from './projections.ts'

/** flow.CollectionSpec.Derivation.ConnectorType. */
export const DERIVATION_CONNECTOR_TYPE = { image: 3, local: 4 } as const

function connectorTypeOf(endpoint: Endpoint): number {
  return DERIVATION_CONNECTOR_TYPE[endpoint.type]
}

function configJsonOf(task: DerivationTask): string {
  return JSON.stringify(task.endpoint.config ?? {})
}

/** The Spec the runtime sends first on every stream, with an empty config. */
export function internalSpecRequest(task: DerivationTask): DeriveRequest {
  return { spec: { connectorType: connectorTypeOf(task.endpoint), configJson: '{}' } }
}

export function specRequest(task: DerivationTask): DeriveRequest {
  return { spec: { connectorType: connectorTypeOf(task.endpoint), configJson: configJsonOf(task) } }
}

/** A collection as the protocol carries it: key, projections, schemas. */
export function collectionSpecOf(collection: Collection): CollectionSpec {
  return {
    name: collection.name,
    key: [...collection.key],
    projections: projectionsOf(collection),
    writeSchemaJson: JSON.stringify(collection.writeSchema),
    ...(collection.readSchema === undefined ? {} : { readSchemaJson: JSON.stringify(collection.readSchema) }),
  }
}

/** Validate: the derived collection, and each transform's source, lambda and shuffle lambda configs. `projectRoot` is a file: URL ending in `/`. */
export function validateRequest(task: DerivationTask, projectRoot: string): DeriveRequest {
  return {
    validate: {
      connectorType: connectorTypeOf(task.endpoint),
      configJson: configJsonOf(task),
      collection: collectionSpecOf(task.collection),
      transforms: task.transforms.map((transform) => ({
        name: transform.name,
        collection: collectionSpecOf(transform.source),
        lambdaConfigJson: JSON.stringify(transform.lambda),
        ...(transform.shuffleLambda === undefined ? {} : { shuffleLambdaConfigJson: JSON.stringify(transform.shuffleLambda) }),
        backfill: transform.backfill,
      })),
      projectRoot,
    },
  }
}

type Validated = NonNullable<DeriveResponse['validated']>

/** The derived collection as Open carries it: its derivation, each transform read-only as Validated said. */
export function derivationSpecOf(task: DerivationTask, validated: Validated): CollectionSpec {
  return {
    ...collectionSpecOf(task.collection),
    derivation: {
      connectorType: connectorTypeOf(task.endpoint),
      configJson: configJsonOf(task),
      transforms: task.transforms.map((transform, index) => ({
        name: transform.name,
        collection: collectionSpecOf(transform.source),
        shuffleKey: [...transform.shuffleKey],
        lambdaConfigJson: JSON.stringify(transform.lambda),
        ...(transform.shuffleLambda === undefined ? {} : { shuffleLambdaConfigJson: JSON.stringify(transform.shuffleLambda) }),
        readOnly: validated.transforms?.[index]?.readOnly === true,
        backfill: transform.backfill,
      })),
    },
  }
}

/** Open over the full key and r-clock range, with the connector state (`{}` at first). */
export function openRequest(collection: CollectionSpec, state: unknown): DeriveRequest {
  return {
    open: {
      collection,
      version: createHash('sha256').update(JSON.stringify(collection)).digest('hex').slice(0, 16),
      range: { keyBegin: 0, keyEnd: 0xffffffff, rClockBegin: 0, rClockEnd: 0xffffffff },
      stateJson: JSON.stringify(state ?? {}),
    },
  }
}

/** How one transform's reads are made. */
export interface ReadPlan {
  readonly index: number
  readonly name: string
  /**
   * Parsed pointers of the values a Read's shuffle key carries: the transform's shuffle key, else
   * (`shuffle: any`) its source collection's key; none for a shuffle lambda, whose key only the
   * connector computes.
   */
  readonly shuffle: readonly (readonly string[])[]
}

export function readPlans(task: DerivationTask): ReadPlan[] {
  return task.transforms.map((transform, index) => {
    const pointers = transform.shuffleLambda !== undefined ? [] : transform.shuffleKey.length > 0 ? transform.shuffleKey : transform.source.key
    return { index, name: transform.name, shuffle: pointers.map((pointer) => parsePointer(pointer)) }
  })
}

/** 100 ns intervals from the start of the Gregorian calendar (UUID v1 clocks) to the Unix epoch. */
const GREGORIAN_TO_UNIX = 0x01b21dd213814000n
/** The producer of the runner's UUIDs: a multicast node id, no flags. */
const PRODUCER_AND_FLAGS = Long.fromString('0103050709000000', true, 16)

/**
 * A Read of `doc` for a transform: the shuffle key as JSON (JSON codec) or packed (protobuf),
 * its hash, and a UUID whose clock is the document's input position (so a rerun gives the same
 * UUIDs). A key location the document lacks reads as null.
 */
export function readRequest(codec: Codec, plan: ReadPlan, doc: unknown, position: number): DeriveRequest {
  const values = plan.shuffle.map((tokens) => {
    const at = locate(doc, tokens)
    return at.found ? at.value : null
  })
  const packed = packTuple(tupleOf(values))
  const clock = ((GREGORIAN_TO_UNIX + BigInt(position) * 10_000_000n) << 4n) & 0xffffffffffffffffn
  return {
    read: {
      transform: plan.index,
      uuid: { node: PRODUCER_AND_FLAGS, clock: Long.fromBits(Number(clock & 0xffffffffn), Number(clock >> 32n), true) },
      shuffle: { ...(codec === 'proto' ? { packed } : { keyJson: JSON.stringify(values) }), hash: hash32(packed) },
      docJson: JSON.stringify(doc),
    },
  }
}

/** FNV-1a over the packed key: a stable 32-bit hash, inside the full range Open gives. */
function hash32(bytes: Uint8Array): number {
  let hash = 0x811c9dc5
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0
  return hash
}
