// flowkit/airbyte: run an Airbyte source (a child process, or a faros-airbyte-cdk source in this
// process) as a Flow capture.
export { airbyteCapture, type AirbyteCaptureOptions } from './capture.ts'
export { commandSource, type AirbyteSource, type CommandOptions } from './source.ts'
export { delegateSource, type AirbyteDelegate, type DelegateLogger, type DelegateOptions } from './delegate.ts'
export type { SpecPatch } from './spec.ts'
export type { StreamOptions, StreamResource } from './catalog.ts'
export type { RecordOptions } from './read.ts'
export type { StateForm } from './state.ts'
export type { AirbyteMessage, AirbyteStream, AirbyteRecord, AirbyteState, StreamDescriptor } from './messages.ts'
