// What every fuzz target checks and how it is run. A target is one module exporting `property`
// (a fast-check property) and `run` (the property run `runs` times, returning what ran). The
// property of every target: an input ends in decoded messages or in a coded flowkit error, never
// in another exception; each case ends within a time bound; and nothing allocates a Buffer
// larger than the frame size limit in force.
import { Buffer } from 'node:buffer'
import { performance } from 'node:perf_hooks'
import fc from 'fast-check'
import { FlowkitError } from '../../lib/errors.ts'

/** Longest a single case may take before it counts as a hang. */
export const CASE_MS = Number(process.env.FUZZ_CASE_MS ?? 2000)

/** Fails unless `error` is a FlowkitError with a code (and, when it wraps a parse failure, that failure is one too). */
export function assertCoded(error: unknown, input: () => string): void {
  if (!(error instanceof FlowkitError) || typeof error.code !== 'string' || (error.code as string) === '') {
    throw new Error(`not a coded flowkit error: ${describe(error)}; input ${input()}`, { cause: error })
  }
  // A decoder wraps whatever its parse function throws in FRAME_INVALID: what was wrapped must be coded too.
  if ((error.code === 'FRAME_INVALID' || error.code === 'FRAME_TRUNCATED') && error.cause !== undefined) {
    assertCoded(error.cause, input)
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : String(error)
}

/** Runs `fn`, failing if it takes longer than CASE_MS. */
export async function timed<T>(fn: () => Promise<T> | T, input: () => string): Promise<T> {
  const started = performance.now()
  const result = await fn()
  const ms = performance.now() - started
  if (ms > CASE_MS) throw new Error(`a case took ${Math.round(ms)} ms (bound ${CASE_MS} ms); input ${input()}`)
  return result
}

let largest = 0
let tracking = 0
const originals = { alloc: Buffer.alloc, allocUnsafe: Buffer.allocUnsafe, allocUnsafeSlow: Buffer.allocUnsafeSlow, concat: Buffer.concat }

/**
 * Runs `fn` while recording the largest Buffer allocated through Buffer.alloc, allocUnsafe,
 * allocUnsafeSlow and concat, and returns that size with `fn`'s result (or rethrows its error).
 */
export async function largestAllocation<T>(fn: () => Promise<T>): Promise<{ bytes: number; result: T }> {
  if (tracking++ === 0) {
    largest = 0
    const note = (size: unknown) => {
      if (typeof size === 'number' && size > largest) largest = size
    }
    Buffer.alloc = ((size: number, ...rest: never[]) => (note(size), originals.alloc(size, ...rest))) as typeof Buffer.alloc
    Buffer.allocUnsafe = ((size: number) => (note(size), originals.allocUnsafe(size))) as typeof Buffer.allocUnsafe
    Buffer.allocUnsafeSlow = ((size: number) => (note(size), originals.allocUnsafeSlow(size))) as typeof Buffer.allocUnsafeSlow
    Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
      note(total ?? list.reduce((sum, item) => sum + item.length, 0))
      return originals.concat(list, total)
    }) as typeof Buffer.concat
  }
  try {
    const result = await fn()
    return { bytes: largest, result }
  } finally {
    if (--tracking === 0) Object.assign(Buffer, originals)
  }
}

/**
 * Chunks of `bytes` as a stream would deliver them: cut at the given offsets (taken modulo the
 * length), or into single bytes when `cuts` is 'bytes' (inputs of up to 1 KiB; larger ones are
 * cut every 1 KiB instead, to bound the cost of a case).
 */
export function chunked(bytes: Uint8Array, cuts: readonly number[] | 'bytes'): Buffer[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf.length === 0) return []
  const at =
    cuts === 'bytes'
      ? Array.from({ length: Math.ceil(buf.length / (buf.length <= 1024 ? 1 : 1024)) }, (_, i) => i * (buf.length <= 1024 ? 1 : 1024))
      : [...new Set([0, ...cuts.map((cut) => cut % buf.length)])].sort((a, b) => a - b)
  return at.map((from, i) => buf.subarray(from, at[i + 1] ?? buf.length))
}

/** How to cut an input into chunks, for `chunked`. */
export const cuts: fc.Arbitrary<number[] | 'bytes'> = fc.oneof(fc.constant<number[]>([]), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), fc.constant('bytes' as const))

/** Byte sequences that are not UTF-8: lone continuation, overlong, surrogate, truncated, out of range. */
export const INVALID_UTF8: readonly (readonly number[])[] = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xff], [0xfe, 0xff], [0xc3]]

export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly byte: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly length: number }

const interestingByte = fc.oneof(fc.nat(255), fc.constantFrom(0x00, 0x0a, 0x0d, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x30, 0x2d, 0x65, 0x80, 0xff))

/** Mutations at positions given as fractions of the input's length (so they apply to any input). */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: interestingByte }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.oneof(fc.array(interestingByte, { minLength: 1, maxLength: 4 }), fc.constantFrom(...INVALID_UTF8)) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }),
)

/** `bytes` with the mutations applied in order. */
export function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = Array.from(bytes)
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1)
    if (m.kind === 'flip') {
      if (at < out.length) out[at] = m.byte
    } else if (m.kind === 'insert') out.splice(at, 0, ...m.bytes)
    else if (m.kind === 'delete') out.splice(at, m.length)
    else if (m.kind === 'truncate') out = out.slice(0, at)
    else out.splice(at, 0, ...out.slice(at, at + m.length))
  }
  return Uint8Array.from(out)
}

/** Nesting depths: mostly shallow, sometimes far deeper than any call stack. */
export const depths: fc.Arbitrary<number> = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 64 }), weight: 4 }, { arbitrary: fc.integer({ min: 1000, max: 100_000 }), weight: 1 })

/** A value nested `depth` deep in arrays or objects, as JSON text. */
export function nested(depth: number, kind: 'array' | 'object', closed: boolean): string {
  const open = kind === 'array' ? '[' : '{"a":'
  const close = kind === 'array' ? ']' : '}'
  return open.repeat(depth) + '1' + (closed ? close.repeat(depth) : '')
}

/** A short printable form of an input, for failure messages. */
export function show(bytes: Uint8Array | string): string {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1')
  return JSON.stringify(text.length > 300 ? text.slice(0, 300) + '…' : text) + ` (${bytes.length} ${typeof bytes === 'string' ? 'characters' : 'bytes'})`
}

export interface RunResult {
  readonly target: string
  readonly cases: number
  readonly ms: number
  readonly failed: boolean
  readonly report: string
}

/** Runs `property` `runs` times (seed from FUZZ_SEED if set) and says how many cases ran, how long it took, and any failure. */
export async function runProperty(target: string, property: fc.IAsyncProperty<never> | fc.IAsyncProperty<any>, runs: number): Promise<RunResult> {
  const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)
  const started = performance.now()
  const details = await fc.check(property, { numRuns: runs, ...(seed === undefined ? {} : { seed }) })
  const ms = performance.now() - started
  const report = details.failed ? fc.defaultReportMessage(details) ?? 'failed' : ''
  return { target, cases: details.numRuns, ms, failed: details.failed, report }
}
