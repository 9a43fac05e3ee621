/**
 * A capture session, played as Flow's runtime plays it: internal Spec, Open over the full
 * range with the persisted state, Opened first, then documents and sourced schemas that stay
 * pending until a checkpoint commits them, each checkpoint's state applied to the running
 * state, and an Acknowledge per checkpoint when the connector asked for them.
 */
import { ProtocolError } from '../errors.ts'
import { applyMergePatch } from '../ops/merge-patch.ts'
import { checkRawJson, type CaptureResponse } from '../protocol/index.ts'
import type { CaptureTask } from './catalog.ts'
import { captureSpecOf, openRequest } from './requests.ts'
import { connect, failure, finish, responseKind, unexpectedEof, violation, type CaptureConnection, type StartOptions } from './runtime.ts'
import { taskValidator, type TaskValidator } from './validate.ts'

/** What one checkpoint committed. */
export interface Transaction {
  /** `[binding index, document JSON text]` in the order they were captured; one line of JSON each. */
  readonly documents: readonly (readonly [number, string])[]
  /** `[binding index, JSON schema text]` of the SourcedSchema responses, in order. */
  readonly sourcedSchemas: readonly (readonly [number, string])[]
  /** The connector state once this checkpoint is applied. */
  readonly state: unknown
}

export interface SessionOptions extends StartOptions {
  /** The state the session opens with. Default `{}`. */
  readonly state?: unknown
  /**
   * Called after each checkpoint, before it is acknowledged and before the next response is
   * read: what it persists is what the session committed. A rejection ends the session.
   */
  readonly onTransaction?: (transaction: Transaction) => void | Promise<void>
  /** Aborting it closes the connector's stdin, which asks it to end the session. */
  readonly signal?: AbortSignal
  /**
   * How long an Acknowledge may wait for the connector to take it (read its stdin) before the
   * session fails, as Flow's runtime fails it. Default 10 s.
   */
  readonly ackTimeoutMs?: number
  /**
   * Check every document, as it arrives, against its collection's schema and for a value at
   * each of its key pointers. Default true.
   */
  readonly validate?: boolean
}

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
 * `validate` is false, a document that does not match its collection's schema, or lacks a key
 * location, fails it with a DocumentError naming the collection, the binding, the document's
 * key and the schema errors; the schemas are compiled before the connector starts, and one
 * that cannot be (not a valid JSON schema, a `$ref` outside it) is a ConfigError. Transactions
 * committed before a failure have been passed to `onTransaction`; the failing one has not.
 */
export async function runSession(task: CaptureTask, options: SessionOptions = {}): Promise<SessionResult> {
  const validator = options.validate === false ? undefined : taskValidator(task)
  const { connection, spec } = await connect(task, options)
  const stop = () => connection.end()
  options.signal?.addEventListener('abort', stop, { once: true })
  try {
    const capture = captureSpecOf(task, spec.resourcePathPointers ?? [])
    connection.send(openRequest(capture, options.state ?? {}))
    if (options.signal?.aborted) stop()
    const result = await readSession(connection, task, options, validator)
    await finish(connection)
    return result
  } catch (error) {
    throw await failure(connection, error)
  } finally {
    options.signal?.removeEventListener('abort', stop)
  }
}

