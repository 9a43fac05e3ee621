import { encodeFrame, readFrames, type MessageReader } from '../codec/frames.ts'
import { ProtocolError } from '../errors.ts'
import type { ProcessIo } from '../io/process.ts'
import { sink } from '../io/sink.ts'
import { materializeRequest, materializeResponse, runtimeCheckpoint, type MaterializeOpen, type MaterializeRequest, type MaterializeResponse } from '../protocol/index.ts'
import type { MaterializeConnector } from './connector.ts'
import { requestKind, runTransactions } from './transactions.ts'

/** The process I/O `serveMaterialize` runs on (stdin, stdout, codec, logger) and a stop signal. */
export interface ServeOptions extends Omit<ProcessIo, 'stop'> {
  /** Aborting it aborts the session's signal (SIGTERM); the session still ends with stdin. */
  readonly stop?: AbortSignal
}

/**
 * Serves Flow's materialize protocol until stdin ends: answers each Spec, Validate and Apply
 * with one response of the matching kind, and runs a session on Open: Opened, then
 * transactions until stdin ends between two of them. Rejects on any error (the caller logs it
 * last and exits non-zero).
 */
export async function serveMaterialize(connector: MaterializeConnector, options: ServeOptions): Promise<void> {
  const { codec, logger } = options
  const requests = readFrames(options.input, codec, materializeRequest)
  const write = sink(options.output)
  const respond = (responses: readonly MaterializeResponse[]) => write(responses.map((response) => encodeFrame(codec, materializeResponse, response)))
  for (;;) {
    const request = await requests.next()
    if (request === undefined) return
    const kind = requestKind(request)
    logger.debug('request', { kind })
    const configJson = request.validate?.configJson ?? request.apply?.materialization?.configJson ?? request.open?.materialization?.configJson
    if (configJson && connector.secrets) options.secrets?.add(connector.secrets(configJson))
    if (kind === 'spec') await respond([await connector.spec(logger)])
    else if (kind === 'validate') await respond([await connector.validate(request.validate!, logger)])
    else if (kind === 'apply') await respond([await connector.apply(request.apply!, logger)])
    else if (kind === 'open') return serveSession(connector, request.open!, requests, respond, options)
    else throw new ProtocolError('PROTOCOL_ORDER', `expected Spec, Validate, Apply or Open, got ${kind ? kind[0]?.toUpperCase() + kind.slice(1) : 'an empty request'}`)
  }
}

async function serveSession(
  connector: MaterializeConnector,
  open: MaterializeOpen,
  requests: MessageReader<MaterializeRequest>,
  respond: (responses: readonly MaterializeResponse[]) => Promise<void>,
  options: ServeOptions,
): Promise<void> {
  const { logger } = options
  const controller = new AbortController()
  const stop = () => controller.abort()
  options.stop?.addEventListener('abort', stop, { once: true })
  const session = await connector.open(open, controller.signal, logger)
  const { transactor } = session
  try {
    const checkpoint = transactor.runtimeCheckpoint
    await respond([{
      opened: {
        ...(checkpoint ? { runtimeCheckpoint: runtimeCheckpoint.fromProto(checkpoint) } : {}),
        ...(transactor.disableLoadOptimization ? { disableLoadOptimization: true } : {}),
      },
    }])
    logger.info('materialization session opened', { materialization: session.name, bindings: session.bindings, resumed: checkpoint !== undefined })
    const state = JSON.parse(open.stateJson || '{}') as unknown
    await runTransactions(transactor, { requests, respond, bindings: session.bindings, state, logger })
  } finally {
    options.stop?.removeEventListener('abort', stop)
    await transactor.close?.()
  }
}
