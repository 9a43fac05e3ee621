/**
 * The input of a local materialization run: lines of JSON `["<collection>", <document>]`, as
 * `flowkit preview` prints them for a capture, cut into transactions. A line counts once it is
 * read, whatever it holds; blank lines do not count.
 */
import { DocumentError, messageOf } from '../errors.ts'
import { IDLE } from './idle-marks.ts'

/** One transaction's share of the input. */
export interface InputBatch {
  /** `[binding, document]`: each document once per binding that reads its collection. */
  readonly documents: readonly (readonly [number, unknown])[]
  /** Documents read by some binding. */
  readonly docs: number
  /** Documents of collections that no binding reads. */
  readonly skipped: number
  /** The input line count once this batch is committed. */
  readonly readThrough: number
}

export interface BatchOptions {
  /** Collection name → the bindings that read it. */
  readonly routes: ReadonlyMap<string, readonly number[]>
  /** Lines already committed: read and dropped. */
  readonly skip: number
  /** Documents read by bindings per transaction. */
  readonly maxDocs: number
  /** What is wrong with a document read by `binding`, or undefined when nothing is. */
  readonly check?: (binding: number, doc: unknown) => string | undefined
}

/** An input item: a line of JSON text, or the pair it spells; IDLE where the input paused. */
export type InputItem = string | readonly [string, unknown] | typeof IDLE

/**
 * Cuts the input into transactions of at most `maxDocs` documents read by bindings (lines of
 * other collections ride along, counted as skipped); an IDLE mark closes the transaction early
 * when it holds anything. The last batch holds what is left, if anything is. Throws a
 * DocumentError naming the line for one that is not a pair, or whose document `check` refuses
 * (before the batch holding it is yielded).
 */
export async function* inputBatches(input: AsyncIterable<InputItem> | Iterable<InputItem>, options: BatchOptions): AsyncGenerator<InputBatch> {
  let line = 0
  let documents: [number, unknown][] = []
  let docs = 0
  let skipped = 0
  for await (const item of input) {
    if (item === IDLE) {
      if (docs + skipped === 0) continue
      yield { documents, docs, skipped, readThrough: line }
      documents = []
      docs = 0
      skipped = 0
      continue
    }
    if (typeof item === 'string' && item.trim() === '') continue
    line++
    if (line <= options.skip) continue
    const [collection, doc] = typeof item === 'string' ? parseLine(item, line) : item
    const bindings = options.routes.get(collection)
    if (bindings === undefined) {
      skipped++
      continue
    }
    for (const binding of bindings) {
      const problem = options.check?.(binding, doc)
      if (problem !== undefined) throw new DocumentError(`input line ${line}: ${problem}`)
      documents.push([binding, doc])
    }
    docs++
    if (docs >= options.maxDocs) {
      yield { documents, docs, skipped, readThrough: line }
      documents = []
      docs = 0
      skipped = 0
    }
  }
  if (docs + skipped > 0) yield { documents, docs, skipped, readThrough: line }
}

function parseLine(text: string, line: number): [string, unknown] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new DocumentError(`input line ${line} is not JSON: ${messageOf(error)}`)
  }
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string') {
    throw new DocumentError(`input line ${line} is not ["<collection>", <document>]: ${text.slice(0, 80)}`)
  }
  return [value[0], value[1]]
}
