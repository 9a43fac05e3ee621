// One test per rule of Flow's JSON mapping; each would fail if its rule were broken.
import t from 'tap'
import Long from 'long'
import { MessageError } from '../../lib/errors.ts'
import { captureRequest, captureResponse, codecOf, deriveRequest, materializeRequest, materializeResponse } from '../../lib/protocol/index.ts'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const json = <T extends object>(codec: { fromJson(text: string): T; toJson(m: T): string }, text: string) => codec.toJson(codec.fromJson(text))

t.test('raw *_json fields are embedded verbatim as JSON values, in both directions', async (t) => {
  const line = '{"captured":{"binding":2,"doc":{"n": 1.0, "big":123456789012345678901234567890,"s":"\\u00e9\\n"}}}'
  const message = captureResponse.fromJson(line)
  t.equal(message.captured?.docJson, '{"n": 1.0, "big":123456789012345678901234567890,"s":"\\u00e9\\n"}', 'kept as source text')
  t.equal(captureResponse.toJson(message), line, 'written back unchanged, not quoted, not base64')
  const proto = captureResponse.toProto(message)
  t.match(Buffer.from(proto).toString('utf8'), '{"n": 1.0, "big":123456789012345678901234567890', 'protobuf carries the JSON text')
  t.equal(captureResponse.toJson(captureResponse.fromProto(proto)), line)
  t.equal(json(captureResponse, '{"captured":{"doc":"just a string"}}'), '{"captured":{"doc":"just a string"}}', 'any JSON value')
  t.equal(json(captureResponse, '{"captured":{"doc":[1,2]}}'), '{"captured":{"doc":[1,2]}}')
})

t.test('raw text that is not JSON is refused on output, and multi-line text is compacted', async (t) => {
  t.throws(() => captureResponse.toJson({ captured: { docJson: '{"a":' } }), { name: 'MessageError', message: /capture\.Response\.captured\.doc: expected a JSON value/ })
  t.throws(() => captureResponse.toJson({ captured: { docJson: '{"a":1} x' } }), { message: /expected the end of the text/ })
  t.equal(captureResponse.toJson({ captured: { docJson: '{\n  "a": "x y",\n  "b": [1, 2]\n}' } }), '{"captured":{"doc":{"a":"x y","b":[1,2]}}}')
})

t.test('*_json_vec and *_json_map fields hold raw JSON values', async (t) => {
  const inference = codecOf<Record<string, unknown>>('flow.Inference')
  const text = '{"types":["string"],"enum":["one",2,{"three":3}]}'
  const message = inference.fromJson(text)
  t.same(message.enumJsonVec, ['"one"', '2', '{"three":3}'])
  t.equal(inference.toJson(message), text)
  const selection = codecOf<Record<string, unknown>>('flow.FieldSelection')
  const fs = '{"keys":["id"],"fieldConfig":{"a":{"x":true},"b":"str"}}'
  t.same(selection.fromJson(fs).fieldConfigJsonMap, { a: '{"x":true}', b: '"str"' })
  t.equal(json(selection, fs), fs)
})

t.test('64-bit integers are strings on output, exact beyond 2^53, numbers or strings on input', async (t) => {
  const uuid = codecOf<{ node?: Long; clock?: Long }>('flow.UUIDParts')
  const big = '18446744073709551615' // 2^64 - 1, fixed64
  const message = uuid.fromJson(`{"node":${big},"clock":"9007199254740993"}`)
  t.equal(message.node?.toString(), big)
  t.equal(message.clock?.toString(), '9007199254740993', 'not rounded to 2^53')
  t.equal(uuid.toJson(message), `{"node":"${big}","clock":"9007199254740993"}`)
  t.throws(() => uuid.fromJson('{"node":"18446744073709551616"}'), { message: /flow\.UUIDParts\.node: expected an unsigned 64-bit integer/ })
  t.throws(() => uuid.fromJson('{"node":-1}'), { message: /unsigned 64-bit/ })
  const source = codecOf<{ readThrough?: Long }>('consumer.Checkpoint.Source')
  t.equal(json(source, '{"readThrough":-9223372036854775808}'), '{"readThrough":"-9223372036854775808"}')
  t.throws(() => source.fromJson('{"readThrough":9223372036854775808}'), { message: /signed 64-bit/ })
  t.equal(json(source, '{"readThrough":1e3}'), '{"readThrough":"1000"}', 'integral exponent form')
})

t.test('32-bit integers are numbers; strings holding numbers are accepted; range is checked', async (t) => {
  t.equal(json(captureRequest, '{"acknowledge":{"checkpoints":"32"}}'), '{"acknowledge":{"checkpoints":32}}')
  t.equal(json(captureRequest, '{"open":{"range":{"keyEnd":"4294967295"}}}'), '{"open":{"range":{"keyEnd":4294967295}}}')
  t.throws(() => captureRequest.fromJson('{"acknowledge":{"checkpoints":4294967296}}'), { message: /checkpoints: expected an unsigned 32-bit integer, got 4294967296/ })
  t.throws(() => captureRequest.fromJson('{"acknowledge":{"checkpoints":1.5}}'), { message: /unsigned 32-bit/ })
  t.throws(() => captureRequest.fromJson('{"acknowledge":{"checkpoints":"x"}}'), { message: /expected a number or a string holding one, got "x"/ })
})

