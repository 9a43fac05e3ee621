/**
 * The documents every capture-bench connector emits, flowkit's and the plain baselines' alike:
 * ~440-byte order records like bench/streams.ts makes, two bindings, a merge-patch checkpoint
 * after every 1000 documents. No flowkit imports: the baselines are plain Node.
 *
 * `makeDocument(i)` builds a new object per call, as a database driver hands out rows: three
 * allocations (the record, its customer, its tags) from field values drawn once, at load, from
 * a seeded generator. Document i is distinct from every other (its `id`, and its email and
 * timestamp carry i), so no case writes the same document twice. The same i always gives the
 * same document, in every process.
 */

/** Documents per case: BENCH_DOCUMENTS, else 1 M. */
import { mulberry32 } from '../streams.ts'
export function documentCount(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.BENCH_DOCUMENTS ?? 1_000_000)
  if (!Number.isSafeInteger(n) || n < 0 || n % CHECKPOINT_EVERY !== 0) {
    throw new Error(`BENCH_DOCUMENTS must be a non-negative multiple of ${CHECKPOINT_EVERY}, got ${env.BENCH_DOCUMENTS}`)
  }
  return n
}

/** Documents between checkpoints. */
export const CHECKPOINT_EVERY = 1000
/** Events per array a batching source yields (a checkpoint joins every other array). */
export const BATCH = 500
export const BINDINGS = 2

export const bindingOf = (i: number): number => i % BINDINGS

export interface BenchDocument {
  id: number
  uuid: string
  createdAt: string
  customer: { name: string; email: string; city: string; vip: boolean }
  amount: number
  currency: string
  status: string
  tags: string[]
  note: string
}

/** The state update of the checkpoint after `documents` documents (a merge patch). */
export function checkpointState(documents: number): { cursor: number } {
  return { cursor: documents }
}

/** The Captured line flowkit's JSON codec writes for a document's text (binding 0 is omitted). */
export const capturedPrefix = (binding: number): string =>
  binding === 0 ? '{"captured":{"doc":' : `{"captured":{"binding":${binding},"doc":`
export const CAPTURED_SUFFIX = '}}\n'
/** The Checkpoint line flowkit's JSON codec writes for checkpointState(documents). */
export const checkpointLine = (documents: number): string =>
  `{"checkpoint":{"state":{"updated":${JSON.stringify(checkpointState(documents))},"mergePatch":true}}}\n`
export const OPENED_LINE = '{"opened":{}}\n'

// ---- field values ------------------------------------------------------------------------------

const POOL = 4096 // a power of two: slot = i & (POOL - 1)
const WORDS = [
  'alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett',
  'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango',
]
const STATUSES = ['pending', 'paid', 'shipped', 'refunded', 'cancelled']
const DAY_MS = 86_400_000
const EPOCH = Date.UTC(2024, 0, 1)

interface Slot {
  readonly uuid: string
  readonly day: string
  readonly name: string
  readonly user: string
  readonly city: string
  readonly vip: boolean
  readonly amount: number
  readonly status: string
  readonly tag1: string
  readonly tag2: string
  readonly note: string
}

const slots: Slot[] = buildSlots()

function buildSlots(): Slot[] {
  const random = mulberry32(0x5eed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('')
  const out: Slot[] = []
  for (let s = 0; s < POOL; s++) {
    const name = `${pick(WORDS)} ${pick(WORDS)}`
    // The note pads the document to 440 B ±6% (its other fields are ~280 B).
    const noteBytes = Math.max(0, Math.round(440 * (0.94 + random() * 0.12)) - 280)
    let note = ''
    while (note.length < noteBytes) note += (note ? ' ' : '') + pick(WORDS)
    out.push({
      uuid: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
      day: new Date(EPOCH + s * DAY_MS).toISOString().slice(0, 11),
      name,
      user: pick(WORDS),
      city: pick(WORDS),
      vip: random() < 0.1,
      amount: Math.round(random() * 1_000_000) / 100,
      status: pick(STATUSES),
      tag1: pick(WORDS),
      tag2: pick(WORDS),
      note: note.slice(0, noteBytes),
    })
  }
  return out
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n))

/** Document i: a new object each call. */
export function makeDocument(i: number): BenchDocument {
  const s = slots[i & (POOL - 1)] as Slot
  const second = i % 86_400
  return {
    id: i,
    uuid: s.uuid,
    createdAt: `${s.day}${pad2((second / 3600) | 0)}:${pad2(((second / 60) | 0) % 60)}:${pad2(second % 60)}.000Z`,
    customer: { name: s.name, email: `${s.user}.${i}@example.com`, city: s.city, vip: s.vip },
    amount: s.amount,
    currency: 'USD',
    status: s.status,
    tags: [s.tag1, s.tag2],
    note: s.note,
  }
}