async function readSession(connection: CaptureConnection, task: CaptureTask, options: SessionOptions, validator: TaskValidator | undefined): Promise<SessionResult> {
  const bindings = task.bindings.length
  const opened = await connection.next()
  if (opened === undefined) throw unexpectedEof(connection, 'Opened was due in answer to Open')
  if (opened.opened == null) throw violation(connection, `the first response to Open must be Opened, not ${responseKind(opened) ?? 'an empty message'}`)
  const explicit = opened.opened.explicitAcknowledgements === true

  let state: unknown = options.state ?? {}
  let documents: [number, string][] = []
  let sourcedSchemas: [number, string][] = []
  let transactions = 0
  let committed = 0
  const bindingOf = (response: { binding?: number | null }, what: string): number => {
    const binding = response.binding ?? 0
    if (binding >= bindings) throw violation(connection, `${what} for binding ${binding}, but the capture has ${bindings} binding${bindings === 1 ? '' : 's'}`)
    return binding
  }

  // An acknowledgement the connector does not take in time fails the session: the connector is
  // stopped, and the read below ends with the reason.
  const ackTimeoutMs = options.ackTimeoutMs ?? ACK_TIMEOUT_MS
  let ackTimer: ReturnType<typeof setTimeout> | undefined
  let ackRefused: ProtocolError | undefined
  let reading = true
  const watchInput = () => {
    if (!reading || ackTimer !== undefined || connection.inputBacklog === 0) return
    ackTimer = setTimeout(() => {
      ackRefused = violation(
        connection,
        `the connector requested acknowledgements but is not processing its input: an Acknowledge was not taken within ${ackTimeoutMs / 1000} s`,
      )
      connection.kill('SIGKILL')
    }, ackTimeoutMs)
    // Taken: what was written until now. Requests written since then are watched anew.
    void connection.inputTaken().then(() => {
      clearTimeout(ackTimer)
      ackTimer = undefined
      watchInput()
    })
  }
  const acknowledge = () => {
    connection.send({ acknowledge: { checkpoints: 1 } })
    watchInput()
  }
  try {
    return await readResponses()
  } catch (error) {
    throw ackRefused ?? error
  } finally {
    reading = false
    clearTimeout(ackTimer)
  }

  async function readResponses(): Promise<SessionResult> {
    for (let response = await connection.next(); response !== undefined; response = await connection.next()) {
      const kind = responseKind(response)
      switch (kind) {
        case 'captured': {
          const captured = response.captured as NonNullable<CaptureResponse['captured']>
          const binding = bindingOf(captured, 'a document')
          const doc = rawJson(connection, captured.docJson, 'the document')
          validator?.check(binding, JSON.parse(doc))
          documents.push([binding, doc])
          break
        }
        case 'sourcedSchema': {
          // Not checked: Flow widens a collection's inferred schema with what a connector sources,
          // so a sourced schema has nothing to be checked against here.
          const sourced = response.sourcedSchema as NonNullable<CaptureResponse['sourcedSchema']>
          sourcedSchemas.push([bindingOf(sourced, 'a sourced schema'), rawJson(connection, sourced.schemaJson, 'the sourced schema')])
          break
        }
        case 'backfillBegin':
        case 'backfillComplete':
          bindingOf(response[kind] as { binding?: number | null }, `${kind}`)
          break
        case 'checkpoint': {
          const checkpoint = response.checkpoint as NonNullable<CaptureResponse['checkpoint']>
          if (checkpoint.state == null) throw violation(connection, 'a checkpoint must carry a state (use {"updated":{},"mergePatch":true} for no change)')
          const updated = JSON.parse(rawJson(connection, checkpoint.state.updatedJson || '{}', 'the checkpoint state'))
          state = checkpoint.state.mergePatch ? applyMergePatch(state, updated) : updated
          transactions++
          committed += documents.length
          await options.onTransaction?.({ documents, sourcedSchemas, state })
          documents = []
          sourcedSchemas = []
          if (explicit) acknowledge()
          break
        }
        case 'opened':
          throw violation(connection, 'Opened may come only once, first')
        default:
          throw violation(connection, `a session carries Captured, SourcedSchema and Checkpoint responses, not ${kind ?? 'an empty message'}`)
      }
    }
    const stopped = options.signal?.aborted === true
    const pending = documents.length + sourcedSchemas.length
    if (pending > 0 && !stopped) {
      const what = [plural(documents.length, 'document'), plural(sourcedSchemas.length, 'sourced schema')].filter((s) => s !== '').join(' and ')
      throw unexpectedEof(connection, `it was within a checkpoint: ${what} after the last checkpoint were never committed`)
    }
    if (ackRefused) throw ackRefused
    return { state, transactions, documents: committed, stopped }
  }
}

/** How long Flow's runtime gives a connector to take an Acknowledge. */
const ACK_TIMEOUT_MS = 10_000

function plural(n: number, noun: string): string {
  return n === 0 ? '' : `${n} ${noun}${n === 1 ? '' : 's'}`
}

/**
 * Checks that a raw JSON field holds one JSON value, and returns it on one line. A field of a
 * JSON-codec frame was checked when the frame was decoded, and a frame is one line: it is
 * scanned again only when absent (empty) or holding a carriage return.
 */
function rawJson(connection: CaptureConnection, text: string | null | undefined, what: string): string {
  if (connection.codec === 'json' && text && !text.includes('\r')) return text
  try {
    return checkRawJson(text ?? '')
  } catch (error) {
    throw violation(connection, `${what} is not valid JSON (${error instanceof Error ? error.message : String(error)})`)
  }
}
