/**
 * `flowkit record`: runs preview sessions of any capture (a flowkit connector, a shim, an image)
 * and writes what they commit as a sample stream: each transaction's documents and sourced
 * schemas, then its checkpoint, holding the connector state the transaction left (a replacing
 * update), so a replay leaves the recorded capture's state. A transaction is written only once
 * it committed, and the file is flushed to disk at the end.
 */
import { open } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { encodeSampleEntry, encodeSampleHeader, SAMPLE_FORMAT, SAMPLE_VERSION } from '../codec/sample-stream.ts'
import { UsageError } from '../errors.ts'
import { connectorLogText } from './source-options.ts'
import { runCaptureSession, type Transaction } from '../runtime/capture-session.ts'
import { loadCapture } from '../runtime/catalog.ts'

export const recordUsage = `usage: flowkit record --source FILE [--capture NAME] [--sessions N] -o OUT

Runs N capture sessions (default 1) of a capture of the catalog FILE, as flowkit preview does,
and writes the transactions they commit to OUT as a sample stream, for flowkit replay and
flowkit bench.`

export interface RecordOptions {
  readonly source: string
  readonly capture?: string | undefined
  readonly sessions: number
  readonly out: string
}

export function parseRecordArgs(args: string[]): RecordOptions {
  const { values } = parseArgs({ args, options: { source: { type: 'string' }, capture: { type: 'string' }, sessions: { type: 'string' }, out: { type: 'string', short: 'o' } }, strict: true })
  if (values.source === undefined) throw new UsageError(`--source is required\n\n${recordUsage}`)
  if (values.out === undefined) throw new UsageError(`-o OUT is required\n\n${recordUsage}`)
  const sessions = values.sessions ?? '1'
  if (!/^\d+$/.test(sessions) || Number(sessions) < 1) throw new UsageError(`--sessions must be a positive integer; got ${JSON.stringify(sessions)}`)
  return { source: values.source, capture: values.capture, sessions: Number(sessions), out: values.out }
}

/** Records the sessions; resolves to the number of documents written. */
export async function record(options: RecordOptions): Promise<{ documents: number; transactions: number }> {
  const task = loadCapture(options.source, options.capture)
  const file = await open(options.out, 'w')
  let documents = 0
  let transactions = 0
  try {
    await file.write(encodeSampleHeader({
      format: SAMPLE_FORMAT,
      version: SAMPLE_VERSION,
      capture: task.name,
      bindings: task.bindings.map((b) => ({ collection: b.collection.name, key: b.collection.key, schema: b.collection.writeSchema })),
      recorded: { at: new Date().toISOString(), sessions: options.sessions },
    }))
    const commit = async (transaction: Transaction) => {
      const entries = [
        ...transaction.sourcedSchemas.map(([binding, schema]) => encodeSampleEntry({ type: 'sourcedSchema', binding, schema: Buffer.from(schema) })),
        ...transaction.documents.map(([binding, doc]) => encodeSampleEntry({ type: 'document', binding, doc: Buffer.from(doc) })),
        encodeSampleEntry({ type: 'checkpoint', state: Buffer.from(JSON.stringify(transaction.state)), mergePatch: false }),
      ]
      await file.write(Buffer.concat(entries))
      documents += transaction.documents.length
      transactions++
      state = transaction.state
    }
    let state: unknown = {}
    for (let session = 0; session < options.sessions; session++) {
      await runCaptureSession(task, { state, onTransaction: commit, onLog: (log) => process.stderr.write(connectorLogText(log)) })
    }
    await file.sync()
  } finally {
    await file.close()
  }
  return { documents, transactions }
}
