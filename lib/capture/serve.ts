import { encodeFrame, readFrames, type MessageReader } from '../codec/frames.ts'
import { ProtocolError } from '../errors.ts'
import type { Logger } from '../io/log.ts'
import type { ProcessIo } from '../io/process.ts'
import { sink } from '../io/sink.ts'
import { AckQueue, ackWindow } from '../ops/ack-window.ts'
import type { EventBatch } from '../ops/events.ts'
import { toBatches } from '../ops/to-batches.ts'
import { captureRequest, captureResponse, type CaptureOpen, type CaptureRequest, type CaptureResponse } from '../protocol/index.ts'
import type { CaptureConnector } from './connector.ts'
import { ResponseEncoder } from './encoder.ts'

/**
 * The process I/O `serveCapture` runs on (stdin, stdout, codec, logger), a stop signal, and its
 * progress and stop timings.
 */
export interface ServeOptions extends Omit<ProcessIo, 'stop'> {
  /** Aborting it stops a running session as if stdin had closed (SIGTERM). */
  readonly stop?: AbortSignal
  /** Interval of the progress log line during a session; default 60 s. */
  readonly statsIntervalMs?: number
  /** How long a stopped source may take to hand back control; default 5 s. */
  readonly stopGraceMs?: number
}

const REQUEST_KINDS = ['spec', 'discover', 'validate', 'apply', 'open', 'acknowledge'] as const
type RequestKind = (typeof REQUEST_KINDS)[number]

/**
 * Serves Flow's capture protocol until stdin ends: answers each Spec, Discover, Validate and
 * Apply with one response of the matching kind (the runtime's internal Spec comes first), and
 * runs a session on Open: Opened first, then the connector's documents and checkpoints, while
 * Acknowledge requests are read concurrently. Resolves when the input ends or the session
 * ends; rejects on any error (the caller logs it last and exits non-zero).
 */
export async function serveCapture(connector: CaptureConnector, options: ServeOptions): Promise<void> {
  const { codec, logger } = options
  const requests = readFrames(options.input, codec, captureRequest)
  const write = sink(options.output)
  const respond = (response: CaptureResponse) => write([encodeFrame(codec, captureResponse, response)])

  for (;;) {
    const request = await requests.next()
    if (request === undefined) return
    const kind = requestKind(request)
    logger.debug('request', { kind })
    const configJson = request.discover?.configJson ?? request.validate?.configJson ?? request.apply?.capture?.configJson ?? request.open?.capture?.configJson
    if (configJson && connector.secrets) options.secrets?.add(connector.secrets(configJson))
    switch (kind) {
      case 'spec':
        await respond(await connector.spec(logger))
        break
      case 'discover':
        await respond(await connector.discover(request.discover!, logger))
        break
      case 'validate':
        await respond(await connector.validate(request.validate!, logger))
        break
      case 'apply':
        await respond(await connector.apply(request.apply!, logger))
        break
      case 'open':
        // A session is the last thing a connector process does: its end is the process's end.
        return serveSession(connector, request.open!, requests, options)
      case 'acknowledge':
        throw new ProtocolError('PROTOCOL_ORDER', 'received Acknowledge before Open: acknowledgements only belong to a session')
    }
  }
}

