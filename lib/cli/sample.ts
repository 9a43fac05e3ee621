/**
 * `flowkit sample`: writes a generated sample stream of a set shape, for benchmarks and tests
 * that need data of a known form without a connector to record: the same seed and size always
 * give the same bytes.
 */
import { open } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { encodeSampleEntry, encodeSampleHeader, SAMPLE_FORMAT, SAMPLE_VERSION, type SampleBinding } from '../codec/sample-stream.ts'
import { UsageError } from '../errors.ts'

export const SHAPES = ['small', 'nested', 'wide', 'mix'] as const
export type Shape = (typeof SHAPES)[number]

export const sampleUsage = `usage: flowkit sample --shape ${SHAPES.join('|')} [--documents N] [--seed N] -o OUT

Writes a generated sample stream (for flowkit replay and flowkit bench): small = flat documents of
~100 bytes; nested = ~4 KiB documents with nested objects and arrays; wide = 200 fields a
document; mix = all three as three bindings, interleaved. A checkpoint every 1000 documents.
--documents defaults to 100000, --seed to 1.`

export interface SampleOptions {
  readonly shape: Shape
  readonly documents: number
  readonly seed: number
  readonly out: string
}

export function parseSampleArgs(args: string[]): SampleOptions {
  const { values } = parseArgs({ args, options: { shape: { type: 'string' }, documents: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string', short: 'o' } }, strict: true })
  const shape = values.shape as Shape | undefined
  if (shape === undefined || !SHAPES.includes(shape)) throw new UsageError(`--shape must be one of ${SHAPES.join(', ')}\n\n${sampleUsage}`)
  if (values.out === undefined) throw new UsageError(`-o OUT is required\n\n${sampleUsage}`)
  const count = (name: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback
    if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a non-negative integer; got ${JSON.stringify(text)}`)
    return Number(text)
  }
  return { shape, documents: count('documents', values.documents, 100_000), seed: count('seed', values.seed, 1), out: values.out }
}

const CHECKPOINT_EVERY = 1000

/** Writes the stream; resolves to its size in bytes. */
export async function writeSample(options: SampleOptions): Promise<number> {
  const random = seeded(options.seed)
  const shapes: readonly Exclude<Shape, 'mix'>[] = options.shape === 'mix' ? ['small', 'nested', 'wide'] : [options.shape]
  const file = await open(options.out, 'w')
  let bytes = 0
  const write = async (buffer: Buffer) => {
    await file.write(buffer)
    bytes += buffer.length
  }
  try {
    await write(encodeSampleHeader({ format: SAMPLE_FORMAT, version: SAMPLE_VERSION, capture: `flowkit/sample/${options.shape}`, bindings: shapes.map(bindingOf), recorded: { generated: options.shape, seed: options.seed } }))
    let pending: Buffer[] = []
    for (let i = 0; i < options.documents; ) {
      const binding = i % shapes.length
      pending.push(encodeSampleEntry({ type: 'document', binding, doc: Buffer.from(JSON.stringify(GENERATORS[shapes[binding] as Exclude<Shape, 'mix'>](i + 1, random))) }))
      i++
      if (i % CHECKPOINT_EVERY !== 0 && i !== options.documents) continue
      pending.push(encodeSampleEntry({ type: 'checkpoint', state: Buffer.from(JSON.stringify({ generated: i })), mergePatch: true }))
      await write(Buffer.concat(pending))
      pending = []
    }
    await file.sync()
  } finally {
    await file.close()
  }
  return bytes
}

function bindingOf(shape: Exclude<Shape, 'mix'>): SampleBinding {
  return { collection: `flowkit/sample/${shape}`, key: ['/id'], schema: SCHEMAS[shape] }
}

type Random = () => number

/** A small deterministic generator (mulberry32): the same seed, the same sequence. */
function seeded(seed: number): Random {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa']
const word = (random: Random) => WORDS[Math.floor(random() * WORDS.length)] as string
const words = (random: Random, n: number) => Array.from({ length: n }, () => word(random)).join(' ')

const GENERATORS: Readonly<Record<Exclude<Shape, 'mix'>, (id: number, random: Random) => object>> = {
  small: (id, random) => ({ id, name: `${word(random)}-${id}`, active: random() < 0.5, score: Math.round(random() * 1e6) / 100, ts: new Date(1_767_225_600_000 + id * 1000).toISOString() }),
  nested: (id, random) => ({
    id,
    account: { name: words(random, 3), tier: word(random), address: { street: `${id} ${word(random)} street`, city: word(random), zip: String(10000 + (id % 90000)) } },
    lines: Array.from({ length: 30 }, (_, n) => ({ sku: `${word(random)}-${n}`, quantity: 1 + Math.floor(random() * 9), price: Math.round(random() * 1e5) / 100, note: words(random, 12) })),
    tags: Array.from({ length: 8 }, () => word(random)),
  }),
  wide: (id, random) => {
    const doc: Record<string, unknown> = { id }
    for (let f = 1; f < 200; f++) doc[`field_${String(f).padStart(3, '0')}`] = f % 3 === 0 ? word(random) : f % 3 === 1 ? Math.floor(random() * 1e6) : random() < 0.5
    return doc
  },
}

const SCHEMAS: Readonly<Record<Exclude<Shape, 'mix'>, object>> = {
  small: { type: 'object', required: ['id'], properties: { id: { type: 'integer' }, name: { type: 'string' }, active: { type: 'boolean' }, score: { type: 'number' }, ts: { type: 'string', format: 'date-time' } } },
  nested: { type: 'object', required: ['id'], properties: { id: { type: 'integer' }, account: { type: 'object' }, lines: { type: 'array', items: { type: 'object' } }, tags: { type: 'array', items: { type: 'string' } } } },
  wide: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } }, additionalProperties: { type: ['string', 'integer', 'boolean'] } },
}
