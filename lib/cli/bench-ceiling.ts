/**
 * The ceilings `flowkit bench` measures a sample stream's replay against, each a plain Node
 * program that plays a capture connector in the JSON codec with none of flowkit's serve path:
 * it reads the whole stream before the session (untimed), waits for the runtime's two
 * requests without decoding them, writes Opened, then the stream's frames, and logs its peak
 * RSS in the line shape of flowkit's session summary.
 *
 * - `prebuilt`: the frames flowkit's JSON codec writes for the stream (Captured, Checkpoint,
 *   SourcedSchema), built in memory before Opened and written in 64 KiB slices: the most any
 *   connector could reach through this pipe and this reader.
 * - `json-loop`: a hand-written loop that parses each document (`JSON.parse`) and serializes
 *   it again (`JSON.stringify`) into the same Captured line, gathered into 64 KiB Buffers: the
 *   cost of handling documents as objects, which a replay avoids.
 */
import { once } from 'node:events'
import { createReadStream } from 'node:fs'
import { encodeFrame } from '../codec/frames.ts'
import { ProtocolError } from '../errors.ts'
import { readSampleStream, type SampleEntry } from '../codec/sample-stream.ts'
import { captureResponse } from '../protocol/index.ts'

export const CEILING_MODES = ['prebuilt', 'json-loop'] as const
export type CeilingMode = (typeof CEILING_MODES)[number]

const CHUNK = 64 * 1024

/** Serves one session of the stream in `file` as `mode` says, then exits 0. */
export async function serveCeiling(mode: CeilingMode, file: string): Promise<never> {
  const entries = await readEntries(file)
  const write = mode === 'prebuilt' ? prebuiltWriter(entries) : jsonLoopWriter(entries)
  await readRequestLines(2)
  await send(frameOf({ opened: {} }))
  await write()
  return finish()
}

async function readEntries(file: string): Promise<SampleEntry[]> {
  const stream = createReadStream(file, { highWaterMark: 1024 * 1024 })
  const entries: SampleEntry[] = []
  try {
    for await (const batch of (await readSampleStream(stream)).entries) for (const entry of batch) entries.push(entry)
  } finally {
    stream.destroy()
  }
  return entries
}

const frameOf = (response: Parameters<typeof captureResponse.toJson>[0]): Buffer => encodeFrame('json', captureResponse, response)

/** The frame of an entry other than a document, as flowkit's JSON codec writes it. */
function otherFrame(entry: Exclude<SampleEntry, { type: 'document' }>): Buffer {
  if (entry.type === 'checkpoint') return frameOf({ checkpoint: { state: { updatedJson: Buffer.from(entry.state).toString(), mergePatch: entry.mergePatch } } })
  return frameOf({ sourcedSchema: { binding: entry.binding, schemaJson: Buffer.from(entry.schema).toString() } })
}

/** All frames built now; the returned function writes them in 64 KiB slices. */
function prebuiltWriter(entries: readonly SampleEntry[]): () => Promise<void> {
  const bytes = Buffer.concat(entries.map((entry) => (entry.type === 'document' ? frameOf({ captured: { binding: entry.binding, docJson: Buffer.from(entry.doc).toString() } }) : otherFrame(entry))))
  return async () => {
    for (let at = 0; at < bytes.length; at += CHUNK) await send(bytes.subarray(at, at + CHUNK))
  }
}

/** Documents kept as text now; the returned function parses, serializes and frames each one. */
function jsonLoopWriter(entries: readonly SampleEntry[]): () => Promise<void> {
  const texts = entries.map((entry) => (entry.type === 'document' ? Buffer.from(entry.doc).toString() : otherFrame(entry).toString()))
  const bindings = entries.map((entry) => (entry.type === 'document' ? entry.binding : -1))
  const prefixes = new Map<number, string>()
  const prefixOf = (binding: number) => {
    let prefix = prefixes.get(binding)
    if (prefix === undefined) {
      const line = frameOf({ captured: { binding, docJson: '0' } }).toString()
      prefix = line.slice(0, line.lastIndexOf('0}}'))
      prefixes.set(binding, prefix)
    }
    return prefix
  }
  return async () => {
    let chunk = Buffer.allocUnsafe(CHUNK)
    let end = 0
    for (let i = 0; i < texts.length; i++) {
      const binding = bindings[i] as number
      const text = texts[i] as string
      const line = binding < 0 ? text : `${prefixOf(binding)}${JSON.stringify(JSON.parse(text))}}}\n`
      const size = Buffer.byteLength(line)
      if (end + size > CHUNK && end > 0) {
        await send(chunk.subarray(0, end))
        chunk = Buffer.allocUnsafe(CHUNK)
        end = 0
      }
      if (size > CHUNK) await send(Buffer.from(line))
      else end += chunk.write(line, end)
    }
    if (end > 0) await send(chunk.subarray(0, end))
  }
}

/** Writes to stdout, waiting for 'drain' when it asks to. */
async function send(bytes: Buffer): Promise<void> {
  if (!process.stdout.write(bytes)) await once(process.stdout, 'drain')
}

/** Resolves once `count` newline-terminated lines have arrived on stdin (the runtime's requests). */
function readRequestLines(count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0
    const onData = (chunk: Buffer) => {
      for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) seen++
      if (seen < count) return
      process.stdin.off('data', onData)
      process.stdin.pause()
      resolve()
    }
    process.stdin.on('data', onData)
    process.stdin.once('end', () => reject(new ProtocolError('PROTOCOL_ORDER', `stdin ended after ${seen} of ${count} requests`)))
  })
}

/** Logs the peak RSS as flowkit's session summary does, waits until stdout has taken every byte, exits 0. */
async function finish(): Promise<never> {
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024)
  process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level: 'info', message: 'capture session ended', fields: { peakRssMB } })}\n`)
  await new Promise<void>((resolve, reject) => process.stdout.write('', (error) => (error ? reject(error) : resolve())))
  process.exit(0)
}
