import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { DocumentError, messageOf, UsageError } from '../errors.ts'
import { loadDerivation } from '../runtime/derive-catalog.ts'
import { parseFixture, type DeriveInput } from '../runtime/derive-input.ts'
import { prepareDerivation, projectRootOf } from '../runtime/derive-rpc.ts'
import { runDeriveSession, type DeriveTransactionSummary } from '../runtime/derive-session.ts'
import { emitPending, handOn, INITIAL_DERIVE_STATE, readDeriveState } from '../runtime/derive-state.ts'
import type { StartOptions } from '../runtime/endpoint.ts'
import { connectorLogText, extractInspect, inputLines, INSPECT_USAGE, SOURCE_OPTIONS, sourceOptionsOf, withCodec, type SourceOptions } from './source-options.ts'

export const derivePreviewUsage = `usage: flowkit preview --source FILE --derivation NAME (--input FILE|- | --fixture FILE)
                      [--transaction-docs N] [--state-file FILE] [--codec json|proto]
                      [--skip-validation] [--log-level LEVEL] [--inspect[=[HOST:]PORT]]

Runs a derivation of the catalog FILE over documents of its source collections, as Flow's
runtime would: Validate, then one session whose transactions send each document to every
transform reading its collection (with the transform's shuffle key), flush, and commit the
derivation's state (Flushed.state) with the input position. Once a transaction commits, the
documents it published, combined per key with the derived collection's reduce annotations,
are printed as JSON lines ["<derived collection>", <document>]. A line per transaction, and
the connector's logs, go to stderr.

  --source FILE       catalog (flow.yaml or JSON); its imports are followed
  --derivation NAME   the derived collection to run; may be left out when the catalog has one
  --input FILE|-      JSON lines ["<collection>", <document>], what 'flowkit preview' prints
                      for a capture; - reads stdin. Lines of collections no transform reads
                      are skipped and counted
  --fixture FILE      instead of --input: flowctl's fixture shape, a JSON array of
                      transactions, each an array of ["<collection>", <document>]
  --transaction-docs N
                      documents per transaction with --input (default 1000)
  --state-file FILE   the input committed, the derivation's state, and the documents of the
                      last commit until they are printed: read at the start if the file exists,
                      replaced at every commit. A rerun over the same input skips what was
                      committed (lines, or fixture transactions), so a run stopped at any point
                      and run again ends with the same documents (the last commit's may be
                      printed twice, never lost)
  --codec json|proto  the codec of a local connector, overriding the endpoint's protobuf flag
  --skip-validation   do not check published documents against the derived collection
  --log-level LEVEL   the connector's LOG_LEVEL: error, warn, info, debug, trace
${INSPECT_USAGE}`

export interface DerivePreviewOptions extends SourceOptions {
  /** `{input}` lines, or a `{fixture}` file. */
  readonly from: { readonly input: string } | { readonly fixture: string }
  readonly transactionDocs: number
  readonly stateFile?: string
  readonly codec?: 'json' | 'proto'
  readonly checkDocuments: boolean
}

/** True when the preview's arguments name a derivation. */
export function isDerivePreview(args: readonly string[]): boolean {
  return args.some((arg) => arg === '--derivation' || arg.startsWith('--derivation='))
}

