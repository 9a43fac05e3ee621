// Fuzz target: Flow's JSON mapping (`fromJson`) of every protocol's Request and Response, on
// valid messages mutated, on messages whose fields hold hostile values (numbers out of range for
// 32- and 64-bit fields, wrong types, bad timestamps, durations and base64), and on deep
// nesting. What it reads must also write: a message `fromJson` returns gives JSON and protobuf,
// and its JSON reads back to the same JSON.
import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import { messageCodec, PROTOCOLS, type MessageCodec, type MessageKind } from '../../lib/protocol/index.ts'
import { messagePlan, type FieldPlan, type MessagePlan } from '../../lib/protocol/message-plan.ts'
import { arbitraryMessage } from '../protocol/arbitrary.ts'
import { assertCoded, depths, mutate, mutation, nested, runProperty, show, timed, type RunResult } from './harness.ts'

export const name = 'json-mapping'

const NUMBERS = ['0', '1', '-1', '1.5', '-0', '0.0', '1e2', '1E+2', '1e-2', '1e400', '-1e400', '4294967295', '4294967296', '2147483647', '2147483648', '-2147483648', '-2147483649']
const LONGS = ['9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '18446744073709551615', '18446744073709551616', '9007199254740993', '1e19', '1.5e3', '00000000000000000000000001', '9'.repeat(400)]
const quoted = (list: readonly string[]) => list.map((text) => JSON.stringify(text))
const HOSTILE = ['null', 'true', 'false', '[]', '{}', '""', '"abc"', '"\\ud800"', '"0x10"', '" 1"', '"NaN"', '"Infinity"', '"-Infinity"', '[1,2]', '{"a":1}']
const TIMES = quoted(['1970-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '0000-12-31T23:59:59Z', '9999-12-31T23:59:59-01:00', '2020-02-30T00:00:00Z', '2020-01-01T24:00:00Z', '2020-01-01T00:00:00.1234567891Z', '2020-01-01 00:00:00+14:00', '2020-1-1T00:00:00Z'])
const DURATIONS = quoted(['1s', '-0.5s', '1.000000001s', '99999999999999999999s', '-99999999999999999999s', '9223372036854775808s', '315576000001s', '1.0000000001s', '1', 's', '-s'])
const BASE64 = quoted(['', 'A', 'AA', 'AAA', 'AAAA', 'AA==', 'A===', '_-_-', '+/+/', 'AB=C', '====', 'QUJD\n'])

/** JSON text for a field's value: mostly plausible, often hostile. */
function fieldValue(field: FieldPlan, depth: number): fc.Arbitrary<string> {
  const hostile = fc.constantFrom(...HOSTILE, ...NUMBERS, ...quoted(NUMBERS), ...LONGS, ...quoted(LONGS))
  let plausible: fc.Arbitrary<string>
  switch (field.kind) {
    case 'raw':
      plausible = fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), depths.map((d) => nested(d, 'array', true)))
      break
    case 'message':
      plausible = depth > 0 ? looseMessage(field.message as MessagePlan, depth - 1) : fc.constant('{}')
      break
    case 'string':
      plausible = fc.string({ unit: 'binary', maxLength: 8 }).map((s) => JSON.stringify(s))
      break
    case 'bool':
      plausible = fc.constantFrom('true', 'false')
      break
    case 'enum':
      plausible = fc.oneof(fc.constantFrom(...[...field.enum!.byName.keys()].map((n) => JSON.stringify(n))), fc.integer({ min: -5, max: 50 }).map(String))
      break
    case 'timestamp':
      plausible = fc.constantFrom(...TIMES)
      break
    case 'duration':
      plausible = fc.constantFrom(...DURATIONS)
      break
    case 'bytes':
      plausible = fc.constantFrom(...BASE64)
      break
    case 'int64':
    case 'uint64':
      plausible = fc.oneof(fc.bigInt(-(1n << 65n), 1n << 65n).map((n) => n.toString()), fc.bigInt(-(1n << 65n), 1n << 65n).map((n) => JSON.stringify(n.toString())))
      break
    default:
      plausible = fc.oneof(fc.integer().map(String), fc.double().map((n) => (Number.isFinite(n) ? String(n) : JSON.stringify(String(n)))), fc.bigInt(-(1n << 40n), 1n << 40n).map((n) => n.toString()))
  }
  const one = fc.oneof({ arbitrary: plausible, weight: 3 }, { arbitrary: hostile, weight: 1 })
  if (field.map) return fc.array(fc.tuple(fc.string({ maxLength: 4 }), one), { maxLength: 3 }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`)
  if (field.repeated) return fc.oneof(fc.array(one, { maxLength: 3 }).map((values) => `[${values.join(',')}]`), hostile)
  return one
}

/** A JSON object for `plan` whose fields, by any of their accepted names, hold what `fieldValue` gives; and unknown keys. */
function looseMessage(plan: MessagePlan, depth: number): fc.Arbitrary<string> {
  if (plan.fields.length === 0) return fc.constant('{}')
  const member = fc.constantFrom(...plan.fields).chain((field) =>
    fc.tuple(fc.constantFrom(field.jsonName, field.protoName, field.name), fieldValue(field, depth)).map(([key, value]) => `${JSON.stringify(key)}:${value}`),
  )
  const unknown = fc.tuple(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => `${JSON.stringify('x' + k)}:${JSON.stringify(v)}`)
  return fc.array(fc.oneof({ arbitrary: member, weight: 4 }, { arbitrary: unknown, weight: 1 }), { maxLength: 4 }).map((members) => `{${members.join(',')}}`)
}

interface MappingCase {
  readonly codec: MessageCodec<object>
  readonly text: string
}

const endpoints = fc.tuple(fc.constantFrom(...PROTOCOLS), fc.constantFrom<MessageKind>('request', 'response'))

export const cases: fc.Arbitrary<MappingCase> = endpoints.chain(([protocol, kind]) => {
  const codec = messageCodec(protocol, kind) as MessageCodec<object>
  const typeName = `${protocol}.${kind === 'request' ? 'Request' : 'Response'}`
  const valid = arbitraryMessage(typeName, 2).map((message) => codec.toJson(message))
  const mutatedBytes = fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([text, mutations]) => Buffer.from(mutate(Buffer.from(text), mutations)).toString('utf8'))
  const loose = looseMessage(messagePlan(typeName), 3)
  const deep = fc.tuple(depths, fc.constantFrom<'array' | 'object'>('array', 'object'), fc.boolean(), fc.constantFrom(...messagePlan(typeName).fields)).map(
    ([depth, shape, closed, field]) => `{${JSON.stringify(field.jsonName)}:${nested(depth, shape, closed)}}`,
  )
  const text = fc.oneof({ arbitrary: valid, weight: 1 }, { arbitrary: mutatedBytes, weight: 4 }, { arbitrary: loose, weight: 5 }, { arbitrary: deep, weight: 1 })
  return text.map((text) => ({ codec, text }))
})

/** Reads one text; a message read must write as JSON and protobuf, and its JSON must read back to the same JSON. */
export function readsOrRefuses(c: MappingCase): void {
  const input = () => `${c.codec.typeName} ${show(c.text)}`
  let message: object
  try {
    message = c.codec.fromJson(c.text)
  } catch (error) {
    assertCoded(error, input)
    return
  }
  let json: string
  try {
    json = c.codec.toJson(message)
    c.codec.toProto(message)
  } catch (error) {
    throw new Error(`a message fromJson accepted does not write: ${String(error)}; input ${input()}`, { cause: error })
  }
  const again = c.codec.toJson(c.codec.fromJson(json))
  if (again !== json) throw new Error(`JSON does not read back the same: ${show(json)} then ${show(again)}; input ${input()}`)
}

export const property = fc.asyncProperty(cases, (c) => timed(() => readsOrRefuses(c), () => `${c.codec.typeName} ${show(c.text)}`))

export function run(runs: number): Promise<RunResult> {
  return runProperty(name, property, runs)
}
