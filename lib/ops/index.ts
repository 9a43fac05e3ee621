// Pipeline operators and the capture events they carry, name by name.
export {
  document,
  sourcedSchema,
  backfillBegin,
  backfillComplete,
  checkpoint,
  mergedCheckpoint,
  type DocumentEvent,
  type SourcedSchemaEvent,
  type BackfillEvent,
  type CheckpointEvent,
  type CheckpointOptions,
  type CaptureEvent,
  type EventBatch,
} from './events.ts'
export { applyMergePatch, composeMergePatches } from './merge-patch.ts'
export { toBatches, type ToBatchesOptions, type CaptureEventSource } from './to-batches.ts'
export { coalesceCheckpoints, type CoalesceOptions } from './coalesce-checkpoints.ts'
export { ackWindow, AckQueue, type AckLedger, type AckWindowOptions } from './ack-window.ts'
export { mergeSources } from './merge-sources.ts'
export { mapDocuments, type DocumentObject } from './map-documents.ts'
export { sink } from './sink.ts'
export { escapePointerToken, locate, parsePointer, resolvePointer } from './json-pointer.ts'
