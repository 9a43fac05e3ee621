import { parseArgs } from 'node:util'
import { UsageError } from '../errors.ts'
import type { StartOptions } from '../runtime/endpoint.ts'
import { loadMaterialization } from '../runtime/materialize-catalog.ts'
import { applyMaterialization } from '../runtime/materialize-rpc.ts'
import { runMaterializeSession, type TransactionSummary } from '../runtime/materialize-session.ts'
import { INITIAL_STATE, readDriverState, writeDriverState } from '../runtime/materialize-state.ts'
import { connectorLogText, extractInspect, inputLines, INSPECT_USAGE, SOURCE_OPTIONS, sourceOptionsOf, withCodec, type SourceOptions } from './source-options.ts'

export const materializePreviewUsage = `usage: flowkit preview --source FILE --materialization NAME --input FILE|- [--transaction-docs N]
                      [--state-file FILE] [--codec json|proto] [--log-level LEVEL]
                      [--inspect[=[HOST:]PORT]]

Runs a materialization of the catalog FILE over documents, as Flow's runtime would: Validate,
the field selection, Apply, then one session whose transactions combine the documents of each
key with the collection's reduce annotations, Load what may be stored, reduce it, and Store.
The input is JSON lines ["<collection>", <document>], what 'flowkit preview' prints for a
capture, so one preview can be piped into the other. Lines of collections no binding reads are
skipped and counted; a document that does not match its collection's read schema, or lacks a
key, stops the run at its line (what was committed before it stays). A transaction closes at
--transaction-docs documents, or sooner when the input pauses for 250 ms. A line per
transaction, and the connector's logs, go to stderr.

  --source FILE       catalog (flow.yaml or JSON); its imports are followed
  --materialization NAME
                      the materialization to run; may be left out when the catalog has one
  --input FILE|-      the documents; - reads stdin
  --transaction-docs N
                      documents per transaction (default 1000)
  --state-file FILE   how far the input was committed, the connector state, and the greatest
                      key stored per binding: read at the start if the file exists, replaced
                      after every committed transaction. A rerun over the same input skips the
                      lines already committed (an endpoint that holds the runtime checkpoint
                      itself decides how many)
  --codec json|proto  the codec of a local connector, overriding the endpoint's protobuf flag
  --log-level LEVEL   the connector's LOG_LEVEL: error, warn, info, debug, trace
${INSPECT_USAGE}`

export interface MaterializePreviewOptions extends SourceOptions {
  readonly input: string
  readonly transactionDocs: number
  readonly stateFile?: string
  readonly codec?: 'json' | 'proto'
}

/** True when the preview's arguments name a materialization. */
export function isMaterializePreview(args: readonly string[]): boolean {
  return args.some((arg) => arg === '--materialization' || arg.startsWith('--materialization='))
}

export function parseMaterializePreviewArgs(args: string[]): MaterializePreviewOptions {
  const { args: rest, inspect } = extractInspect(args)
  const { values } = parseArgs({
    args: rest,
    options: { ...SOURCE_OPTIONS, input: { type: 'string' }, 'transaction-docs': { type: 'string' }, 'state-file': { type: 'string' }, codec: { type: 'string' } },
    strict: true,
  })
  if (values.input === undefined) throw new UsageError('--input is required: a file of JSON lines ["<collection>", <document>], or - for stdin')
  const docs = values['transaction-docs'] ?? '1000'
  if (!/^\d+$/.test(docs) || Number(docs) < 1) throw new UsageError(`--transaction-docs must be a positive integer; got ${JSON.stringify(docs)}`)
  const codec = values.codec
  if (codec !== undefined && codec !== 'json' && codec !== 'proto') throw new UsageError(`--codec must be json or proto; got ${JSON.stringify(codec)}`)
  const stateFile = values['state-file']
  return {
    ...sourceOptionsOf(values, inspect),
    input: values.input,
    transactionDocs: Number(docs),
    ...(stateFile === undefined ? {} : { stateFile }),
    ...(codec === undefined ? {} : { codec }),
  }
}

/**
 * Validates, applies and runs one session over the input. The state file is replaced after
 * each transaction's StartedCommit, before its Acknowledge, and once more at the end with the
 * last Acknowledged's state. SIGINT or SIGTERM ends the session after the running transaction.
 */
export async function materializePreview(options: MaterializePreviewOptions, errors: NodeJS.WritableStream = process.stderr): Promise<'done' | 'interrupted'> {
  const task = withCodec(loadMaterialization(options.source, options.materialization), options.codec)
  const say = (text: string) => void errors.write(`flowkit preview: ${text}\n`)
  const start: StartOptions = { logLevel: options.logLevel, onLog: (log) => void errors.write(connectorLogText(log)), inspect: options.inspect }
  const initial = options.stateFile === undefined ? INITIAL_STATE : await readDriverState(options.stateFile)
  const { materialization, description, state } = await applyMaterialization(task, initial, start)
  say(`applied ${task.name}: ${description || 'nothing to change'}`)

  const stop = new AbortController()
  const onSignal = () => stop.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const lines = inputLines(options.input)
  try {
    const result = await runMaterializeSession(task, materialization, lines, {
      ...start,
      state,
      transactionDocs: options.transactionDocs,
      signal: stop.signal,
      onNote: say,
      onCommit: async (committed, summary) => {
        say(summaryText(summary))
        if (options.stateFile !== undefined) await writeDriverState(options.stateFile, committed)
      },
    })
    if (options.stateFile !== undefined) await writeDriverState(options.stateFile, result.state)
    say(`${result.docs} documents in ${result.transactions} transactions; ${result.skipped} skipped (of collections no binding reads); input committed through line ${result.state.readThrough}`)
  } finally {
    await lines.return(undefined)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  return stop.signal.aborted ? 'interrupted' : 'done'
}


function summaryText(s: TransactionSummary): string {
  return `transaction ${s.transaction}: ${s.docs} documents in (${s.skipped} skipped), ${s.keys} keys, ${s.loads} loaded, ${s.found} found, ${s.stored} stored, ${s.deleted} deleted; input through line ${s.readThrough}`
}

