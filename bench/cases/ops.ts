/**
 * Pipeline operators: events per second through toBatches → coalesceCheckpoints → ackWindow,
 * against a plain loop over the same batches.
 *
 * The stream: 1 M document events of ~440 B of JSON text (strings, as a shim or a recorded
 * stream gives them), in arrays of 500, with a merge-patch checkpoint after every 1000
 * documents (so every other array ends with one). The ack window's ledger is always below its
 * bound, so it never waits: what is measured is the operators' own cost.
 *
 * Ceiling: the same arrays pulled through an async generator by the same consumer loop, which
 * touches every event (counts documents and sums their text lengths). The cases put operators
 * between the two. The second group has the source yield one event at a time, as an author's
 * `open()` may, and lets toBatches gather them; its ceiling is the same loop over the single
 * events, one async iteration each.
 */
import { ackWindow, coalesceCheckpoints, toBatches, type AckLedger } from '../../lib/ops/index.ts'
import { checkpoint, document, type CaptureEvent, type EventBatch } from '../../lib/ops/events.ts'
import { lazy, type BenchCase, type BenchGroup, type Work } from '../harness.ts'
import { fromArray, sampleStream } from '../streams.ts'

const DOCUMENTS = 1_000_000
const BATCH = 500
const CHECKPOINT_EVERY = 1000

interface OpsStream {
  readonly batches: readonly EventBatch[]
  readonly events: readonly CaptureEvent[]
  readonly docBytes: number
}

/** ~440 B documents: a pool of distinct texts from the sample stream generator, reused in turn. */
function docPool(): string[] {
  const stream = sampleStream('ops 440B', { docBytes: 440, totalBytes: 4 << 20, checkpointEvery: 1_000_000 })
  const pool: string[] = []
  for (const batch of stream.batches) {
    for (const line of batch.json) {
      const start = line.indexOf('"doc":')
      if (start >= 0) pool.push(line.slice(start + 6, -2))
    }
  }
  return pool
}

const stream = lazy((): OpsStream => {
  const pool = docPool()
  const batches: EventBatch[] = []
  const events: CaptureEvent[] = []
  let docBytes = 0
  let batch: CaptureEvent[] = []
  for (let i = 0; i < DOCUMENTS; i++) {
    const text = pool[i % pool.length] as string
    docBytes += text.length
    const event = document(i % 4, text)
    batch.push(event)
    events.push(event)
    if ((i + 1) % CHECKPOINT_EVERY === 0) {
      const cp = checkpoint({ cursor: { documents: i + 1, at: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString() } })
      batch.push(cp)
      events.push(cp)
    }
    if (batch.length >= BATCH) {
      batches.push(batch)
      batch = []
    }
  }
  if (batch.length > 0) batches.push(batch)
  return { batches, events, docBytes }
})

/** The consumer every case shares: touches every event, as an encoder would read it. */
async function consume(source: AsyncIterable<EventBatch>, name: string): Promise<Work> {
  let docs = 0
  let bytes = 0
  for await (const batch of source) {
    for (let i = 0; i < batch.length; i++) {
      const event = batch[i] as CaptureEvent
      if (event.type === 'document') {
        docs++
        bytes += (event.doc as string).length
      }
    }
  }
  if (docs !== DOCUMENTS || bytes !== stream().docBytes) throw new Error(`${name}: saw ${docs} documents, ${bytes} bytes`)
  return { bytes, frames: docs }
}

/** Never full: the window never waits. */
const openLedger: AckLedger = { inFlight: 0, below: () => Promise.resolve() }

/** Transactions up to 8 MiB or a second, as a connector might configure them. */
const coalesce = () => coalesceCheckpoints({ maxDocs: Infinity, maxBytes: 8 << 20, maxMs: 1000 })
const window = () => ackWindow({ maxInFlight: 8, ledger: openLedger })

function opsCase(name: string, pipeline: () => AsyncIterable<EventBatch>): BenchCase {
  return { name, run: () => consume(pipeline(), name) }
}

/** The plain loop for a source of single events: one async iteration per event, counted the same way. */
async function consumeSingles(source: AsyncIterable<CaptureEvent>, name: string): Promise<Work> {
  let docs = 0
  let bytes = 0
  for await (const event of source) {
    if (event.type === 'document') {
      docs++
      bytes += (event.doc as string).length
    }
  }
  if (docs !== DOCUMENTS || bytes !== stream().docBytes) throw new Error(`${name}: saw ${docs} documents, ${bytes} bytes`)
  return { bytes, frames: docs }
}

export function groups(): BenchGroup[] {
  const batches = () => fromArray(stream().batches)
  const singles = () => fromArray(stream().events)
  const singlesCeiling = 'ceiling plain loop over 1M single events 440B'
  return [
    {
      ceiling: opsCase('ceiling plain loop over 1M docs 440B /500', batches),
      cases: [
        opsCase('ops toBatches 440B /500', () => toBatches()(batches())),
        opsCase('ops coalesceCheckpoints 440B /500', () => coalesce()(batches())),
        opsCase('ops ackWindow 440B /500', () => window()(batches())),
        opsCase('ops toBatches→coalesce→ackWindow 440B /500', () => window()(coalesce()(toBatches()(batches())))),
      ],
    },
    {
      ceiling: { name: singlesCeiling, run: () => consumeSingles(singles(), singlesCeiling) },
      cases: [opsCase('ops toBatches→coalesce→ackWindow 440B singles', () => window()(coalesce()(toBatches()(singles()))))],
      teardown: stream.reset,
    },
  ]
}
