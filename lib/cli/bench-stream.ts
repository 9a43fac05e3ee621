/**
 * A sample stream as `flowkit bench` needs it: read once through, before anything is measured,
 * so a missing or corrupt file fails at once (naming the file, and the offset the reader
 * reports), and the document count every case must reproduce is known.
 */
import { createReadStream } from 'node:fs'
import { basename } from 'node:path'
import { readSampleStream, type SampleHeader } from '../codec/sample-stream.ts'
import { ConfigError, FlowkitError, FramingError, messageOf } from '../errors.ts'
import type { CaptureRequest } from '../protocol/index.ts'

export interface BenchStream {
  readonly file: string
  /** How results name it: the file name, its documents and their mean size. */
  readonly label: string
  readonly header: SampleHeader
  readonly documents: number
  readonly checkpoints: number
  /** Bytes of the documents' JSON. */
  readonly documentBytes: number
}

/** Reads the whole stream; fails with a ConfigError (unreadable) or FramingError (corrupt) that names `file`. */
export async function inspectStream(file: string): Promise<BenchStream> {
  const stream = createReadStream(file, { highWaterMark: 1024 * 1024 })
  let documents = 0
  let checkpoints = 0
  let documentBytes = 0
  try {
    const { header, entries } = await readSampleStream(stream)
    for await (const batch of entries) {
      for (const entry of batch) {
        if (entry.type === 'document') {
          documents++
          documentBytes += entry.doc.length
        } else if (entry.type === 'checkpoint') checkpoints++
      }
    }
    const mean = documents === 0 ? 0 : Math.round(documentBytes / documents)
    const label = `${basename(file)}: ${documents.toLocaleString('en-US')} docs of ~${mean} B`
    return { file, label, header, documents, checkpoints, documentBytes }
  } catch (error) {
    if (error instanceof FramingError) throw new FramingError(error.code, `${file}: ${error.message}`, { cause: error })
    if (error instanceof FlowkitError) throw error
    throw new ConfigError(`cannot read sample stream ${file}: ${messageOf(error)}`, { cause: error })
  } finally {
    stream.destroy()
  }
}

/** The runtime's requests for a replay of the stream: the internal Spec, then Open with a binding per recorded collection and empty state. */
export function replayRequests(stream: BenchStream): CaptureRequest[] {
  const bindings = stream.header.bindings.map((binding) => ({
    resourceConfigJson: JSON.stringify({ collection: binding.collection }),
    resourcePath: [binding.collection],
    stateKey: binding.collection,
    collection: { name: binding.collection, key: [...binding.key] },
  }))
  return [
    { spec: { connectorType: 7, configJson: '{}' } },
    {
      open: {
        capture: { name: stream.header.capture || 'flowkit/bench/replay', connectorType: 7, configJson: '{}', bindings },
        version: 'bench',
        range: { keyEnd: 0xffffffff, rClockEnd: 0xffffffff },
        stateJson: '{}',
      },
    },
  ]
}
