/**
 * `delegateSource`: an Airbyte source that runs in this process, as the object a
 * faros-airbyte-cdk connector builds (`AirbyteSourceBase`), driven the way faros's own runner
 * drives it. `spec`, `check` (after `onBeforeCheck`) and `discover` each answer one message;
 * `read` runs `onBeforeRun`, `onBeforeRead`, a connection check (a FAILED status fails the
 * read), then `read` and, when it ended by itself, `onAfterRead`.
 *
 * What the author must know:
 * - Nothing but Flow's frames may reach stdout, and faros's `AirbyteLogger` writes its LOG
 *   messages there. The logger the source was built with (AirbyteSourceBase keeps it as
 *   `logger`; pass `delegateLogger` when it is elsewhere) has its `write` replaced: its LOG
 *   messages become flowkit log lines of the command running, secrets redacted. Give the
 *   streams that same logger. A Pino logger from `logger.asPino()` and `console.log` still
 *   write to stdout: do not use them in a delegated source.
 * - faros writes idle heartbeat records straight to stdout; `read` is given the config with
 *   `source_heartbeat_interval_ms: 0`, which turns them off.
 * - faros ends a stream that failed with a STATE whose `sourceStatus.status` is ERRORED and
 *   goes on with the next stream. Here it fails the read at once, with the stream's error (and
 *   the last error of one of its slices): nothing after the last STATE before it is committed.
 * - `read` gets the state as faros's runner reads a state file: a plain object of per-stream
 *   states, unpacked from the `base64/gzip` form faros emits (`delegateState` changes that).
 *
 * A message the delegate yields or returns is read as a plain object: the classes of the CDK
 * are never needed, and a reply without `type` is taken as the bare payload.
 */
import { gunzipSync } from 'node:zlib'
import { ConnectorError, FlowkitError, messageOf } from '../../errors.ts'
import { createLogger, type Logger } from '../../io/log.ts'
import { redactSecrets } from '../../io/redact.ts'
import { describeValue, isObject, type JsonObject } from '../../json/values.ts'
import { logLine, traceError, type AirbyteMessage } from './messages.ts'
import type { AirbyteSource } from './source.ts'

/** The shape of a faros-airbyte-cdk source (`AirbyteSourceBase`) that the shim uses. */
export interface AirbyteDelegate {
  /** An AirbyteSpec message (`{type: 'SPEC', spec: {connectionSpecification, ...}}`). */
  spec(): Promise<unknown>
  /** An AirbyteConnectionStatusMessage (`{type: 'CONNECTION_STATUS', connectionStatus}`). */
  check(config: unknown): Promise<unknown>
  /** An AirbyteCatalogMessage (`{type: 'CATALOG', catalog: {streams}}`). */
  discover(config: unknown): Promise<unknown>
  /** Airbyte messages; `state` is a plain object of per-stream states, which the source may change. */
  read(config: unknown, redactedConfig: unknown, catalog: unknown, state: unknown): AsyncIterable<unknown>
  onBeforeCheck?(config: unknown): Promise<unknown>
  onBeforeRun?(config: unknown): Promise<unknown>
  onBeforeRead?(config: unknown, catalog: unknown, state?: unknown): Promise<{ readonly config: unknown; readonly catalog: unknown; readonly state?: unknown }>
  onAfterRead?(config: unknown): Promise<unknown>
}

/** The one method of faros's `AirbyteLogger` every log line goes through. */
export interface DelegateLogger {
  write(message: unknown): unknown
}

/**
 * Options of `delegateSource`: the logger the in-process source writes through, and how its state
 * file is read.
 */
export interface DelegateOptions {
  /** The logger the source writes through. Default: the delegate's own `logger`. */
  readonly delegateLogger?: DelegateLogger | undefined
  /** The state `read` is given, from the content of the state file (undefined for none). Default: faros's reading. */
  readonly delegateState?: ((file: unknown) => unknown) | undefined
}

/** Records per batch at most; any other message ends a batch. */
const MAX_BATCH = 256

/** An in-process faros-airbyte-cdk source as the shim's AirbyteSource. */
export function delegateSource(delegate: AirbyteDelegate, options: DelegateOptions = {}): AirbyteSource {
  const route = new LogRoute(options.delegateLogger ?? ownLogger(delegate))
  const decode = options.delegateState ?? farosState
  let spec: Promise<AirbyteMessage> | undefined
  const sourceSpec = () => {
    spec ??= delegate.spec().then((value) => reply(value, 'SPEC', 'spec'))
    spec.catch(() => (spec = undefined))
    return spec
  }
  return {
    spec: (logger) => command(route, logger, 'spec', answer(sourceSpec)),
    check: (config, logger) => command(route, logger, 'check', answer(() => checked(delegate, config))),
    discover: (config, logger) => command(route, logger, 'discover', answer(async () => reply(await delegate.discover(config), 'CATALOG', 'catalog'))),
    read: (config, catalog, state, logger, signal) =>
      command(route, logger, 'read', () => readMessages(delegate, { config, catalog, state: () => decode(state), logger, signal, spec: sourceSpec })),
  }
}

