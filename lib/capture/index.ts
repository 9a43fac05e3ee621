// flowkit/capture: define a capture connector, the events it emits, and run it.
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
export { serveCapture, type ServeOptions } from './serve.ts'
export { runCapture } from './run.ts'
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
export { resources, type ResourcesOptions } from './run-resources.ts'
export {
  incremental,
  backfill,
  snapshot,
  type BindingResources,
  type FetchContext,
  type Incremental,
  type IncrementalOptions,
  type Backfill,
  type BackfillOptions,
  type Snapshot,
  type SnapshotOptions,
  type ResourceDocument,
} from './resources.ts'
export { compareCursors, type Cursor, type CursorCompare } from './cursor.ts'
export { STATE_ROOT, type SubtaskState } from './resource-state.ts'
