// flowkit/ops: pipeline operators over capture events (the events themselves come from flowkit/capture).
export { toBatches, type ToBatchesOptions, type CaptureEventSource } from './to-batches.ts'
export { coalesceCheckpoints, type CoalesceOptions } from './coalesce-checkpoints.ts'
export { ackWindow, type AckLedger, type AckWindowOptions } from './ack-window.ts'
export { mergeSources } from './merge-sources.ts'
export { mapDocuments, type DocumentObject } from './map-documents.ts'
