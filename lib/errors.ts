/**
 * Every error flowkit raises is a FlowkitError with a stable `code`, so callers and tests can
 * branch on the kind of failure without matching message text.
 */
export type FlowkitErrorCode =
  | 'FRAME_TOO_LARGE'
  | 'FRAME_TRUNCATED'
  | 'FRAME_INVALID'
  | 'MESSAGE_INVALID'
  | 'PROTOCOL_ORDER'
  | 'PROTOCOL_VIOLATION'
  | 'CONFIG_INVALID'
  | 'CONNECTOR_FAILED'
  | 'OUTPUT_CLOSED'
  | 'DOCUMENT_INVALID'
  | 'USAGE'
  | 'ARGUMENT_INVALID'
  | 'TUPLE_INVALID'
  | 'REDUCE_WRONG_TYPE'
  | 'REDUCE_OVERFLOW'
  | 'REDUCE_NOT_ASSOCIATIVE'

/**
 * The base of every error flowkit throws: `code` names the kind of failure and stays stable across
 * releases; `name` is the subclass's name.
 */
export class FlowkitError extends Error {
  readonly code: FlowkitErrorCode

  constructor(code: FlowkitErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** Bytes on the wire that cannot be split into frames: oversized, truncated or unparseable. */
export class FramingError extends FlowkitError {}

/** A frame that is well-formed but is not a valid message of the expected type. */
export class MessageError extends FlowkitError {
  constructor(message: string, options?: ErrorOptions) {
    super('MESSAGE_INVALID', message, options)
  }
}

/**
 * A peer broke the protocol: PROTOCOL_ORDER when a message came where its life cycle does not
 * allow it (a response other than Opened first, Acknowledge before Open, output that ends
 * where a response was due); PROTOCOL_VIOLATION when a message or event breaks one of its
 * rules (a binding out of range, a document that is not an object, a checkpoint without
 * state, more acknowledgements than checkpoints, documents left uncommitted).
 */
export class ProtocolError extends FlowkitError {
  constructor(code: 'PROTOCOL_ORDER' | 'PROTOCOL_VIOLATION', message: string, options?: ErrorOptions) {
    super(code, message, options)
  }
}

/** A connector's configuration failed validation. */
export class ConfigError extends FlowkitError {
  constructor(message: string, options?: ErrorOptions) {
    super('CONFIG_INVALID', message, options)
  }
}

/** A connector (or a child process it runs) failed. */
export class ConnectorError extends FlowkitError {
  /** The signal that ended the connector, when one did. */
  readonly signal: NodeJS.Signals | undefined
  constructor(message: string, options?: ErrorOptions & { signal?: NodeJS.Signals | null }) {
    super('CONNECTOR_FAILED', message, options)
    this.signal = options?.signal ?? undefined
  }
}

/** A document a connector captured does not fit its collection: its schema or its key. */
export class DocumentError extends FlowkitError {
  constructor(message: string, options?: ErrorOptions) {
    super('DOCUMENT_INVALID', message, options)
  }
}

/** A function of flowkit was called with a value it does not take (an option out of range, a malformed JSON pointer). */
export class ArgumentError extends FlowkitError {
  constructor(message: string, options?: ErrorOptions) {
    super('ARGUMENT_INVALID', message, options)
  }
}

/** Bytes that are not a FoundationDB tuple flowkit can unpack; `offset` is where the problem is. */
export class TupleError extends FlowkitError {
  /** The byte offset of the value (or byte) at fault. */
  readonly offset: number
  constructor(offset: number, problem: string, options?: ErrorOptions) {
    super('TUPLE_INVALID', `invalid tuple at byte offset ${offset}: ${problem}`, options)
    this.offset = offset
  }
}

/**
 * Two documents that cannot be reduced: REDUCE_WRONG_TYPE when a strategy meets values it does
 * not take (a sum of a non-numeric string), REDUCE_OVERFLOW when a sum is not finite,
 * REDUCE_NOT_ASSOCIATIVE when an associative (partial) reduction cannot be done and only a full
 * reduction into a base document could.
 */
export class ReduceError extends FlowkitError {
  /** JSON pointer of the document location being reduced; '' for the root. */
  readonly location: string
  /** The reduction strategy in effect there. */
  readonly strategy: string
  constructor(
    code: 'REDUCE_WRONG_TYPE' | 'REDUCE_OVERFLOW' | 'REDUCE_NOT_ASSOCIATIVE',
    message: string,
    at: { readonly location: string; readonly strategy: string },
    options?: ErrorOptions,
  ) {
    super(code, message, options)
    this.location = at.location
    this.strategy = at.strategy
  }
}

/** The command line was used wrongly. */
export class UsageError extends FlowkitError {
  constructor(message: string, options?: ErrorOptions) {
    super('USAGE', message, options)
  }
}

/** The message of anything thrown, for embedding in another error's message. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