export function parseDerivePreviewArgs(args: string[]): DerivePreviewOptions {
  const { args: rest, inspect } = extractInspect(args)
  const { values } = parseArgs({
    args: rest,
    options: { ...SOURCE_OPTIONS, input: { type: 'string' }, fixture: { type: 'string' }, 'transaction-docs': { type: 'string' }, 'state-file': { type: 'string' }, codec: { type: 'string' }, 'skip-validation': { type: 'boolean' } },
    strict: true,
  })
  if ((values.input === undefined) === (values.fixture === undefined)) throw new UsageError('give one of --input (JSON lines ["<collection>", <document>], or - for stdin) and --fixture (a JSON array of transactions)')
  const docs = values['transaction-docs'] ?? '1000'
  if (!/^\d+$/.test(docs) || Number(docs) < 1) throw new UsageError(`--transaction-docs must be a positive integer; got ${JSON.stringify(docs)}`)
  const codec = values.codec
  if (codec !== undefined && codec !== 'json' && codec !== 'proto') throw new UsageError(`--codec must be json or proto; got ${JSON.stringify(codec)}`)
  const stateFile = values['state-file']
  return {
    ...sourceOptionsOf(values, inspect),
    from: values.input !== undefined ? { input: values.input } : { fixture: values.fixture as string },
    transactionDocs: Number(docs),
    ...(stateFile === undefined ? {} : { stateFile }),
    ...(codec === undefined ? {} : { codec }),
    checkDocuments: values['skip-validation'] !== true,
  }
}

/**
 * Validates and runs one session over the input. Each commit is handed on as derive-state.ts's
 * `handOn` says: the state file first, then the documents to `output`, then the state file
 * without them. SIGINT or SIGTERM ends the session after the running transaction.
 */
export async function derivePreview(options: DerivePreviewOptions, output: NodeJS.WritableStream = process.stdout, errors: NodeJS.WritableStream = process.stderr): Promise<'done' | 'interrupted'> {
  const task = withCodec(loadDerivation(options.source, options.derivation), options.codec)
  const say = (text: string) => void errors.write(`flowkit preview: ${text}\n`)
  const start: StartOptions = { logLevel: options.logLevel, onLog: (log) => void errors.write(connectorLogText(log)), inspect: options.inspect }
  const prefix = `[${JSON.stringify(task.name)},`
  const print = (documents: readonly unknown[]) => write(output, documents.map((doc) => `${prefix}${JSON.stringify(doc)}]\n`).join(''))

  let state = options.stateFile === undefined ? INITIAL_DERIVE_STATE : await readDeriveState(options.stateFile)
  if (state.pending.length > 0) say(`printing the ${state.pending.length} documents of the last commit, which the run that made it may not have printed`)
  state = await emitPending(state, options.stateFile, print)
  const collection = await prepareDerivation(task, projectRootOf(options.source), start)

  const stop = new AbortController()
  const onSignal = () => stop.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const input = await inputOf(options.from)
  try {
    const result = await runDeriveSession(task, collection, input, {
      ...start,
      state,
      transactionDocs: options.transactionDocs,
      checkDocuments: options.checkDocuments,
      signal: stop.signal,
      onNote: say,
      onCommit: async (committed, summary) => {
        await handOn(committed, options.stateFile, print)
        say(summaryText(summary))
      },
    })
    say(`${result.docs} documents in ${result.transactions} transactions; ${result.skipped} skipped (of collections no transform reads); input committed through ${result.state.readThrough}`)
  } finally {
    if ('lines' in input) await (input.lines as AsyncGenerator<string>).return(undefined)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  return stop.signal.aborted ? 'interrupted' : 'done'
}

async function inputOf(from: DerivePreviewOptions['from']): Promise<DeriveInput> {
  if ('input' in from) return { lines: inputLines(from.input) }
  let value: unknown
  try {
    value = JSON.parse(await readFile(from.fixture, 'utf8'))
  } catch (error) {
    throw new DocumentError(`cannot read fixture ${from.fixture}: ${messageOf(error)}`, { cause: error })
  }
  return { fixture: parseFixture(value, from.fixture) }
}


function summaryText(s: DeriveTransactionSummary): string {
  return `transaction ${s.transaction}: ${s.docs} documents in (${s.skipped} skipped), ${s.reads} reads, ${s.published} published, ${s.combined} combined, ${s.rounds} flush rounds; input through ${s.readThrough}`
}

/** Resolves once `text` has been handed to the stream's destination. */
function write(output: NodeJS.WritableStream, text: string): Promise<void> {
  if (text === '') return Promise.resolve()
  return new Promise((resolve, reject) => output.write(text, (error) => (error ? reject(error) : resolve())))
}

