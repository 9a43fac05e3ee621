import { Readable } from 'node:stream'
import { parse, type Options } from 'csv-parse'

/** Options of csv-parse (https://csv.js.org/parse/options/); `columns: true` (the default here) gives objects keyed by the header row. */
export type CsvOptions = Options

/**
 * The records of a CSV byte stream, parsed by csv-parse as the bytes arrive: objects keyed by
 * the header row by default, arrays of fields with `columns: false`. Backpressure holds: a
 * consumer that stops pulling stops the reading of the body.
 */
export async function* parseCsv<T = Record<string, string>>(chunks: AsyncIterable<Uint8Array>, options: CsvOptions = {}): AsyncGenerator<T, void, undefined> {
  const parser = parse({ columns: true, bom: true, ...options })
  const input = Readable.from(chunks, { objectMode: false })
  input.on('error', (error) => parser.destroy(error))
  input.pipe(parser)
  try {
    for await (const record of parser) yield record as T
  } finally {
    input.destroy()
    parser.destroy()
  }
}
