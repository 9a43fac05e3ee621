// Inputs for the Airbyte and Singer line parsers: random bytes, valid message lines mutated
// (invalid UTF-8 among the changes), deeply nested values. A parser returns a message with a
// string `type` or undefined, and never throws; a scanned record's bytes are a JSON object.
import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import { depths, mutate, mutation, nested, show, timed } from './harness.ts'

const json = fc.jsonValue({ maxDepth: 3 })
const data = fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), json, { maxKeys: 4 })
const deepValue = fc.tuple(depths, fc.constantFrom<'array' | 'object'>('array', 'object'), fc.boolean()).map(([d, shape, closed]) => nested(d, shape, closed))

/** Lines of both protocols' messages (RECORD, STATE, LOG, SCHEMA, ...), as objects. */
export function lineCases(valid: fc.Arbitrary<string>): fc.Arbitrary<Uint8Array> {
  const mutated = fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([line, mutations]) => mutate(Buffer.from(line), mutations))
  const random = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string({ unit: fc.constantFrom(...'{}[]":,0123456789-.eE tfnulr\\RECORDtype'), maxLength: 80 }).map((s) => Buffer.from(s) as Uint8Array))
  const deep = deepValue.map((value) => Buffer.from(`{"type":"RECORD","record":{"stream":"s","data":{"a":${value}}},"x":${value}}`) as Uint8Array)
  return fc.oneof({ arbitrary: valid.map((line) => Buffer.from(line) as Uint8Array), weight: 1 }, { arbitrary: mutated, weight: 5 }, { arbitrary: random, weight: 2 }, { arbitrary: deep, weight: 1 })
}

/** Valid lines, with the keys a parser looks for in any order. */
export function messageLine(types: readonly string[], payloads: (parts: { stream: string; value: unknown }) => Record<string, unknown>): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...types), data, fc.string({ maxLength: 6 }), fc.boolean()).map(([type, value, stream, reversed]) => {
    const entries = Object.entries({ type, ...payloads({ stream, value }) })
    return JSON.stringify(Object.fromEntries(reversed ? entries.reverse() : entries))
  })
}

/** Parses one line: a message with a string type, or undefined; a scanned record's bytes must be a JSON object. */
export function parsesOrSkips(parse: (line: Uint8Array) => object | undefined, recordBytes: (message: any) => Uint8Array | undefined, line: Uint8Array): Promise<void> {
  return timed(() => {
    let message: any
    try {
      message = parse(line)
    } catch (error) {
      throw new Error(`the parser threw ${String(error)}; input ${show(line)}`, { cause: error })
    }
    if (message === undefined) return
    if (typeof message !== 'object' || message === null || typeof message.type !== 'string') throw new Error(`not a message: ${String(message)}; input ${show(line)}`)
    const bytes = recordBytes(message)
    if (bytes === undefined) return
    const value: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'))
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`record bytes are not an object; input ${show(line)}`)
  }, () => show(line))
}