async function serveSession(connector: CaptureConnector, open: CaptureOpen, requests: MessageReader<CaptureRequest>, options: ServeOptions): Promise<void> {
  const { codec, logger } = options
  const controller = new AbortController()
  const session = await connector.open(open, controller.signal, logger)
  const explicit = session.explicitAcknowledgements
  const write = sink(options.output)
  const acks = new AckQueue()
  // Stopping also releases an ack window that waits for acknowledgements that will not come.
  const stop = () => {
    controller.abort()
    acks.close()
  }
  options.stop?.addEventListener('abort', stop, { once: true })
  if (options.stop?.aborted) stop()

  logger.info('capture session opened', {
    capture: session.name,
    bindings: session.resourcePaths.map((path) => path.join('.')),
    explicitAcknowledgements: explicit,
  })
  logger.debug('capture config', { config: session.redactedConfig })
  await write([encodeFrame(codec, captureResponse, { opened: explicit ? { explicitAcknowledgements: true } : {} })])

  const encoder = new ResponseEncoder(codec, session.resourcePaths.length)
  // Acknowledgements are read while documents are written; stdin closing ends the session.
  const reading = readDuringSession(requests, explicit ? acks : undefined, stop)
  const readFailure = reading.then(
    () => new Promise<never>(() => {}),
    (error: unknown) => {
      stop()
      throw error
    },
  )
  readFailure.catch(() => {}) // observed through the race below

  const started = performance.now()
  const stats = setInterval(() => logProgress(logger, 'capture progress', session.resourcePaths, encoder, started), options.statsIntervalMs ?? 60_000)
  stats.unref()
  try {
    let batches: AsyncIterable<EventBatch> = toBatches()(session.events)
    if (explicit) batches = ackWindow({ maxInFlight: session.maxCheckpointsInFlight, ledger: acks })(batches)
    const graceMs = options.stopGraceMs ?? 5000
    const late = () => logger.warn(`the source did not stop within ${graceMs} ms of its stop signal; the session ends without waiting for it`)
    const frames = encodeSession(batches, encoder, explicit ? acks : undefined, controller.signal, graceMs, late)
    await Promise.race([write(frames), readFailure])
  } finally {
    clearInterval(stats)
    options.stop?.removeEventListener('abort', stop)
  }
  logProgress(logger, 'capture session ended', session.resourcePaths, encoder, started)
  if (encoder.pending > 0) {
    throw new ProtocolError(
      'PROTOCOL_VIOLATION',
      `the session stopped with ${encoder.pending} document${encoder.pending === 1 ? '' : 's'} after the last checkpoint; they were not committed`,
    )
  }
}

const STOPPED = Symbol('stopped')
const WAITING = Symbol('waiting')

/**
 * The pull's result if it settles before the event loop's next turn (a source that computes
 * its next batch, however many async steps deep), else WAITING (a source that waits for I/O,
 * a timer, an acknowledgement). An immediate runs after every pending promise job.
 */
function settledNow<T>(pull: Promise<T>): Promise<T | typeof WAITING> {
  return new Promise((resolve, reject) => {
    const immediate = setImmediate(resolve, WAITING)
    pull.then(
      (value) => {
        clearImmediate(immediate)
        resolve(value)
      },
      (error: unknown) => {
        clearImmediate(immediate)
        reject(error)
      },
    )
  })
}

/**
 * Encodes batches into frames as they come. When the source ends, a transaction left open is
 * closed with an empty merge-patch checkpoint. When the session is stopped, no further batch
 * is pulled or written: the source gets `graceMs` to return (past it, `late` is called and the
 * source is abandoned, not awaited), and what was already encoded (whole frames) has been written.
 *
 * Output goes out in whole 64 KiB chunks while the source has its next batch ready at once;
 * whatever is encoded goes out as soon as the source would make the loop wait (so a checkpoint
 * is never held back while the source waits for data, a timer or an acknowledgement). On a
 * pipe, each write is a hand-off to the reader: writing a piece per batch, or per checkpoint,
 * instead of whole chunks made the whole session ~1.3-1.5× slower.
 */
