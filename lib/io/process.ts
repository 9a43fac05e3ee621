/**
 * The connector's process boundary, the same for every protocol: the codec it was started
 * with, stdin and stdout, signals that stop it, its logger, and how it exits.
 */
import type { Writable } from 'node:stream'
import type { Codec } from '../codec/frames.ts'
import { FlowkitError, UsageError } from '../errors.ts'
import { createLogger, type Logger } from './log.ts'
import { SecretTexts } from './redact.ts'

/** What a serve loop gets from the process it runs in. */
export interface ProcessIo {
  /** Request frames (stdin). */
  readonly input: AsyncIterable<Uint8Array>
  /** Response frames (stdout). */
  readonly output: Writable
  readonly codec: Codec
  readonly logger: Logger
  /** Aborted on SIGTERM or SIGINT: a running session stops as if stdin had closed. */
  readonly stop: AbortSignal
  /**
   * Texts `logger` keeps out of every line (the last error's and a crash's included): a serve
   * loop adds the secret values of each config it reads.
   */
  readonly secrets?: SecretTexts
}

/**
 * The codec of a connector process: `--codec json|proto` on the command line, else
 * `FLOW_RUNTIME_CODEC=json` selects JSON lines and anything else protobuf, as Flow decides.
 * Arguments after a `--` are not looked at.
 */
export function chooseCodec(argv: readonly string[], env: NodeJS.ProcessEnv): Codec {
  const end = argv.indexOf('--')
  if (end >= 0) argv = argv.slice(0, end) // what follows `--` is another program's
  const at = argv.findIndex((arg) => arg === '--codec' || arg.startsWith('--codec='))
  if (at >= 0) {
    const value = argv[at]?.includes('=') ? argv[at]?.slice('--codec='.length) : argv[at + 1]
    if (value === 'json' || value === 'proto') return value
    throw new UsageError(`--codec must be json or proto; got ${JSON.stringify(value ?? '')}`)
  }
  return env.FLOW_RUNTIME_CODEC === 'json' ? 'json' : 'proto'
}

/**
 * Runs `serve` as the whole life of this process: on stdin/stdout, logs on stderr, stopping on
 * SIGTERM or SIGINT, and exits 0 when it resolves. When it rejects, the error is the last line
 * logged and the exit status is 1 (Flow shows that line as the task's error). Exits only once
 * everything written to stdout has been handed to the OS.
 */
export async function runProcess(serve: (io: ProcessIo) => Promise<void>): Promise<never> {
  // Once stderr's reader is gone (EPIPE), no log line can be delivered: each is dropped. Without
  // this listener each failed write is an uncaught error, whose report below fails the same way,
  // and so on without end, the process spinning instead of exiting.
  process.stderr.on('error', () => {})
  const secrets = new SecretTexts()
  const logger = secrets.logger(createLogger())
  // A crash (an error thrown outside the serve loop, e.g. in a timer) ends the process the same
  // way, its message scrubbed of secrets, rather than as Node's raw stack trace.
  const crash = (error: unknown) => {
    logError(logger, error)
    process.exitCode = 1
    void flushed(process.stdout).then(() => process.exit(1))
  }
  process.on('uncaughtException', crash)
  process.on('unhandledRejection', crash)
  const stop = new AbortController()
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info('stopping on signal', { signal })
    stop.abort()
  }
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
  let code = 0
  try {
    const codec = chooseCodec(process.argv.slice(2), process.env)
    await serve({ input: process.stdin, output: process.stdout, codec, logger, stop: stop.signal, secrets })
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
