/**
 * A capture session, played as Flow's runtime plays it: internal Spec, Open over the full
 * range with the persisted state, Opened first, then documents and sourced schemas that stay
 * pending until a checkpoint commits them, each checkpoint's state applied to the running
 * state, and an Acknowledge per checkpoint when the connector asked for them.
 */
import { messageOf } from '../errors.ts'
import { applyMergePatch } from '../json/merge-patch.ts'
import { checkRawJson, type CaptureRequest, type CaptureResponse } from '../protocol/index.ts'
import { AckWatch } from './ack-watch.ts'
import { captureSpecOf, openRequest } from './capture-requests.ts'
import { connect, responseKind, type CaptureConnection } from './capture-rpc.ts'
import type { CaptureTask } from './catalog.ts'
import { documentChecker, type DocumentChecker } from './document-check.ts'
import type { StartOptions } from './endpoint.ts'

/** What one checkpoint committed. */
export interface Transaction {
  /** `[binding index, document JSON text]` in the order they were captured; one line of JSON each. */
  readonly documents: readonly (readonly [number, string])[]
  /** `[binding index, JSON schema text]` of the SourcedSchema responses, in order. */
  readonly sourcedSchemas: readonly (readonly [number, string])[]
  /** The connector state once this checkpoint is applied. */
  readonly state: unknown
}

/**
 * Options of `runCaptureSession`: the state it opens with, what is called at each committed
 * transaction, and how it is stopped.
 */
export interface SessionOptions extends StartOptions {
  /** The state the session opens with. Default `{}`. */
  readonly state?: unknown
  /**
   * Called after each checkpoint, before it is acknowledged and before the next response is
   * read: what it persists is what the session committed. A rejection ends the session.
   */
  readonly onTransaction?: (transaction: Transaction) => void | Promise<void>
  /** Called with the Opened response, once it has been read. */
  readonly onOpened?: (opened: NonNullable<CaptureResponse['opened']>) => void
  /** Aborting it closes the connector's stdin, which asks it to end the session. */
  readonly signal?: AbortSignal
  /**
   * Once `signal` has aborted, how long the connector may take to end its output before it is
   * killed (SIGKILL), which fails the session. Default: as long as it takes.
   */
  readonly stopGraceMs?: number
  /**
   * How long an Acknowledge may wait for the connector to take it (read its stdin) before the
   * session fails, as Flow's runtime fails it. Default 10 s.
   */
  readonly ackTimeoutMs?: number
  /**
   * Check every document, as it arrives, against its collection's schema and for a value at
   * each of its key pointers. Default true.
   */
  readonly checkDocuments?: boolean
}

/**
 * What a capture session ended with: its final state, how many transactions and documents it
 * committed, and whether it was stopped.
 */
export interface SessionResult {
  /** The state after the last checkpoint. */
  readonly state: unknown
  readonly transactions: number
  readonly documents: number
  /** True when the session ended because `signal` was aborted. */
  readonly stopped: boolean
}

/**
 * Runs one session to its end: the connector closing its output after a checkpoint. Fails
 * with a ProtocolError naming the rule and the offending response when the connector breaks
 * the protocol (a response other than Opened first, a binding out of range, a checkpoint
 * without state, a frame that does not parse, its output ending inside a checkpoint), and
 * with a ConnectorError carrying its last log message when it exits non-zero. Unless
 * `checkDocuments` is false, a document that does not match its collection's schema, or lacks
 * a key location, fails it with a DocumentError naming the collection, the binding, the
 * document's key and the schema errors; the schemas are compiled before the connector starts,
 * and one that cannot be (not a valid JSON schema, a `$ref` outside it) is a ConfigError.
 * Transactions committed before a failure have been passed to `onTransaction`; the failing
 * one has not.
 */
export async function runCaptureSession(task: CaptureTask, options: SessionOptions = {}): Promise<SessionResult> {
  const checker = options.checkDocuments === false ? undefined : documentChecker(task)
  const { connection, spec } = await connect(task, options)
  let grace: NodeJS.Timeout | undefined
  const stop = () => {
    connection.end()
    if (options.stopGraceMs !== undefined) grace = setTimeout(() => connection.kill('SIGKILL'), options.stopGraceMs)
  }
  options.signal?.addEventListener('abort', stop, { once: true })
  try {
    connection.send(openRequest(captureSpecOf(task, spec.resourcePathPointers ?? []), options.state ?? {}))
    if (options.signal?.aborted) stop()
    const result = await new SessionReader(connection, task.bindings.length, options, checker).read()
    await connection.finish()
    return result
  } catch (error) {
    throw await connection.failure(error)
  } finally {
    clearTimeout(grace)
    options.signal?.removeEventListener('abort', stop)
  }
}

/** The responses of one session after Open, read and applied as the runtime applies them. */
class SessionReader {
  readonly #connection: CaptureConnection
  readonly #bindings: number
  readonly #options: SessionOptions
  readonly #checker: DocumentChecker | undefined
  readonly #acks: AckWatch<CaptureRequest, CaptureResponse>
  #explicit = false
  #state: unknown
  #documents: [number, string][] = []
  #sourcedSchemas: [number, string][] = []
  #transactions = 0
  #committed = 0

  constructor(connection: CaptureConnection, bindings: number, options: SessionOptions, checker: DocumentChecker | undefined) {
    this.#connection = connection
    this.#bindings = bindings
    this.#options = options
    this.#checker = checker
    this.#state = options.state ?? {}
    this.#acks = new AckWatch(connection, options.ackTimeoutMs)
  }

