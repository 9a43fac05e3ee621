import type { capture, consumer, derive, flow, materialize } from '../gen/flow.js'
import { codecOf, type MessageCodec } from './codec.ts'

export { codecOf, type MessageCodec } from './codec.ts'
export { checkRawJson } from './json-cursor.ts'

/** The protocol version every connector's Spec response carries. */
export const PROTOCOL_VERSION = 3032023

export type ProtocolName = 'capture' | 'materialize' | 'derive'
export type MessageKind = 'request' | 'response'
export const PROTOCOLS: readonly ProtocolName[] = ['capture', 'materialize', 'derive']

// Messages as plain objects: property names are the lowerCamelCase proto names (`docJson`),
// raw `*_json` fields hold JSON text, 64-bit integers are Long, enums are numbers.
export type CaptureRequest = capture.Request.$Properties
export type CaptureResponse = capture.Response.$Properties
export type MaterializeRequest = materialize.Request.$Properties
export type MaterializeResponse = materialize.Response.$Properties
export type DeriveRequest = derive.Request.$Properties
export type DeriveResponse = derive.Response.$Properties
export type CaptureSpec = flow.CaptureSpec.$Properties
export type MaterializationSpec = flow.MaterializationSpec.$Properties
export type CollectionSpec = flow.CollectionSpec.$Properties
export type ConnectorState = flow.ConnectorState.$Properties
export type RangeSpec = flow.RangeSpec.$Properties
export type OAuth2 = flow.OAuth2.$Properties
export type CaptureDiscover = capture.Request.Discover.$Properties
export type CaptureValidate = capture.Request.Validate.$Properties
export type CaptureApply = capture.Request.Apply.$Properties
export type CaptureOpen = capture.Request.Open.$Properties
export type CaptureDiscoveredBinding = capture.Response.Discovered.Binding.$Properties
export type MaterializeValidate = materialize.Request.Validate.$Properties
export type MaterializeApply = materialize.Request.Apply.$Properties
export type MaterializeOpen = materialize.Request.Open.$Properties
export type MaterializeLoad = materialize.Request.Load.$Properties
export type MaterializeStore = materialize.Request.Store.$Properties
export type DeriveValidate = derive.Request.Validate.$Properties
export type DeriveOpen = derive.Request.Open.$Properties
export type DeriveRead = derive.Request.Read.$Properties
export type MaterializationBinding = flow.MaterializationSpec.Binding.$Properties
export type Projection = flow.Projection.$Properties
export type FieldSelection = flow.FieldSelection.$Properties
export type RuntimeCheckpoint = consumer.Checkpoint.$Properties

export const captureRequest: MessageCodec<CaptureRequest> = codecOf('capture.Request')
export const captureResponse: MessageCodec<CaptureResponse> = codecOf('capture.Response')
export const materializeRequest: MessageCodec<MaterializeRequest> = codecOf('materialize.Request')
export const materializeResponse: MessageCodec<MaterializeResponse> = codecOf('materialize.Response')
export const deriveRequest: MessageCodec<DeriveRequest> = codecOf('derive.Request')
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
