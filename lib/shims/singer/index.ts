// flowkit/singer: run a Singer tap (a child process) as a Flow capture.
export { singerCapture, type SingerCaptureOptions } from './capture.ts'
export { catalogFlagsFromHelp, commandTap, type CatalogFlag, type SingerTap, type TapCommandOptions } from './tap.ts'
export type { ReplicationMethod, SingerResource, SingerStreamOptions } from './catalog.ts'
export type { SyncOptions } from './read.ts'
export type { SingerFlowState } from './state.ts'
export type { SingerCatalog, SingerCatalogEntry, SingerMessage, SingerMetadata } from './messages.ts'