  /** Reads Opened, then every response to the end of the output. An Acknowledge not taken in time fails it. */
  async read(): Promise<SessionResult> {
    try {
      await this.#opened()
      for (let response = await this.#connection.next(); response !== undefined; response = await this.#connection.next()) {
        await this.#apply(response)
      }
      return this.#ended()
    } catch (error) {
      throw this.#acks.refused ?? error
    } finally {
      this.#acks.close()
    }
  }

  async #opened(): Promise<void> {
    const opened = await this.#connection.next()
    if (opened === undefined) throw this.#connection.unexpectedEof('Opened was due in answer to Open')
    if (opened.opened == null) throw this.#connection.violation('PROTOCOL_ORDER', `the first response to Open must be Opened, not ${responseKind(opened) ?? 'an empty message'}`)
    this.#explicit = opened.opened.explicitAcknowledgements === true
    this.#options.onOpened?.(opened.opened)
  }

  async #apply(response: CaptureResponse): Promise<void> {
    const kind = responseKind(response)
    switch (kind) {
      case 'captured': {
        const captured = response.captured as NonNullable<CaptureResponse['captured']>
        const binding = this.#binding(captured, 'a document')
        const doc = this.#rawJson(captured.docJson, 'the document')
        this.#checker?.check(binding, JSON.parse(doc))
        this.#documents.push([binding, doc])
        return
      }
      case 'sourcedSchema': {
        // Not checked: Flow widens a collection's inferred schema with what a connector sources,
        // so a sourced schema has nothing to be checked against here.
        const sourced = response.sourcedSchema as NonNullable<CaptureResponse['sourcedSchema']>
        this.#sourcedSchemas.push([this.#binding(sourced, 'a sourced schema'), this.#rawJson(sourced.schemaJson, 'the sourced schema')])
        return
      }
      case 'backfillBegin':
      case 'backfillComplete':
        this.#binding(response[kind] as { binding?: number | null }, kind)
        return
      case 'checkpoint':
        return this.#checkpoint(response.checkpoint as NonNullable<CaptureResponse['checkpoint']>)
      case 'opened':
        throw this.#connection.violation('PROTOCOL_ORDER', 'Opened may come only once, first')
      default:
        throw this.#connection.violation('PROTOCOL_ORDER', `a session carries Captured, SourcedSchema and Checkpoint responses, not ${kind ?? 'an empty message'}`)
    }
  }

  /** Commits what came since the last checkpoint: the state moves on, `onTransaction` sees it, then it is acknowledged. */
  async #checkpoint(checkpoint: NonNullable<CaptureResponse['checkpoint']>): Promise<void> {
    if (checkpoint.state == null) throw this.#connection.violation('PROTOCOL_VIOLATION', 'a checkpoint must carry a state (use {"updated":{},"mergePatch":true} for no change)')
    const updated = JSON.parse(this.#rawJson(checkpoint.state.updatedJson || '{}', 'the checkpoint state'))
    this.#state = checkpoint.state.mergePatch ? applyMergePatch(this.#state, updated) : updated
    this.#transactions++
    this.#committed += this.#documents.length
    await this.#options.onTransaction?.({ documents: this.#documents, sourcedSchemas: this.#sourcedSchemas, state: this.#state })
    this.#documents = []
    this.#sourcedSchemas = []
    if (this.#explicit) {
      this.#connection.send({ acknowledge: { checkpoints: 1 } })
      this.#acks.sent()
    }
  }

  /** At the end of the output: what came after the last checkpoint was not committed, which is an error unless the session was stopped. */
  #ended(): SessionResult {
    const stopped = this.#options.signal?.aborted === true
    const documents = this.#documents.length
    const schemas = this.#sourcedSchemas.length
    if (documents + schemas > 0 && !stopped) {
      const what = [plural(documents, 'document'), plural(schemas, 'sourced schema')].filter((s) => s !== '').join(' and ')
      throw this.#connection.unexpectedEof(`it was within a checkpoint: ${what} after the last checkpoint were never committed`)
    }
    if (this.#acks.refused) throw this.#acks.refused
    return { state: this.#state, transactions: this.#transactions, documents: this.#committed, stopped }
  }

  #binding(response: { binding?: number | null }, what: string): number {
    const binding = response.binding ?? 0
    const bindings = this.#bindings
    if (binding >= bindings) throw this.#connection.violation('PROTOCOL_VIOLATION', `${what} for binding ${binding}, but the capture has ${bindings} binding${bindings === 1 ? '' : 's'}`)
    return binding
  }

  /**
   * Checks that a raw JSON field holds one JSON value, and returns it on one line. A field of a
   * JSON-codec frame was checked when the frame was decoded, and a frame is one line: it is
   * scanned again only when absent (empty) or holding a carriage return.
   */
  #rawJson(text: string | null | undefined, what: string): string {
    if (this.#connection.codec === 'json' && text && !text.includes('\r')) return text
    try {
      return checkRawJson(text ?? '')
    } catch (error) {
      throw this.#connection.violation('PROTOCOL_VIOLATION', `${what} is not valid JSON (${messageOf(error)})`)
    }
  }
}

function plural(n: number, noun: string): string {
  return n === 0 ? '' : `${n} ${noun}${n === 1 ? '' : 's'}`
}
