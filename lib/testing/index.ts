/**
 * A driver that plays Flow's runtime against a capture connector process: catalogs, the
 * connector process, the unary RPCs and capture sessions.
 */
export { loadCapture, type CaptureBinding, type CaptureTask, type Collection, type Endpoint, type ImageEndpoint, type LocalEndpoint } from './catalog.ts'
export { formatLog, LogLines, parseLogLine, type ConnectorLog } from './logs.ts'
export { CONNECTOR_TYPE, encodeStateKey } from './requests.ts'
export { startCapture, type CaptureConnection, type ConnectorExit, type StartOptions } from './runtime.ts'
export { runSession, type SessionOptions, type SessionResult, type Transaction } from './session.ts'
export { apply, discover, spec, validate, type UnaryOptions } from './unary.ts'
export { compileCollection, describeProblems, taskValidator, type CollectionValidator, type DocumentProblems, type SchemaProblem, type TaskValidator } from './validate.ts'
