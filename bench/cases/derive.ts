/**
 * Reads through a derivation's whole protocol path: bench/connectors/derive-totals.ts (a
 * flowkit/derive handler per document keeping running totals per city) spawned as Flow's
 * runtime would (`node --import tsx`, both codecs), fed a session of transactions as the newest
 * runtime sends them (READS_PER_TRANSACTION Reads with their shuffle keys, then Flush; no
 * StartCommit, the state travelling in Flushed) and timed from its Opened to the end of its
 * output; beside it, in the same rounds, the same handler called in a plain loop over the same
 * document texts (JSON.parse per document, JSON.stringify of what each flush publishes and of its
 * state patch), the connector's ceiling.
 *
 * The documents are the bench documents (bench/connectors/documents.ts, ~440 B), read by one
 * transform shuffled on the source key (`/id`). The Reads are encoded before the timing starts.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { decodeFrames, encodeFrame, type Codec } from '../../lib/codec/frames.ts'
import { deriveRequest, deriveResponse, type DeriveRequest, type DeriveResponse } from '../../lib/protocol/index.ts'
import { readRequest } from '../../lib/runtime/derive-requests.ts'
import type { BenchCase, BenchGroup, Work } from '../harness.ts'
import { makeDocument } from '../connectors/documents.ts'
import { totalsHandler, type Order } from '../connectors/derive-totals-handler.ts'

const READS = 200_000
const READS_PER_TRANSACTION = 1000
const TRANSACTIONS = READS / READS_PER_TRANSACTION
/** Extra node flags for the connector (e.g. `--cpu-prof`), from BENCH_CONNECTOR_NODE_ARGS. */
const nodeArgs = (process.env.BENCH_CONNECTOR_NODE_ARGS ?? '').split(' ').filter(Boolean)
const main = fileURLToPath(new URL('../connectors/derive-totals.ts', import.meta.url))

const orders = { name: 'acmeCo/bench/orders', key: ['/id'], writeSchemaJson: '{"type":"object"}' }
const open: DeriveRequest = {
  open: {
    collection: {
      name: 'acmeCo/bench/totals',
      key: ['/city'],
      writeSchemaJson: '{"type":"object"}',
      derivation: { configJson: '{}', transforms: [{ name: 'fromOrders', collection: orders, lambdaConfigJson: '{}' }] },
    },
    version: 'v1',
    range: { keyEnd: 0xffffffff, rClockEnd: 0xffffffff },
    stateJson: '{}',
  },
}

let texts: string[] | undefined
/** The documents as JSON text, as they arrive from a journal. */
function documentTexts(): string[] {
  texts ??= Array.from({ length: READS }, (_, i) => JSON.stringify(makeDocument(i)))
  return texts
}

/** The runtime's side of the session, encoded once per codec. */
const sessions = new Map<Codec, Buffer>()
function sessionBytes(codec: Codec): Buffer {
  const cached = sessions.get(codec)
  if (cached) return cached
  const frames: Buffer[] = [encodeFrame(codec, deriveRequest, open)]
  const plan = { index: 0, name: 'fromOrders', shuffle: [['id']] }
  const all = documentTexts()
  for (let t = 0; t < TRANSACTIONS; t++) {
    for (let i = t * READS_PER_TRANSACTION; i < (t + 1) * READS_PER_TRANSACTION; i++) {
      const read = readRequest(codec, plan, { id: i }, i)
      frames.push(encodeFrame(codec, deriveRequest, { read: { ...read.read, docJson: all[i] as string } }))
    }
    frames.push(encodeFrame(codec, deriveRequest, { flush: {} }))
  }
  const bytes = Buffer.concat(frames)
  sessions.set(codec, bytes)
  return bytes
}

/** Runs the connector once with the session on stdin; resolves with its responses' counts and the seconds from Opened to the end of its output. */
async function runConnector(codec: Codec, input: Buffer): Promise<{ published: number; flushed: number; seconds: number }> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', main], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, FLOW_RUNTIME_CODEC: codec === 'json' ? 'json' : '', LOG_LEVEL: 'warn' } })
  child.stdin.end(input)
  let opened = 0
  let published = 0
  let flushed = 0
  for await (const batch of decodeFrames(child.stdout, codec, deriveResponse)) {
    if (opened === 0) opened = performance.now()
    for (const response of batch as DeriveResponse[]) {
      if (response.published) published++
      else if (response.flushed) flushed++
    }
  }
  const seconds = (performance.now() - opened) / 1000
  const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)))
  if (code !== 0) throw new Error(`derive-totals exited ${code}`)
  return { published, flushed, seconds }
}

function connectorCase(codec: Codec): BenchCase {
  return {
    name: `derive-totals reads ${codec} ${READS / 1000}k`,
    async run(): Promise<Work> {
      const input = sessionBytes(codec)
      const { published, flushed, seconds } = await runConnector(codec, input)
      if (flushed !== TRANSACTIONS || published < TRANSACTIONS) throw new Error(`derive-totals: ${flushed} Flushed, ${published} Published`)
      return { bytes: input.length, frames: READS, docs: READS, seconds }
    },
  }
}

/** The same handler over the same document texts in a plain loop. */
const plainLoop: BenchCase = {
  name: `plain loop of the same handler ${READS / 1000}k`,
  async run(): Promise<Work> {
    const all = documentTexts()
    const handler = totalsHandler()
    let out = 0
    const started = performance.now()
    for (let t = 0; t < TRANSACTIONS; t++) {
      for (let i = t * READS_PER_TRANSACTION; i < (t + 1) * READS_PER_TRANSACTION; i++) handler.read(JSON.parse(all[i] as string) as Order)
      const { publish, patch } = handler.flush()
      for (const doc of publish) out += JSON.stringify(doc).length
      out += JSON.stringify(patch).length
    }
    const seconds = (performance.now() - started) / 1000
    if (out === 0) throw new Error('plain loop: nothing published')
    return { bytes: 0, frames: READS, docs: READS, seconds }
  },
}

export function groups(): BenchGroup[] {
  const cases = (['json', 'proto'] as const).map(connectorCase)
  return [{ ceiling: plainLoop, cases, maxRuns: 3, warmUp: false, targets: cases.map((c) => ({ case: c.name, atLeast: 0.5 })), teardown: () => ((texts = undefined), sessions.clear()) }]
}
