/**
 * BATCH messages (a Meltano SDK extension): instead of RECORD messages, a tap names files
 * holding a stream's records, one JSON record a line (`jsonl`), gzip-compressed or not. Only
 * local files (`file://` URLs) can be read.
 */
import { createReadStream } from 'node:fs'
import { pipeline, type Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { createGunzip } from 'node:zlib'
import { ConnectorError, messageOf } from '../../errors.ts'
import { isObject } from '../../json/values.ts'
import type { SingerMessage } from './messages.ts'

export interface BatchFile {
  readonly path: string
  readonly gzip: boolean
}

/**
 * The files of a BATCH message, in manifest order. A file is gzip when the encoding's
 * `compression` is `gzip` or its name ends in `.gz`. Throws a ConnectorError for a format
 * other than jsonl or a URL that is not `file://`.
 */
export function batchFiles(message: SingerMessage): BatchFile[] {
  const encoding = isObject(message.encoding) ? message.encoding : {}
  const format = encoding.format ?? 'jsonl'
  if (format !== 'jsonl') throw new ConnectorError(`the tap sent a BATCH of ${JSON.stringify(format)} files; the shim reads only jsonl (set the tap's batch_config encoding format to jsonl)`)
  if (!Array.isArray(message.manifest)) throw new ConnectorError('the tap sent a BATCH message without a manifest list')
  return message.manifest.map((url: unknown) => {
    if (typeof url !== 'string' || !url.startsWith('file://')) throw new ConnectorError(`the tap's BATCH manifest names ${JSON.stringify(url)}; the shim reads only local file:// URLs`)
    const path = fileURLToPath(url)
    return { path, gzip: encoding.compression === 'gzip' || path.endsWith('.gz') }
  })
}

/**
 * The records of a batch file, parsed, in file order, `chunk` at a time: the file is read as
 * it is consumed, never whole. Fails with a ConnectorError naming the file when it cannot be
 * read, a line is not JSON, or a line is longer than `maxLineBytes` characters.
 */
export async function* batchRecords(file: BatchFile, chunk: number, maxLineBytes: number): AsyncGenerator<unknown[]> {
  const source: Readable = file.gzip ? pipeline(createReadStream(file.path), createGunzip(), () => {}) : createReadStream(file.path)
  source.setEncoding('utf8')
  let carry = ''
  let records: unknown[] = []
  let line = 0
  const tooLong = (text: string) => {
    if (text.length > maxLineBytes) throw new ConnectorError(`the tap's batch file ${file.path} has a line longer than ${maxLineBytes} characters`)
  }
  const take = (text: string) => {
    line++
    tooLong(text)
    if (text.trim() === '') return
    try {
      records.push(JSON.parse(text))
    } catch (error) {
      throw new ConnectorError(`line ${line} of the tap's batch file ${file.path} is not JSON: ${messageOf(error)}`)
    }
  }
  try {
    for await (const text of source as AsyncIterable<string>) {
      const parts = (carry + text).split('\n')
      carry = parts.pop() as string
      tooLong(carry)
      for (const part of parts) take(part)
      if (records.length >= chunk) {
        yield records
        records = []
      }
    }
  } catch (error) {
    if (error instanceof ConnectorError) throw error
    throw new ConnectorError(`cannot read the tap's batch file ${file.path}: ${messageOf(error)}`, { cause: error })
  } finally {
    source.destroy()
  }
  take(carry)
  if (records.length > 0) yield records
}
