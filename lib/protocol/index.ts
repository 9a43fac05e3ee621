import type { capture, consumer, derive, flow, materialize } from '../gen/flow.js'
import { codecOf, type MessageCodec } from './codec.ts'

export { codecOf, type MessageCodec } from './codec.ts'
export { checkRawJson } from './json-cursor.ts'

/** The protocol version every connector's Spec response carries. */
export const PROTOCOL_VERSION = 3032023

/** The three connector protocols of Flow. */
export type ProtocolName = 'capture' | 'materialize' | 'derive'
/**
 * Which side of a protocol a message is on: what the runtime sends (`request`) or what the
 * connector answers (`response`).
 */
export type MessageKind = 'request' | 'response'
/** Every `ProtocolName`, in a fixed order. */
export const PROTOCOLS: readonly ProtocolName[] = ['capture', 'materialize', 'derive']

// Messages as plain objects: property names are the lowerCamelCase proto names (`docJson`),
// raw `*_json` fields hold JSON text, 64-bit integers are Long, enums are numbers.
/** A capture.Request: one of spec, discover, validate, apply, open or acknowledge. */
export type CaptureRequest = capture.Request.$Properties
/**
 * A capture.Response: spec, discovered, validated, applied, opened, captured, sourcedSchema,
 * checkpoint, backfillBegin or backfillComplete.
 */
export type CaptureResponse = capture.Response.$Properties
/**
 * A materialize.Request: spec, validate, apply, open, then per transaction load, flush, store,
 * startCommit, acknowledge.
 */
export type MaterializeRequest = materialize.Request.$Properties
/**
 * A materialize.Response: spec, validated, applied, opened, loaded, flushed, startedCommit,
 * acknowledged.
 */
export type MaterializeResponse = materialize.Response.$Properties
/** A derive.Request: spec, validate, open, then per transaction read, flush, startCommit; reset. */
export type DeriveRequest = derive.Request.$Properties
/** A derive.Response: spec, validated, opened, published, flushed, startedCommit. */
export type DeriveResponse = derive.Response.$Properties
/** A capture task as the runtime sends it in Apply and Open: its connector config and bindings. */
export type CaptureSpec = flow.CaptureSpec.$Properties
/**
 * A materialization task as the runtime sends it in Apply and Open: its connector config and
 * bindings.
 */
export type MaterializationSpec = flow.MaterializationSpec.$Properties
/**
 * A collection: its name, key, projections, partition fields and read and write schemas (as JSON
 * text).
 */
export type CollectionSpec = flow.CollectionSpec.$Properties
/**
 * A connector's state update: `updatedJson` (JSON text), applied as an RFC 7396 merge patch when
 * `mergePatch` is set.
 */
export type ConnectorState = flow.ConnectorState.$Properties
/** The key and r-clock range of a shard, as 32-bit bounds; the whole range is 0 to 0xffffffff. */
export type RangeSpec = flow.RangeSpec.$Properties
/** A connector's OAuth2 declaration in its Spec response, which Flow's UI uses to obtain tokens. */
export type OAuth2 = flow.OAuth2.$Properties
/** The Discover request of a capture: the endpoint config to discover bindings from. */
export type CaptureDiscover = capture.Request.Discover.$Properties
/**
 * The Validate request of a capture: the proposed config and bindings, and the last ones applied.
 */
export type CaptureValidate = capture.Request.Validate.$Properties
/**
 * The Apply request of a capture: the capture spec to apply, its version and the last one applied.
 */
export type CaptureApply = capture.Request.Apply.$Properties
/**
 * The Open request of a capture: the capture spec, its version, the shard's range and the persisted
 * state.
 */
export type CaptureOpen = capture.Request.Open.$Properties
/**
 * One binding of a capture's Discovered response: a recommended name, resource config and document
 * schema.
 */
export type CaptureDiscoveredBinding = capture.Response.Discovered.Binding.$Properties
/**
 * The Validate request of a materialization: the proposed config and bindings, and the last ones
 * applied.
 */