t.test('enums are written by name and read by name or number', async (t) => {
  const message = captureRequest.fromJson('{"spec":{"connectorType":"LOCAL"}}')
  t.equal(message.spec?.connectorType, 8)
  t.equal(captureRequest.toJson({ spec: { connectorType: 7 } }), '{"spec":{"connectorType":"IMAGE"}}')
  t.equal(json(captureRequest, '{"spec":{"connectorType":7}}'), '{"spec":{"connectorType":"IMAGE"}}')
  t.throws(() => captureRequest.fromJson('{"spec":{"connectorType":"DOCKER"}}'), { message: /"DOCKER" is not a value of flow\.CaptureSpec\.ConnectorType/ })
  const constraint = codecOf<Record<string, unknown>>('materialize.Response.Validated.Constraint')
  t.equal(json(constraint, '{"type":"FIELD_OPTIONAL","reason":"r"}'), '{"type":"FIELD_OPTIONAL","reason":"r"}')
})

t.test('non-raw bytes are padded standard base64; URL-safe and unpadded input is accepted', async (t) => {
  const message = captureRequest.fromJson('{"$internal":"EgJIaRgB"}')
  t.equal(hex(message.internal as Uint8Array), '12024869180' + '1')
  t.equal(captureRequest.toJson({ internal: Buffer.from([0xfb, 0xff]) }), '{"$internal":"+/8="}')
  t.equal(json(captureRequest, '{"$internal":"-_8"}'), '{"$internal":"+/8="}')
  t.throws(() => captureRequest.fromJson('{"$internal":"not base64!"}'), { message: /capture\.Request\.\$internal: not base64/ })
})

t.test('defaults are omitted; present but empty sub-messages are {}', async (t) => {
  t.equal(json(captureResponse, '{"captured":{"binding":0,"doc":{"a":1}}}'), '{"captured":{"doc":{"a":1}}}')
  t.equal(json(captureResponse, '{"opened":{"explicitAcknowledgements":false}}'), '{"opened":{}}')
  t.equal(json(captureResponse, '{"opened":{}}'), '{"opened":{}}')
  t.equal(hex(captureResponse.toProto(captureResponse.fromJson('{"opened":{}}'))), '2a00', 'tag and zero length')
  t.equal(json(captureRequest, '{"apply":{"capture":{"name":"","bindings":[],"intervalSeconds":0},"version":""}}'), '{"apply":{"capture":{}}}')
  t.equal(captureResponse.toJson({ captured: { binding: 0, docJson: '' } }), '{"captured":{}}', 'explicit defaults in a plain object')
  t.equal(hex(captureResponse.toProto({ captured: { binding: 0, docJson: '{}' } })), '320412027b7d', 'and in protobuf')
})

t.test('Timestamps are RFC 3339 with +00:00; fractions of 3, 6 or 9 digits', async (t) => {
  const binding = codecOf<Record<string, unknown>>('flow.MaterializationSpec.Binding')
  t.equal(json(binding, '{"notBefore":"2023-08-11T03:00:27Z"}'), '{"notBefore":"2023-08-11T03:00:27+00:00"}')
  t.equal(json(binding, '{"notBefore":"2023-11-14T22:21:40.123Z"}'), '{"notBefore":"2023-11-14T22:21:40.123+00:00"}')
  t.equal(json(binding, '{"notBefore":"2023-11-14T22:21:40.1234Z"}'), '{"notBefore":"2023-11-14T22:21:40.123400+00:00"}')
  t.equal(json(binding, '{"notBefore":"2023-11-14T22:21:40.000000001+00:00"}'), '{"notBefore":"2023-11-14T22:21:40.000000001+00:00"}')
  t.equal(json(binding, '{"notAfter":"2023-11-15T00:21:40+02:00"}'), '{"notAfter":"2023-11-14T22:21:40+00:00"}', 'offsets are normalised')
  t.equal(json(binding, '{"notBefore":"1970-01-01T00:00:00Z"}'), '{"notBefore":"1970-01-01T00:00:00+00:00"}', 'epoch is present, not a default')
  t.equal(hex(binding.toProto(binding.fromJson('{"notBefore":"1970-01-01T00:00:01.5Z"}'))), '520808011080cab5ee01')
  t.throws(() => binding.fromJson('{"notBefore":"2023-02-30T00:00:00Z"}'), { message: /notBefore: not a valid date/ })
  t.throws(() => binding.fromJson('{"notBefore":"yesterday"}'), { message: /not an RFC 3339 timestamp/ })
})

