// flowkit/capture: define a capture connector and run it.
export {
  capture,
  type Binding,
  type CaptureConnector,
  type CaptureDefinition,
  type DiscoverContext,
  type DiscoveredBinding,
  type ValidateContext,
  type ApplyContext,
  type OpenContext,
} from './connector.ts'
export { resolvePointer } from '../ops/json-pointer.ts'
export { serveCapture, type ServeOptions } from './serve.ts'
export { runCapture, chooseCodec } from './run.ts'
export { ResponseEncoder, type Codec } from './encoder.ts'
export {
  document,
  checkpoint,
  sourcedSchema,
  backfillBegin,
  backfillComplete,
  type CaptureEvent,
  type CheckpointEvent,
  type DocumentEvent,
  type SourcedSchemaEvent,
  type BackfillEvent,
  type EventBatch,
  type CheckpointOptions,
} from '../ops/events.ts'