export type MaterializeValidate = materialize.Request.Validate.$Properties
/**
 * The Apply request of a materialization: the spec to apply, its version and the last one applied.
 */
export type MaterializeApply = materialize.Request.Apply.$Properties
/**
 * The Open request of a materialization: its spec, version, the shard's range and the persisted
 * state.
 */
export type MaterializeOpen = materialize.Request.Open.$Properties
/** A Load request of a transaction: a binding and a key whose stored document the runtime wants. */
export type MaterializeLoad = materialize.Request.Load.$Properties
/**
 * A Store request of a transaction: a binding, a key, its values and the document to store (or
 * delete).
 */
export type MaterializeStore = materialize.Request.Store.$Properties
/** The Validate request of a derivation: its config, transforms and the collection it derives. */
export type DeriveValidate = derive.Request.Validate.$Properties
/**
 * The Open request of a derivation: its collection spec, version, the shard's range and the
 * persisted state.
 */
export type DeriveOpen = derive.Request.Open.$Properties
/**
 * A Read request of a transaction: a source document for one transform, with its UUID, key and
 * shuffle values.
 */
export type DeriveRead = derive.Request.Read.$Properties
/**
 * One binding of a materialization spec: its collection, resource config, field selection and
 * resource path.
 */
export type MaterializationBinding = flow.MaterializationSpec.Binding.$Properties
/**
 * A projection of a collection: a field name, the JSON pointer it reads and what its inference says
 * of the values.
 */
export type Projection = flow.Projection.$Properties
/**
 * The fields a materialization binding selected: its keys, its values and the root document's
 * field.
 */
export type FieldSelection = flow.FieldSelection.$Properties
/**
 * Flow's runtime checkpoint (consumer.Checkpoint): the read offsets a transaction committed
 * through.
 */
export type RuntimeCheckpoint = consumer.Checkpoint.$Properties

/** Both codecs (JSON and protobuf) of capture.Request, in Flow's JSON mapping. */
export const captureRequest: MessageCodec<CaptureRequest> = codecOf('capture.Request')
/** Both codecs (JSON and protobuf) of capture.Response, in Flow's JSON mapping. */
export const captureResponse: MessageCodec<CaptureResponse> = codecOf('capture.Response')
/** Both codecs (JSON and protobuf) of materialize.Request, in Flow's JSON mapping. */
export const materializeRequest: MessageCodec<MaterializeRequest> = codecOf('materialize.Request')
/** Both codecs (JSON and protobuf) of materialize.Response, in Flow's JSON mapping. */
export const materializeResponse: MessageCodec<MaterializeResponse> = codecOf('materialize.Response')
/** Both codecs (JSON and protobuf) of derive.Request, in Flow's JSON mapping. */
export const deriveRequest: MessageCodec<DeriveRequest> = codecOf('derive.Request')
/** Both codecs (JSON and protobuf) of derive.Response, in Flow's JSON mapping. */
export const deriveResponse: MessageCodec<DeriveResponse> = codecOf('derive.Response')
/** A materialization's spec, as the runtime keeps the one it applied last. */
export const materializationSpec: MessageCodec<MaterializationSpec> = codecOf('flow.MaterializationSpec')
/** A runtime checkpoint (consumer.Checkpoint), which an authoritative materialization stores as protobuf bytes. */
export const runtimeCheckpoint: MessageCodec<RuntimeCheckpoint> = codecOf('consumer.Checkpoint')

const codecs = {
  capture: { request: captureRequest, response: captureResponse },
  materialize: { request: materializeRequest, response: materializeResponse },
  derive: { request: deriveRequest, response: deriveResponse },
} as const

/** The Request or Response codec of a protocol. */
export function messageCodec(protocol: ProtocolName, kind: MessageKind): MessageCodec<object> {
  return codecs[protocol][kind] as MessageCodec<object>
}
