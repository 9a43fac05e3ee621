// Property tests: random messages of every type round-trip through both codecs and across them.
import t from 'tap'
import fc from 'fast-check'
import { codecOf, PROTOCOLS } from '../../lib/protocol/index.ts'
import { allMessageNames } from '../../lib/protocol/message-plan.ts'
import { arbitraryMessage } from './arbitrary.ts'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const envelopes = PROTOCOLS.flatMap((p) => [`${p}.Request`, `${p}.Response`])

function roundTrips(typeName: string, runs: number) {
  const codec = codecOf<Record<string, unknown>>(typeName)
  fc.assert(
    fc.property(arbitraryMessage(typeName), (message) => {
      const json = codec.toJson(message)
      const proto = codec.toProto(message)
      // Each codec against itself.
      if (codec.toJson(codec.fromJson(json)) !== json) throw new Error(`JSON round trip changed ${json}`)
      if (hex(codec.toProto(codec.fromProto(proto))) !== hex(proto)) throw new Error('protobuf round trip changed the bytes')
      // Across codecs, both ways.
      if (hex(codec.toProto(codec.fromJson(json))) !== hex(proto)) throw new Error(`JSON → protobuf differs for ${json}`)
      if (codec.toJson(codec.fromProto(proto)) !== json) throw new Error(`protobuf → JSON differs for ${json}`)
      // Every line is a single line of valid JSON.
      JSON.parse(json)
      if (json.includes('\n')) throw new Error('newline in a JSON frame')
    }),
    { numRuns: runs },
  )
}

t.test('Request and Response of every protocol round-trip in both codecs', async (t) => {
  for (const typeName of envelopes) {
    t.doesNotThrow(() => roundTrips(typeName, 150), typeName)
  }
})

t.test('every message type round-trips in both codecs', async (t) => {
  const names = allMessageNames()
  t.ok(names.length > 80, `found ${names.length} message types`)
  for (const typeName of names) {
    t.doesNotThrow(() => roundTrips(typeName, 25), typeName)
  }
})