t.test('Durations are decimal seconds with an s suffix', async (t) => {
  const shard = codecOf<Record<string, unknown>>('consumer.ShardSpec')
  t.equal(json(shard, '{"maxTxnDuration":"62.25s","minTxnDuration":"300s"}'), '{"maxTxnDuration":"62.250s","minTxnDuration":"300s"}')
  t.equal(json(shard, '{"maxTxnDuration":"-0.5s"}'), '{"maxTxnDuration":"-0.500s"}')
  t.equal(json(shard, '{"maxTxnDuration":"1.000001s"}'), '{"maxTxnDuration":"1.000001s"}')
  t.equal(json(shard, '{"maxTxnDuration":"0s"}'), '{"maxTxnDuration":"0s"}')
  t.throws(() => shard.fromJson('{"maxTxnDuration":"5m"}'), { message: /maxTxnDuration: not a duration/ })
})

t.test('input accepts proto field names as well as JSON names', async (t) => {
  t.equal(json(captureResponse, '{"sourced_schema":{"binding":1,"schema_json":{"type":"object"}}}'), '{"sourcedSchema":{"binding":1,"documentSchema":{"type":"object"}}}')
  t.equal(json(captureRequest, '{"spec":{"connector_type":"IMAGE","config_json":{}}}'), '{"spec":{"connectorType":"IMAGE","config":{}}}')
  t.equal(json(captureRequest, '{"internal":"AQ=="}'), '{"$internal":"AQ=="}')
})

t.test('null is absent; unknown keys are ignored', async (t) => {
  t.equal(json(captureRequest, '{"spec":null,"open":{"version":"v","state":null},"future":{"x":[1,{"y":null}]}}'), '{"open":{"version":"v"}}')
  t.equal(json(captureResponse, '{"checkpoint":{"state":{"updated":{"k":1},"mergePatch":true,"futureFlag":true}}}'), '{"checkpoint":{"state":{"updated":{"k":1},"mergePatch":true}}}')
})

t.test('output follows .proto declaration order and emits nothing else', async (t) => {
  // Discover declares name before connectorType and config; input order does not matter.
  t.equal(json(captureRequest, '{"discover":{"config":{"a":1},"connectorType":"IMAGE","name":"acmeCo/x"}}'), '{"discover":{"name":"acmeCo/x","connectorType":"IMAGE","config":{"a":1}}}')
  const keys = Object.keys(JSON.parse(json(materializeResponse, '{"opened":{"disableLoadOptimization":true}}')).opened as object)
  t.same(keys, ['disableLoadOptimization'])
})

t.test('map keys are sorted on output, in JSON and in protobuf; an empty key is left out of its entry', async (t) => {
  const text = '{"validate":{"name":"m","secrets":{"/z":"s1","":"whole","/a":"s2","10":"n10","9":"n9"}}}'
  const message = materializeRequest.fromJson(text)
  t.equal(materializeRequest.toJson(message), '{"validate":{"name":"m","secrets":{"":"whole","/a":"s2","/z":"s1","10":"n10","9":"n9"}}}')
  const proto = hex(materializeRequest.toProto(message))
  const entry = (key: string, value: string) => {
    const body = (key ? '0a' + key.length.toString(16).padStart(2, '0') + Buffer.from(key).toString('hex') : '') + '12' + value.length.toString(16).padStart(2, '0') + Buffer.from(value).toString('hex')
    return '42' + (body.length / 2).toString(16).padStart(2, '0') + body
  }
  const entries = entry('', 'whole') + entry('/a', 's2') + entry('/z', 's1') + entry('10', 'n10') + entry('9', 'n9')
  t.ok(proto.endsWith(entries), 'entries in byte order of their keys, "" without field 1')
  t.equal(materializeRequest.toJson(materializeRequest.fromProto(materializeRequest.toProto(message))), materializeRequest.toJson(message))
})

t.test('errors name the field path and the reason', async (t) => {
  t.throws(() => deriveRequest.fromJson('{"validate":{"transforms":[{"name":"a"},{"backfill":"many"}]}}'), {
    name: 'MessageError',
    message: 'derive.Request.validate.transforms[1].backfill: expected a number or a string holding one, got "many"',
  })
  t.throws(() => materializeRequest.fromJson('{"validate":{"secrets":{"/a":5}}}'), { message: /materialize\.Request\.validate\.secrets\["\/a"\]: expected a string/ })
  t.throws(() => captureRequest.fromJson('{"open":{"capture":{"bindings":{}}}}'), { message: /capture\.Request\.open\.capture\.bindings: expected an array/ })
  t.throws(() => captureRequest.fromJson('{"open":{}} trailing'), { message: /expected the end of the text at offset 12/ })
  t.throws(() => captureRequest.fromJson('[]'), MessageError)
  t.throws(() => captureRequest.fromProto(Buffer.from('0a05', 'hex')), { name: 'MessageError', message: /capture\.Request: not a valid protobuf message/ })
})