async function checked(delegate: AirbyteDelegate, config: unknown): Promise<AirbyteMessage> {
  const status = await delegate.check((await delegate.onBeforeCheck?.(config)) ?? config)
  return reply(status, 'CONNECTION_STATUS', 'connectionStatus')
}

/** One command of the delegate: its logger's writes go to `logger`, and what it throws becomes a ConnectorError with its message. */
async function* command(route: LogRoute, logger: Logger, verb: string, run: () => AsyncIterable<AirbyteMessage[]>): AsyncGenerator<AirbyteMessage[]> {
  route.to(logger)
  try {
    yield* run()
  } catch (error) {
    if (error instanceof FlowkitError) throw error
    throw new ConnectorError(`${messageOf(error)} (the source's ${verb} failed)`, { cause: error })
  }
}

function answer(get: () => Promise<AirbyteMessage>): () => AsyncIterable<AirbyteMessage[]> {
  return async function* answer() {
    yield [await get()]
  }
}

/** `value` if it is a message of `type`, else `value` as the payload of one. */
function reply(value: unknown, type: string, key: string): AirbyteMessage {
  if (isObject(value) && value.type === type) return value as unknown as AirbyteMessage
  return { type, [key]: value } as unknown as AirbyteMessage
}

interface ReadRun {
  readonly config: unknown
  readonly catalog: unknown
  /** The state for `read`, decoded from the state file. */
  readonly state: () => unknown
  readonly logger: Logger
  readonly signal: AbortSignal | undefined
  readonly spec: () => Promise<AirbyteMessage>
}

/** The read as faros's runner runs it: hooks, a connection check, `read`, then `onAfterRead` unless it was stopped. */
async function* readMessages(delegate: AirbyteDelegate, run: ReadRun): AsyncGenerator<AirbyteMessage[]> {
  const config = (await delegate.onBeforeRun?.(run.config)) ?? run.config
  const decoded = run.state()
  const ready = (await delegate.onBeforeRead?.(config, run.catalog, decoded)) ?? { config, catalog: run.catalog, state: decoded }
  const status = reply(await delegate.check(ready.config), 'CONNECTION_STATUS', 'connectionStatus')
  if (status.connectionStatus?.status === 'FAILED') {
    yield [status]
    return
  }
  const redacted = redactSecrets((await run.spec()).spec?.connectionSpecification, ready.config)
  const readConfig = { ...(isObject(ready.config) ? ready.config : {}), source_heartbeat_interval_ms: 0 }
  const state = structuredClone(ready.state ?? {})
  if (run.signal?.aborted) return
  const ended = yield* batches(delegate.read(readConfig, redacted, ready.catalog, state), run.logger, run.signal)
  if (ended) await delegate.onAfterRead?.(ready.config)
}

/**
 * The messages of `messages` in batches: a batch ends after any message but a RECORD. Returns
 * true when the delegate ended, false when `signal` stopped it: the pull in progress is
 * abandoned and the generator's `return()` called. A consumer that stops early returns it too.
 */
async function* batches(messages: AsyncIterable<unknown>, logger: Logger, signal: AbortSignal | undefined): AsyncGenerator<AirbyteMessage[], boolean> {
  const iterator = messages[Symbol.asyncIterator]()
  const failures = new StreamFailures()
  let pending: Promise<IteratorResult<unknown>> | undefined
  try {
    let batch: AirbyteMessage[] = []
    for (;;) {
      pending = iterator.next()
      const next = await unlessAborted(pending, signal)
      if (next === ABORTED) return false
      pending = undefined
      if (next.done) break
      const message = delegateMessage(next.value, logger)
      if (message === undefined) continue
      failures.check(message)
      batch.push(message)
      if (message.type !== 'RECORD' || batch.length >= MAX_BATCH) {
        yield batch
        batch = []
      }
    }
    if (batch.length > 0) yield batch
    return true
  } finally {
    await close(iterator, pending)
  }
}

const ABORTED = Symbol('aborted')

/** `pending`, or ABORTED as soon as `signal` aborts. */
function unlessAborted<T>(pending: Promise<T>, signal: AbortSignal | undefined): Promise<T | typeof ABORTED> {
  if (signal === undefined) return pending
  if (signal.aborted) return Promise.resolve(ABORTED)
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED)
    signal.addEventListener('abort', onAbort, { once: true })
    pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** Returns the delegate's generator: awaited when it is paused, left to finish its step when a pull is in progress. */
