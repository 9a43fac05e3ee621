import { FlowkitError, UsageError } from '../errors.ts'
import { createLogger, type Logger } from '../io/log.ts'
import type { CaptureConnector } from './connector.ts'
import type { Codec } from './encoder.ts'
import { serveCapture } from './serve.ts'

/**
 * The codec of a connector process: `--codec json|proto` on the command line, else
 * `FLOW_RUNTIME_CODEC=json` selects JSON lines and anything else protobuf, as Flow decides.
 */
export function chooseCodec(argv: readonly string[], env: NodeJS.ProcessEnv): Codec {
  const at = argv.findIndex((arg) => arg === '--codec' || arg.startsWith('--codec='))
  if (at >= 0) {
    const value = argv[at]?.includes('=') ? argv[at]?.slice('--codec='.length) : argv[at + 1]
    if (value === 'json' || value === 'proto') return value
    throw new UsageError(`--codec must be json or proto; got ${JSON.stringify(value ?? '')}`)
  }
  return env.FLOW_RUNTIME_CODEC === 'json' ? 'json' : 'proto'
}

/**
 * Runs a capture connector as a process: serves the protocol on stdin/stdout, logs on stderr,
 * stops a session on SIGTERM or SIGINT, and exits 0 when all went well. On error, the error is
 * the last line logged and the exit status is 1 (Flow shows that line as the task's error).
 */
export async function runCapture(connector: CaptureConnector): Promise<never> {
  const logger = createLogger()
  const stop = new AbortController()
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info('stopping on signal', { signal })
    stop.abort()
  }
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
  let code = 0
  try {
    await serveCapture(connector, {
      input: process.stdin,
      output: process.stdout,
      codec: chooseCodec(process.argv.slice(2), process.env),
      logger,
      stop: stop.signal,
    })
  } catch (error) {
    logError(logger, error)
    code = 1
  }
  await flushed(process.stdout)
  process.exit(code)
}

function logError(logger: Logger, error: unknown): void {
  if (error instanceof FlowkitError) {
    if (error.stack) logger.debug('error stack', { stack: error.stack })
    logger.error(error.message, { code: error.code })
  } else if (error instanceof Error) {
    logger.error(error.message, { name: error.name, stack: error.stack })
  } else logger.error(String(error))
}

/**
 * Resolves once every byte written to `stream` before it has been handed to the OS (or the
 * stream failed). An empty write's callback runs after the writes queued before it; 'drain'
 * would not do, as it follows only a write() that returned false.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve()
  return new Promise((resolve) => {
    stream.once('close', resolve)
    stream.write('', () => resolve())
  })
}
