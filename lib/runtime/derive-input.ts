/**
 * The input of a local derivation run, cut into transactions: JSON lines `["<collection>",
 * <document>]` (what `flowkit preview` prints, see materialize-input.ts), or flowctl's fixture
 * shape, a JSON array of transactions each an array of `[collection, document]` (as Flow's
 * `flowctl` fixture reader takes it: one transaction per element, committed through its index).
 */
import { DocumentError } from '../errors.ts'
import { inputBatches, type InputBatch, type InputItem } from './materialize-input.ts'

/** Lines (cut into transactions of at most `maxDocs` read documents), or a fixture's transactions. */
export type DeriveInput = { readonly lines: AsyncIterable<InputItem> | Iterable<InputItem> } | { readonly fixture: readonly (readonly (readonly [string, unknown])[])[] }

export interface DeriveBatchOptions {
  /** Collection name → the transforms that read it. */
  readonly routes: ReadonlyMap<string, readonly number[]>
  /** Input already committed: lines, or fixture transactions. */
  readonly skip: number
  readonly maxDocs: number
}

/** The input's transactions after the committed ones; `readThrough` counts lines, or fixture transactions. */
export function deriveBatches(input: DeriveInput, options: DeriveBatchOptions): AsyncIterable<InputBatch> | Iterable<InputBatch> {
  if ('lines' in input) return inputBatches(input.lines, options)
  return fixtureBatches(input.fixture, options)
}

function* fixtureBatches(fixture: readonly (readonly (readonly [string, unknown])[])[], options: DeriveBatchOptions): Generator<InputBatch> {
  for (const [index, transaction] of fixture.entries()) {
    if (index < options.skip) continue
    const documents: [number, unknown][] = []
    let docs = 0
    let skipped = 0
    for (const [collection, doc] of transaction) {
      const transforms = options.routes.get(collection)
      if (transforms === undefined) {
        skipped++
        continue
      }
      for (const transform of transforms) documents.push([transform, doc])
      docs++
    }
    yield { documents, docs, skipped, readThrough: index + 1 }
  }
}

/** A parsed fixture file checked for its shape. Throws a DocumentError naming the first element that does not fit. */
export function parseFixture(value: unknown, file: string): [string, unknown][][] {
  if (!Array.isArray(value)) throw new DocumentError(`fixture ${file} is not a JSON array of transactions`)
  return value.map((transaction: unknown, t) => {
    if (!Array.isArray(transaction)) throw new DocumentError(`fixture ${file}: transaction ${t} is not an array of [collection, document]`)
    return transaction.map((pair: unknown, d) => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') throw new DocumentError(`fixture ${file}: transaction ${t} document ${d} is not [collection, document]`)
      return [pair[0], pair[1]] as [string, unknown]
    })
  })
}
