/**
 * Framing throughput: ndjson and length-prefixed, decode and encode, for ~440 B and ~64 KiB
 * documents, with input chunks of odd sizes so frames straddle chunk boundaries everywhere.
 *
 * Ceiling of each group: the same chunks pulled through an async generator and copied out
 * (into the ring that every case's output goes to), with no framing. A decode case's `parse`
 * and an encode case's `serialize` come from a set of message hooks: the trivial set measures
 * framing alone (a line or a frame view, as is); the `+message` set decodes into and encodes
 * from full capture Responses with lib/protocol, when that module loads.
 */
import { Buffer } from 'node:buffer'
import { decodeLengthPrefixed, decodeNdjson, encodeLengthPrefixed, encodeNdjson } from '../../lib/codec/index.ts'
import { lazy, type BenchCase, type BenchGroup, type Lazy, type Work } from '../harness.ts'
import { chunked, fromArray, sampleStream, type SampleStream } from '../streams.ts'

/** How frames become messages (decode cases) and messages become frames (encode cases). */
interface MessageHooks<M> {
  /** Appended to case names: '' for the trivial hooks. */
  readonly label: string
  readonly fromJson: (line: string) => M
  readonly fromProto: (frame: Uint8Array) => M
  readonly toJson: (message: M) => string
  readonly toProto: (message: M) => Uint8Array
}

/** Framing alone: frames stay as they are (a line's string, a view of the frame's bytes). */
const trivial: MessageHooks<string | Uint8Array> = {
  label: '',
  fromJson: (line) => line,
  fromProto: (frame) => frame,
  toJson: (message) => message as string,
  toProto: (message) => message as Uint8Array,
}

/** Full capture Responses, when lib/protocol is there to decode them. */
async function messageHooks(): Promise<MessageHooks<object> | undefined> {
  try {
    const protocol = await import('../../lib/protocol/index.ts')
    return { label: '+message', ...protocol.messageCodec('capture', 'response') }
  } catch (error) {
    process.stderr.write(`bench: lib/protocol did not load, skipping +message cases: ${String(error)}\n`)
    return undefined
  }
}

const MiB = 1 << 20

const streams = {
  '440B': lazy(() => sampleStream('440B', { docBytes: 440, totalBytes: 24 * MiB, checkpointEvery: 250 })),
  '440B utf8': lazy(() =>
    sampleStream('440B utf8', { docBytes: 440, totalBytes: 24 * MiB, checkpointEvery: 250, nonAscii: true }),
  ),
  '64KiB': lazy(() => sampleStream('64KiB', { docBytes: 64 * 1024, totalBytes: 48 * MiB, checkpointEvery: 16 })),
}
type StreamName = keyof typeof streams

/** Full-message decoding is ~10× slower than framing: it gets a smaller stream. */
const messageStreams = {
  '440B': lazy(() => sampleStream('440B', { docBytes: 440, totalBytes: 6 * MiB, checkpointEvery: 250 })),
  '64KiB': lazy(() => sampleStream('64KiB', { docBytes: 64 * 1024, totalBytes: 12 * MiB, checkpointEvery: 16 })),
}

type Codec = 'ndjson' | 'length-prefixed'
const bytesOf = (stream: SampleStream, codec: Codec) => (codec === 'ndjson' ? stream.ndjson : stream.lengthPrefixed)

/**
 * Where every case's output bytes go: copied into a 4 MiB ring, as a pipe's buffer would take
 * them. Ceilings and encode cases use the same sink, so their ratio is the encoder's cost.
 */
class CopySink {
  readonly #ring = Buffer.allocUnsafe(4 * MiB)
  #pos = 0