async function close(iterator: AsyncIterator<unknown>, pending: Promise<unknown> | undefined): Promise<void> {
  if (pending === undefined) {
    await iterator.return?.()
    return
  }
  pending.catch(() => undefined)
  void Promise.resolve(iterator.return?.()).catch(() => undefined)
}

function delegateMessage(value: unknown, logger: Logger): AirbyteMessage | undefined {
  if (isObject(value) && typeof value.type === 'string') return value as unknown as AirbyteMessage
  logger.warn('the source yielded something that is not an Airbyte message; skipped', { value: describeValue(value) })
  return undefined
}

/**
 * faros's statuses: a STATE with `sourceStatus.status` ERRORED ends a stream that failed; one with
 * `streamStatus.status` ERROR reports a failed slice of a stream that goes on.
 */
class StreamFailures {
  /** The last slice error per stream name. */
  readonly #slices = new Map<string, string>()

  check(message: AirbyteMessage): void {
    const { sourceStatus, streamStatus } = message as unknown as { sourceStatus?: unknown; streamStatus?: unknown }
    if (message.type !== 'STATE' || !isObject(sourceStatus)) return
    const stream = isObject(streamStatus) && typeof streamStatus.name === 'string' ? streamStatus.name : undefined
    const summary = isObject(sourceStatus.message) && typeof sourceStatus.message.summary === 'string' ? sourceStatus.message.summary : undefined
    if (sourceStatus.status === 'ERRORED') throw this.#failure(stream, summary)
    if (stream !== undefined && summary !== undefined && isObject(streamStatus) && streamStatus.status === 'ERROR') this.#slices.set(stream, summary)
  }

  #failure(stream: string | undefined, summary: string | undefined): ConnectorError {
    const slice = stream === undefined ? undefined : this.#slices.get(stream)
    const message = [summary ?? 'the source reported an error', slice].filter((part) => part !== undefined && part !== summary).join(': ')
    return new ConnectorError(`${message} (the source failed${stream === undefined ? '' : ` reading stream ${stream}`})`)
  }
}

/** Where the writes of the delegate's logger go: the logger of the command running (stderr before the first). */
class LogRoute {
  #logger: Logger = createLogger()

  constructor(target: DelegateLogger | undefined) {
    if (target === undefined) return
    target.write = (message: unknown) => {
      this.#write(message)
      return Promise.resolve()
    }
  }

  to(logger: Logger): void {
    this.#logger = logger
  }

  #write(value: unknown): void {
    if (!isObject(value)) return
    const message = value as unknown as AirbyteMessage
    if (message.type === 'LOG') logLine(this.#logger, message)
    else if (message.type === 'TRACE' && message.trace?.type === 'ERROR') this.#logger.error(traceError(message).message)
    else this.#logger.debug('the source wrote a message to its logger; not forwarded', { type: message.type })
  }
}

/** The logger an AirbyteSourceBase was constructed with, if it has one. */
function ownLogger(delegate: AirbyteDelegate): DelegateLogger | undefined {
  const logger: unknown = (delegate as { readonly logger?: unknown }).logger
  return typeof logger === 'object' && logger !== null && typeof (logger as { write?: unknown }).write === 'function' ? (logger as DelegateLogger) : undefined
}

/**
 * A state file read as faros's runner reads it: a list of STREAM states as `{name: state}`, a
 * list of anything else by its first element, a `{data: packed}` or packed blob unpacked, any
 * other object as it is. Undefined for none.
 */
export function farosState(file: unknown): JsonObject | undefined {
  if (Array.isArray(file)) return isObject(file[0]) && file[0].type === 'STREAM' ? streamStates(file) : farosState(file[0])
  const value = unpacked(isObject(file) && isPacked(file.data) ? file.data : file)
  return isObject(value) ? value : undefined
}

function streamStates(messages: readonly unknown[]): JsonObject {
  const states: JsonObject = {}
  for (const message of messages) {
    const stream = isObject(message) && isObject(message.stream) ? message.stream : undefined
    const name = stream && isObject(stream.stream_descriptor) ? stream.stream_descriptor.name : undefined
    if (stream && typeof name === 'string' && stream.stream_state !== undefined) states[name] = unpacked(stream.stream_state)
  }
  return states
}

function isPacked(value: unknown): value is { readonly format: unknown; readonly data: unknown } {
  return isObject(value) && Boolean(value.format) && Boolean(value.data)
}

/** faros's packed form `{format: 'base64/gzip', data}` unpacked; any other value as it is. */
function unpacked(value: unknown): unknown {
  if (!isPacked(value)) return value
  if (value.format !== 'base64/gzip' || typeof value.data !== 'string') {
    throw new ConnectorError(`the source's state is packed in a form flowkit cannot read: ${JSON.stringify(value.format)}`)
  }
  return JSON.parse(gunzipSync(Buffer.from(value.data, 'base64')).toString('utf8'))
}
