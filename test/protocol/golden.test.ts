// Runs the golden vectors (./vectors.ts) through the project's protocol codecs: every Request and
// Response variant must round-trip byte-exactly through Flow's JSON and protobuf encodings, and
// convert exactly from one encoding to the other.
import t from 'tap'
import type { Test } from 'tap'
import { messageCodec } from '../../lib/protocol/index.ts'
import { fromHex, toHex } from './wire.ts'
import { inputVectors, vectors, worked } from './vectors.ts'

/** Runs one direction; a throw is reported as a failure of that direction only. */
function check(t: Test, label: string, run: () => string, expected: string): void {
  let actual: string
  try {
    actual = run()
  } catch (error) {
    t.fail(`${label}: threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`)
    return
  }
  t.equal(actual, expected, label)
}

for (const v of vectors) {
  t.test(v.name, async (t) => {
    const codec = messageCodec(v.protocol, v.kind)
    const bytes = fromHex(v.proto)
    check(t, 'toJson(fromJson(json)) === json', () => codec.toJson(codec.fromJson(v.json)), v.json)
    check(t, 'toProto(fromProto(proto)) === proto', () => toHex(codec.toProto(codec.fromProto(bytes))), v.proto)
    check(t, 'toProto(fromJson(json)) === proto', () => toHex(codec.toProto(codec.fromJson(v.json))), v.proto)
    check(t, 'toJson(fromProto(proto)) === json', () => codec.toJson(codec.fromProto(bytes)), v.json)
  })
}

// Inputs Flow's decoders accept but never write: they must decode to the canonical message.
for (const v of inputVectors) {
  t.test(`${v.name} (${v.rule})`, async (t) => {
    const codec = messageCodec(v.protocol, v.kind)
    check(t, 'toJson(fromJson(input)) === json', () => codec.toJson(codec.fromJson(v.input)), v.json)
    check(t, 'toProto(fromJson(input)) === proto', () => toHex(codec.toProto(codec.fromJson(v.input))), v.proto)
  })
}

// The framed worked examples of a minimal capture session (the 4-byte prefix is the framing's, not the codec's).
for (const w of worked) {
  t.test(`worked example ${w.name}`, async (t) => {
    const codec = messageCodec(w.protocol, w.kind)
    const proto = w.framed.slice(8)
    check(t, 'toProto(fromJson(json)) === framed body', () => toHex(codec.toProto(codec.fromJson(w.json))), proto)
    check(t, 'toJson(fromProto(framed body)) === json', () => codec.toJson(codec.fromProto(fromHex(proto))), w.json)
  })
}
