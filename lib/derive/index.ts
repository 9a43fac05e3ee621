// flowkit/derive: define a derivation (its config, lambda config and state schemas, a handler or
// pipeline per transform, flush and commit), and run it.
export {
  derive,
  pipeline,
  defaultGeneratedFiles,
  type DeriveConnector,
  type DeriveDefinition,
  type DeriveSession,
  type DeriveCollection,
  type DeriveState,
  type DeriveStateUpdate,
  type Derivation,
  type DocumentHandler,
  type PipelineFunction,
  type TransformPipeline,
  type TransformHandler,
  type Publish,
  type Read,
  type ReadInfo,
  type UuidParts,
  type FlushContext,
  type FlushResult,
  type StartCommitContext,
  type OpenContext,
  type OpenTransform,
  type SessionTransform,
  type ValidateContext,
  type ValidateTransform,
  type Validated,
} from './connector.ts'
export { schemaToTypeScript } from './typescript.ts'
export { formatUuid } from './uuid.ts'
export { serveDerive, type ServeOptions } from './serve.ts'
export { runDerive } from './run.ts'