  write(chunk: Uint8Array): void {
    if (this.#pos + chunk.length > this.#ring.length) this.#pos = 0
    this.#ring.set(chunk.length <= this.#ring.length ? chunk : chunk.subarray(0, this.#ring.length), this.#pos)
    this.#pos += chunk.length
  }
}

const sink = lazy(() => new CopySink())

/** The same bytes in the same chunks, copied out: the most a decoder or encoder could do. */
function copyCase(name: string, chunks: () => readonly Buffer[], frames: () => number): BenchCase {
  return {
    name,
    async run(): Promise<Work> {
      const into = sink()
      let bytes = 0
      for await (const chunk of fromArray(chunks())) {
        into.write(chunk)
        bytes += chunk.length
      }
      return { bytes, frames: frames() }
    },
  }
}

function decodeCase<M>(
  name: string,
  codec: Codec,
  stream: () => SampleStream,
  chunks: () => readonly Buffer[],
  hooks: MessageHooks<M>,
) {
  return {
    name,
    async run(): Promise<Work> {
      const source = fromArray(chunks())
      const decoded =
        codec === 'ndjson'
          ? decodeNdjson(source, { parse: hooks.fromJson })
          : decodeLengthPrefixed(source, { parse: hooks.fromProto })
      let frames = 0
      for await (const batch of decoded) frames += batch.length
      if (frames !== stream().frames) throw new Error(`${name}: decoded ${frames} of ${stream().frames} frames`)
      return { bytes: bytesOf(stream(), codec).length, frames }
    },
  } satisfies BenchCase
}

/**
 * Encodes one batch per checkpoint and copies the chunks out, as a sink would take them.
 * The first (warm-up) run checks the output against the sample stream's bytes and warns if
 * they differ: the messages should encode back to exactly the bytes they came from.
 */
function encodeCase<M>(
  name: string,
  codec: Codec,
  stream: () => SampleStream,
  messages: () => readonly M[][],
  hooks: MessageHooks<M>,
) {
  let checked = false
  return {
    name,
    async run(): Promise<Work> {
      const source = fromArray(messages())
      const encoded =
        codec === 'ndjson' ? encodeNdjson(hooks.toJson)(source) : encodeLengthPrefixed(hooks.toProto)(source)
      const into = sink()
      const kept: Buffer[] | undefined = checked ? undefined : []
      let bytes = 0
      for await (const chunk of encoded) {
        into.write(chunk)
        kept?.push(chunk)
        bytes += chunk.length
      }
      if (kept !== undefined) {
        checked = true
        if (!Buffer.concat(kept).equals(bytesOf(stream(), codec))) {
          process.stderr.write(`bench: ${name}: output differs from the sample stream (${bytes} bytes)\n`)
        }
      }
      return { bytes, frames: stream().frames }
    },
  } satisfies BenchCase
}

const DECODE_CHUNKS = [65_521, 4_093] as const
const ENCODE_CHUNK = 65_536

function framingGroups(): BenchGroup[] {
  const groups: BenchGroup[] = []
  const plans: [StreamName, readonly Codec[], readonly number[], boolean][] = [
    ['440B', ['ndjson', 'length-prefixed'], DECODE_CHUNKS, true],
    ['440B utf8', ['ndjson'], [65_521], false],
    ['64KiB', ['ndjson', 'length-prefixed'], DECODE_CHUNKS, true],
  ]
  for (const [size, codecs, chunkings, encode] of plans) {
    const stream = streams[size]
    for (const chunkBytes of chunkings) {
      for (const codec of codecs) {
        const chunks = lazy(() => chunked(bytesOf(stream(), codec), chunkBytes))
        groups.push({
          ceiling: copyCase(`ceiling copy ${codec} ${size} /${chunkBytes}`, chunks, () => stream().frames),
          cases: [decodeCase(`${codec} decode ${size} /${chunkBytes}`, codec, stream, chunks, trivial)],
          teardown: chunks.reset,
        })
      }
    }
    for (const codec of encode ? codecs : []) {
      const chunks = lazy(() => chunked(bytesOf(stream(), codec), ENCODE_CHUNK))
      const messages = lazy(() => stream().batches.map((b) => (codec === 'ndjson' ? [...b.json] : [...b.proto])))
      groups.push({
        ceiling: copyCase(`ceiling copy ${codec} ${size} /${ENCODE_CHUNK}`, chunks, () => stream().frames),
        cases: [encodeCase(`${codec} encode ${size}`, codec, stream, messages, trivial)],
        teardown: () => (chunks.reset(), messages.reset()),
      })
    }
    releaseAfterLast(groups, stream)
  }
  return groups
}

function messageGroups(hooks: MessageHooks<object>): BenchGroup[] {
  const groups: BenchGroup[] = []
  for (const size of ['440B', '64KiB'] as const) {
    const stream = messageStreams[size]
    for (const codec of ['ndjson', 'length-prefixed'] as const) {
      const chunkBytes = DECODE_CHUNKS[0]
      const chunks = lazy(() => chunked(bytesOf(stream(), codec), chunkBytes))
      const messages = lazy(() =>
        stream().batches.map((b) => (codec === 'ndjson' ? b.json.map(hooks.fromJson) : b.proto.map(hooks.fromProto))),
      )
      groups.push({
        ceiling: copyCase(`ceiling copy ${codec} ${size} /${chunkBytes} (message stream)`, chunks, () => stream().frames),
        cases: [
          decodeCase(`${codec} decode${hooks.label} ${size} /${chunkBytes}`, codec, stream, chunks, hooks),
          encodeCase(`${codec} encode${hooks.label} ${size}`, codec, stream, messages, hooks),
        ],
        teardown: () => (chunks.reset(), messages.reset()),
      })
    }
    releaseAfterLast(groups, stream)
  }
  return groups
}

/** Drops a sample stream once the last group that uses it (the last in `groups`) is measured. */
function releaseAfterLast(groups: BenchGroup[], stream: Lazy<SampleStream>): void {
  const last = groups.at(-1)
  if (last === undefined) return
  groups[groups.length - 1] = {
    ...last,
    teardown: () => {
      last.teardown?.()
      stream.reset()
    },
  }
}

export async function groups(): Promise<BenchGroup[]> {
  const hooks = await messageHooks()
  return [...framingGroups(), ...(hooks === undefined ? [] : messageGroups(hooks))]
}
