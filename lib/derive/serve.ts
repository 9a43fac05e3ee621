import { ChunkWriter } from '../codec/chunk-writer.ts'
import { encodeFrame, readFrames, type Codec, type MessageReader } from '../codec/frames.ts'
import { ProtocolError } from '../errors.ts'
import type { ProcessIo } from '../io/process.ts'
import { sink } from '../io/sink.ts'
import { deriveRequest, deriveResponse, type DeriveOpen, type DeriveRequest, type DeriveResponse } from '../protocol/index.ts'
import type { DeriveConnector } from './connector.ts'
import { requestKind, requestName, runTransactions } from './transactions.ts'

/** Where `serveDerive` reads requests and writes responses and logs, as `runDerive` gives them from the process. */
export interface ServeOptions extends Omit<ProcessIo, 'stop'> {
  /** Aborting it aborts the session's signal (SIGTERM); the session still ends with stdin. */
  readonly stop?: AbortSignal
}

/**
 * Serves Flow's derive protocol until stdin ends: answers each Spec and Validate with one
 * response of the matching kind, and runs a session on Open: Opened, then transactions until
 * stdin ends between two of them. Rejects on any error (the caller logs it last and exits
 * non-zero).
 */
export async function serveDerive(connector: DeriveConnector, options: ServeOptions): Promise<void> {
  const { codec, logger } = options
  const requests = readFrames(options.input, codec, deriveRequest)
  const write = sink(options.output)
  const respond = (responses: readonly DeriveResponse[]) => write(responses.map((response) => encodeFrame(codec, deriveResponse, response)))
  for (;;) {
    const request = await requests.next()
    if (request === undefined) return
    const kind = requestKind(request)
    logger.debug('request', { kind })
    const configJson = request.validate?.configJson ?? request.open?.collection?.derivation?.configJson
    if (configJson && connector.secrets) options.secrets?.add(connector.secrets(configJson))
    if (kind === 'spec') await respond([await connector.spec(logger)])
    else if (kind === 'validate') await respond([await connector.validate(request.validate!, logger)])
    else if (kind === 'open') return serveSession(connector, request.open!, requests, { respond, publish: publisher(codec, write) }, options)
    else throw new ProtocolError('PROTOCOL_ORDER', `expected Spec, Validate or Open, got ${requestName(request)}`)
  }
}

interface Writers {
  readonly respond: (responses: readonly DeriveResponse[]) => Promise<void>
  readonly publish: (documents: readonly string[]) => Promise<void>
}

async function serveSession(connector: DeriveConnector, open: DeriveOpen, requests: MessageReader<DeriveRequest>, writers: Writers, options: ServeOptions): Promise<void> {
  const { logger } = options
  const controller = new AbortController()
  const stop = () => controller.abort()
  options.stop?.addEventListener('abort', stop, { once: true })
  try {
    const session = await connector.open(open, controller.signal, logger)
    await writers.respond([{ opened: {} }])
    logger.info('derivation session opened', { derivation: session.name, transforms: session.transforms.map((t) => t.name) })
    await runTransactions(session, { requests, ...writers, logger })
  } finally {
    options.stop?.removeEventListener('abort', stop)
  }
}

/** Writes documents (JSON text) as Published frames, a batch in as few chunks as fit. */
function publisher(codec: Codec, write: (chunks: readonly Uint8Array[]) => Promise<void>) {
  return (documents: readonly string[]): Promise<void> => {
    const writer = new ChunkWriter()
    // The JSON form is the message with its raw `doc` embedded as it is (test: same as the general encoder).
    if (codec === 'json') for (const doc of documents) writer.writeLine(`{"published":{"doc":${doc}}}`)
    else for (const doc of documents) writer.writeFrame(deriveResponse.toProto({ published: { docJson: doc } }))
    return write(writer.take())
  }
}
