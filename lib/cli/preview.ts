import { open, readFile, rename } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { ConfigError, ConnectorError, messageOf, UsageError } from '../errors.ts'
import { runCaptureSession, type Transaction } from '../runtime/capture-session.ts'
import { loadCapture } from '../runtime/catalog.ts'
import type { ConnectorLog } from '../io/log-reader.ts'
import { connectorLogText, extractInspect, INSPECT_USAGE, SOURCE_OPTIONS, sourceOptionsOf, type SourceOptions } from './source-options.ts'
import { canRedraw, PreviewStatus, type StatusStream } from './status.ts'

export const previewUsage = `usage: flowkit preview --source FILE [--capture NAME] [--sessions N] [--delay DURATION]
                      [--state-file FILE] [--output-state] [--skip-validation] [--log-level LEVEL]
                      [--status-interval DURATION] [--inspect[=[HOST:]PORT]]

Runs capture sessions of a capture of the catalog FILE, one after another, as Flow's runtime
would, each resuming from the state the last one committed. Prints each committed document
as one line of JSON, ["<collection>", <document>], once its checkpoint has committed it.
The connector's logs go to stderr, with the preview's progress: on a terminal, a status line
redrawn in place (unless stdout is a pipe); otherwise a line every --status-interval.

  --source FILE       catalog (flow.yaml or JSON); its imports are followed
  --capture NAME      the capture to run; may be left out when the catalog has one
  --sessions N        how many sessions to run (default 1)
  --delay DURATION    pause between sessions, e.g. 500ms, 30s, 5m (default 0)
  --state-file FILE   the connector state: read at the start if the file exists (else {}),
                      and replaced after every committed transaction, so a preview that is
                      killed resumes from its last commit
  --output-state      also print ["connectorState", <state>] after every transaction
  --skip-validation   do not check documents against their collection's schema and key
                      (by default a document that fails stops the preview, naming the
                      collection, the document's key and the schema error)
  --log-level LEVEL   the connector's LOG_LEVEL: error, warn, info, debug, trace
                      (default: the capture's shards.logLevel, else info)
  --status-interval DURATION
                      how often the progress line is written when it is not redrawn in
                      place (stderr not a terminal, or stdout a pipe); default 10s;
                      0 turns the progress off, on a terminal too
${INSPECT_USAGE}`

export interface PreviewOptions extends SourceOptions {
  readonly sessions: number
  readonly delayMs: number
  readonly stateFile?: string
  readonly outputState: boolean
  /** Check each document against its collection's schema and key (`--skip-validation` turns it off). */
  readonly checkDocuments: boolean
  /** How often the progress line is written when it is not redrawn in place; 0: no progress at all. */
  readonly statusIntervalMs: number
}

export function parsePreviewArgs(args: string[]): PreviewOptions {
  const { args: rest, inspect } = extractInspect(args)
  const { values } = parseArgs({
    args: rest,
    options: {
      ...SOURCE_OPTIONS,
      sessions: { type: 'string' },
      delay: { type: 'string' },
      'state-file': { type: 'string' },
      'output-state': { type: 'boolean' },
      'skip-validation': { type: 'boolean' },
      'status-interval': { type: 'string' },
    },
    strict: true,
  })
  const sessions = values.sessions ?? '1'
  if (!/^\d+$/.test(sessions) || Number(sessions) < 1) throw new UsageError(`--sessions must be a positive integer; got ${JSON.stringify(sessions)}`)
  const stateFile = values['state-file']
  return {
    ...sourceOptionsOf(values, inspect),
    sessions: Number(sessions),
    delayMs: parseDuration(values.delay ?? '0'),
    ...(stateFile === undefined ? {} : { stateFile }),
    outputState: values['output-state'] ?? false,
    checkDocuments: values['skip-validation'] !== true,
    statusIntervalMs: parseDuration(values['status-interval'] ?? '10s', '--status-interval'),
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** A duration such as `500ms`, `30s`, `1.5m`, `2h`, or `0`, in milliseconds. */
export function parseDuration(text: string, option = '--delay'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim())
  if (match) return Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] as number))
  if (/^0+$/.test(text.trim())) return 0
  throw new UsageError(`${option} must be a duration such as 500ms, 30s or 5m; got ${JSON.stringify(text)}`)
}

/** How a preview ended: all its sessions ran, a signal stopped it, or its reader went away. */
export type PreviewEnd = 'done' | 'interrupted' | 'output-closed'