async function* encodeSession(
  batches: AsyncIterable<EventBatch>,
  encoder: ResponseEncoder,
  acks: AckQueue | undefined,
  signal: AbortSignal,
  graceMs: number,
  late: () => void,
): AsyncGenerator<Buffer> {
  const iterator = batches[Symbol.asyncIterator]()
  // Each pull waits for the source or the stop signal, whichever comes first. Not
  // Promise.race(pull, stopped): every race leaves a reaction on the never-settling `stopped`
  // promise that keeps the race's result, so each batch (and its documents) stayed reachable
  // for the whole session (~500 MB per million documents).
  let wake: ((stop: typeof STOPPED) => void) | undefined
  const onAbort = () => wake?.(STOPPED)
  signal.addEventListener('abort', onAbort, { once: true })
  const pullOrStop = (pull: Promise<IteratorResult<EventBatch>>) =>
    signal.aborted
      ? Promise.resolve(STOPPED)
      : new Promise<IteratorResult<EventBatch> | typeof STOPPED>((resolve, reject) => {
          wake = resolve
          pull.then(resolve, reject)
        })
  const written = acks ? (checkpoint: Parameters<AckQueue['written']>[0]) => acks.written(checkpoint) : undefined
  let pending: Promise<IteratorResult<EventBatch>> | undefined
  let abandoned = false
  try {
    for (;;) {
      pending = iterator.next()
      let next: IteratorResult<EventBatch> | typeof STOPPED | typeof WAITING = WAITING
      if (encoder.held > 0 && !signal.aborted) {
        try {
          next = await settledNow(pending)
        } catch (error) {
          yield* encoder.take() // what came before the failure goes out, as if the loop had waited
          throw error
        }
        if (signal.aborted) next = STOPPED
      }
      if (next === WAITING) {
        yield* encoder.take()
        next = await pullOrStop(pending)
        wake = undefined
      }
      if (next === STOPPED) break
      pending = undefined
      if (next.done) {
        if (encoder.pending > 0) encoder.checkpoint({ updated: {}, mergePatch: true })
        yield* encoder.take()
        return
      }
      const batch = next.value
      for (let i = 0; i < batch.length; ) {
        try {
          i = encoder.encodeFrom(batch, i, written)
        } catch (error) {
          yield* encoder.take() // the frames before the one at fault go out, then the error
          throw error
        }
        yield* encoder.takeFull()
      }
    }
    // Stopped: what was encoded goes out; the source gets the grace period to notice its signal and return.
    yield* encoder.take()
    const grace = new Promise<'late'>((resolve) => setTimeout(resolve, graceMs, 'late').unref())
    const returned = pending.then(() => iterator.return?.()).then(
      () => 'returned' as const,
      () => 'returned' as const,
    )
    // A source still busy with its pull cannot be returned (its return() would wait for the pull).
    if ((await Promise.race([returned, grace])) === 'late') {
      abandoned = true
      late()
    }
    pending = undefined
  } finally {
    signal.removeEventListener('abort', onAbort)
    if (pending === undefined && !abandoned) await iterator.return?.()
  }
}

async function readDuringSession(requests: MessageReader<CaptureRequest>, acks: AckQueue | undefined, stop: () => void): Promise<void> {
  for (;;) {
    const request = await requests.next()
    if (request === undefined) {
      stop()
      return
    }
    const kind = requestKind(request)
    if (kind !== 'acknowledge') throw new ProtocolError('PROTOCOL_ORDER', `received ${kind} during a capture session; only acknowledge may follow Open`)
    if (!acks) throw new ProtocolError('PROTOCOL_ORDER', 'received Acknowledge, but this connector did not ask for explicit acknowledgements')
    const checkpoints = request.acknowledge?.checkpoints ?? 0
    if (checkpoints === 0) throw new ProtocolError('PROTOCOL_VIOLATION', 'received an Acknowledge of 0 checkpoints: Flow acknowledges one or more')
    acks.acknowledge(checkpoints)
  }
}

function logProgress(logger: Logger, message: string, resourcePaths: readonly (readonly string[])[], encoder: ResponseEncoder, started: number) {
  const seconds = Math.max((performance.now() - started) / 1000, 1e-3)
  const perBinding: Record<string, unknown> = {}
  resourcePaths.forEach((path, i) => {
    const docs = encoder.docs[i] ?? 0
    perBinding[path.join('.') || String(i)] = { docs, bytes: encoder.bytes[i] ?? 0, docsPerSecond: Math.round(docs / seconds) }
  })
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024)
  logger.info(message, { seconds: Math.round(seconds * 10) / 10, checkpoints: encoder.checkpoints, peakRssMB, bindings: perBinding })
}

function requestKind(request: CaptureRequest): RequestKind {
  const set = REQUEST_KINDS.filter((kind) => request[kind] != null)
  if (set.length === 1) return set[0] as RequestKind
  if (set.length === 0) throw new ProtocolError('PROTOCOL_VIOLATION', 'received a request that carries none of spec, discover, validate, apply, open, acknowledge')
  throw new ProtocolError('PROTOCOL_VIOLATION', `received a request that carries more than one message: ${set.join(', ')}`)
}
