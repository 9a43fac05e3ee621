// The public surface of flowkit. Subpaths (`flowkit/protocol`, `flowkit/codec`, `flowkit/capture`,
// `flowkit/ops`) export the same names from their own folders; the capture API and the
// operators are re-exported whole.
export {
  FlowkitError,
  FramingError,
  MessageError,
  ProtocolError,
  ConfigError,
  ConnectorError,
  DocumentError,
  UsageError,
  type FlowkitErrorCode,
} from './errors.ts'
export {
  PROTOCOL_VERSION,
  PROTOCOLS,
  captureRequest,
  captureResponse,
  materializeRequest,
  materializeResponse,
  deriveRequest,
  deriveResponse,
  messageCodec,
  codecOf,
  checkRawJson,
  type MessageCodec,
  type MessageKind,
  type ProtocolName,
  type CaptureRequest,
  type CaptureResponse,
  type MaterializeRequest,
  type MaterializeResponse,
  type DeriveRequest,
  type DeriveResponse,
  type CaptureSpec,
  type MaterializationSpec,
  type CollectionSpec,
  type ConnectorState,
  type RangeSpec,
} from './protocol/index.ts'
export {
  decodeNdjson,
  encodeNdjson,
  decodeLengthPrefixed,
  encodeLengthPrefixed,
  DEFAULT_CHUNK_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  type NdjsonDecodeOptions,
  type NdjsonEncodeOptions,
  type LengthPrefixedDecodeOptions,
  type LengthPrefixedEncodeOptions,
} from './codec/index.ts'
export * from './capture/index.ts'
export * from './ops/index.ts'
export { createLogger, parseLogLevel, formatLogLine, type Logger, type LogLevel, type LogFields } from './io/log.ts'
export { redactSecrets, REDACTED } from './io/redact.ts'