/**
 * Runs the sessions. A document reaches `output` only after the checkpoint that commits it,
 * and the state file is replaced only after that transaction's lines were handed to `output`:
 * a preview killed at any point has printed every document its state file has moved past.
 * SIGINT or SIGTERM, or `output` closing (EPIPE), ends the running session (the connector's
 * stdin is closed) and runs no more; transactions that could not be printed are not persisted.
 */
export async function preview(options: PreviewOptions, output: NodeJS.WritableStream, errors: StatusStream = process.stderr): Promise<PreviewEnd> {
  const task = loadCapture(options.source, options.capture)
  const collections = task.bindings.map((binding) => JSON.stringify(binding.collection.name))
  let state = options.stateFile === undefined ? {} : await readState(options.stateFile)

  let end: PreviewEnd = 'done'
  const stop = new AbortController()
  const onSignal = () => {
    end = 'interrupted'
    stop.abort()
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const onOutputError = () => {} // a failed write also rejects its callback, handled below
  output.on('error', onOutputError)

  // The progress, and the connector's logs written through it so they never break its line.
  const status =
    options.statusIntervalMs > 0
      ? new PreviewStatus(errors, { collections: task.bindings.map((binding) => binding.collection.name), intervalMs: options.statusIntervalMs, inPlace: canRedraw(errors, output) })
      : undefined
  const onLog = (log: ConnectorLog) => (status ?? errors).write(connectorLogText(log))
  // Documents going to the terminal the status line is on take the line off while they are written.
  const sharesTerminal = status?.inPlace === true && (output as { isTTY?: boolean }).isTTY === true
  const print = async (text: string) => {
    if (sharesTerminal) status?.hide()
    try {
      await write(output, text)
    } finally {
      if (sharesTerminal) status?.show()
    }
  }

  const commit = async (transaction: Transaction) => {
    if (end === 'output-closed') return
    let text = ''
    for (const [binding, doc] of transaction.documents) text += `[${collections[binding]},${doc}]\n`
    if (options.outputState) text += `["connectorState",${JSON.stringify(transaction.state)}]\n`
    try {
      if (text !== '') await print(text)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error
      end = 'output-closed'
      stop.abort()
      return
    }
    status?.transaction(transaction.documents)
    if (options.stateFile !== undefined) await writeState(options.stateFile, transaction.state)
    state = transaction.state
  }

  try {
    for (let session = 0; session < options.sessions && !stop.signal.aborted; session++) {
      if (session > 0 && options.delayMs > 0) await sleep(options.delayMs, undefined, { signal: stop.signal }).catch(() => {})
      if (stop.signal.aborted) break
      // The state moves on only in `commit`, with what was printed.
      await runCaptureSession(task, {
        state,
        logLevel: options.logLevel,
        onLog,
        onTransaction: commit,
        signal: stop.signal,
        checkDocuments: options.checkDocuments,
        inspect: options.inspect,
      }).catch((error: unknown) => {
        // Ctrl-C in a terminal signals the connector too: one that dies of it, or fails on
        // it (it may be waiting for a debugger, with no handler yet), only did as told. Its
        // death may be seen before this process's own SIGINT is.
        if (!(error instanceof ConnectorError && (end === 'interrupted' || error.signal === 'SIGINT'))) throw error
        end = 'interrupted'
        stop.abort()
      })
    }
  } finally {
    status?.stop()
    // Interrupted, the handlers stay: the SIGINT of the same Ctrl-C may still be on its way,
    // and without a handler it would kill this process before it reports how it ended.
    if ((end as PreviewEnd) !== 'interrupted') {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
    output.off('error', onOutputError)
  }
  return end
}

/** Resolves once `text` has been handed to the stream's destination. */
function write(output: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => output.write(text, (error) => (error ? reject(error) : resolve())))
}

async function readState(file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new ConfigError(`cannot read state file ${file}: ${messageOf(error)}`, { cause: error })
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ConfigError(`state file ${file} is not JSON: ${messageOf(error)}`, { cause: error })
  }
}

/** Replaces the state file whole: written beside it, flushed to disk, then renamed over it. */
async function writeState(file: string, state: unknown): Promise<void> {
  const temporary = `${file}.tmp`
  const handle = await open(temporary, 'w')
  try {
    await handle.writeFile(JSON.stringify(state) + '\n')
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temporary, file)
}
