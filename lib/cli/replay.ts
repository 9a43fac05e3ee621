/**
 * `flowkit replay FILE`: a capture connector that emits a recorded sample stream, so a preview,
 * a materialization run or Flow's runtime can consume it. Its spec comes from the stream's
 * header; each binding names a recorded collection. Documents go out as the bytes they were
 * recorded as, never parsed. A session replays the stream from its start (`--loop` times),
 * with the recorded checkpoints: the state it leaves is the recorded capture's.
 */
import { createReadStream } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import Type from 'typebox'
import { capture, type CaptureConnector } from '../capture/connector.ts'
import { runCapture } from '../capture/run.ts'
import { readSampleStream, type SampleEntry, type SampleHeader } from '../codec/sample-stream.ts'
import { UsageError } from '../errors.ts'
import { checkpoint, document, sourcedSchema, type CaptureEvent } from '../ops/events.ts'

export const replayUsage = `usage: flowkit replay FILE [--rate DOCS/S] [--loop N]

Serves Flow's capture protocol (either codec) for a sample stream written by flowkit record or
flowkit sample: Discover offers a binding per recorded collection (resource {"collection": NAME}),
and a session emits the recorded documents and checkpoints, --loop times (default 1), at most
--rate documents per second (default: as fast as the reader takes them).`

export interface ReplayOptions {
  readonly file: string
  readonly rate: number
  readonly loop: number
}

export function parseReplayArgs(args: string[]): ReplayOptions {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { rate: { type: 'string' }, loop: { type: 'string' } }, strict: true })
  const [file, ...extra] = positionals
  if (file === undefined || extra.length > 0) throw new UsageError(`one sample stream file is required\n\n${replayUsage}`)
  const number = (name: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`--${name} must be a positive integer; got ${JSON.stringify(text)}`)
    return Number(text)
  }
  return { file, rate: number('rate', values.rate, Infinity), loop: number('loop', values.loop, 1) }
}

export function replay(options: ReplayOptions): Promise<never> {
  return runCapture(replayCapture(options))
}

async function readHeader(file: string): Promise<SampleHeader> {
  const stream = createReadStream(file)
  try {
    return (await readSampleStream(stream)).header
  } finally {
    stream.destroy()
  }
}

/** The replaying capture. */
export function replayCapture(options: ReplayOptions): CaptureConnector {
  const header = readHeader(options.file)
  header.catch(() => undefined) // observed by the first request that needs it
  return capture({
    config: Type.Object({}, { additionalProperties: true }),
    resource: Type.Object({ collection: Type.String({ description: 'A recorded collection.' }) }),
    documentationUrl: 'https://github.com/flowkit/flowkit#sample-streams',
    resourcePathPointers: ['/collection'],
    async discover() {
      return (await header).bindings.map((binding) => ({
        recommendedName: binding.collection.split('/').pop() ?? binding.collection,
        resourceConfig: { collection: binding.collection },
        documentSchema: binding.schema as object,
        key: binding.key,
      }))
    },
    open: ({ bindings, signal }) => replayEvents(options, bindings.map((b) => b.resourceConfig.collection), signal),
  })
}

/** The recorded entries as events, for the bindings the session opened (by collection). */
async function* replayEvents(options: ReplayOptions, opened: readonly string[], signal: AbortSignal): AsyncGenerator<CaptureEvent[]> {
  const started = performance.now()
  let documents = 0
  for (let round = 0; round < options.loop && !signal.aborted; round++) {
    const stream = createReadStream(options.file, { highWaterMark: 1024 * 1024 })
    try {
      const { header, entries } = await readSampleStream(stream)
      const target = header.bindings.map((binding) => opened.indexOf(binding.collection))
      for await (const batch of entries) {
        if (signal.aborted) return
        const events: CaptureEvent[] = []
        for (const entry of batch) addEvent(events, entry, target)
        documents += events.length
        yield events
        if (options.rate !== Infinity) await sleep(Math.max(0, (documents / options.rate) * 1000 - (performance.now() - started)))
      }
    } finally {
      stream.destroy()
    }
  }
}

const decoder = new TextDecoder()

/** Adds the event of a recorded entry, unless it is of a binding the session did not open. */
function addEvent(events: CaptureEvent[], entry: SampleEntry, target: readonly number[]): void {
  if (entry.type === 'checkpoint') return void events.push(checkpoint(JSON.parse(decoder.decode(entry.state)), { mergePatch: entry.mergePatch }))
  const binding = target[entry.binding] ?? -1
  if (binding < 0) return
  events.push(entry.type === 'document' ? document(binding, entry.doc) : sourcedSchema(binding, decoder.decode(entry.schema)))
}
