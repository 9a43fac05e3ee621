// `flowkit transcode`, spawned as a user runs it, on the worked examples, every golden vector,
// and bad input.
import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { vectors, worked } from '../protocol/vectors.ts'

const flowkit = fileURLToPath(new URL('../../lib/cli/flowkit.js', import.meta.url))

interface Run {
  code: number | null
  stdout: Buffer
  stderr: string
}

function run(args: string[], input: Uint8Array | string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [flowkit, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }))
    child.stdin.on('error', () => {}) // the child may exit before reading everything
    child.stdin.end(input)
  })
}

const transcode = (protocol: string, message: string, from: string, to: string) => [
  'transcode', '--protocol', protocol, '--message', message, '--from', from, '--to', to,
]

const frame = (hex: string) => {
  const body = Buffer.from(hex, 'hex')
  const prefix = Buffer.alloc(4)
  prefix.writeUInt32LE(body.length)
  return Buffer.concat([prefix, body])
}

t.test('the worked examples become exactly the bytes shown, and back', async (t) => {
  t.ok(worked.length >= 5)
  for (const example of worked) {
    const args = (from: string, to: string) => transcode('capture', example.kind, from, to)
    const toProto = await run(args('json', 'proto'), example.json + '\n')
    t.equal(toProto.code, 0, toProto.stderr)
    t.equal(toProto.stdout.toString('hex'), example.framed.replace(/\s+/g, ''), `${example.json} → protobuf`)
    const toJson = await run(args('proto', 'json'), Buffer.from(example.framed.replace(/\s+/g, ''), 'hex'))
    t.equal(toJson.code, 0, toJson.stderr)
    t.equal(toJson.stdout.toString(), example.json + '\n', `protobuf → ${example.json}`)
  }
})

t.test('every golden vector transcodes both ways, one stream per message type', async (t) => {
  const groups = new Map<string, (typeof vectors)[number][]>()
  for (const vector of vectors) {
    const key = `${vector.protocol} ${vector.kind}`
    groups.set(key, [...(groups.get(key) ?? []), vector])
  }
  t.equal(groups.size, 6, 'all three protocols, requests and responses')
  for (const [key, group] of groups) {
    const [protocol, kind] = key.split(' ') as [string, string]
    const jsonIn = group.map((v) => v.json + '\n').join('')
    const protoIn = Buffer.concat(group.map((v) => frame(v.proto)))

    const toProto = await run(transcode(protocol, kind, 'json', 'proto'), jsonIn)
    t.equal(toProto.code, 0, toProto.stderr)
    t.equal(toProto.stdout.toString('hex'), protoIn.toString('hex'), `${key}: JSON → protobuf`)

    const toJson = await run(transcode(protocol, kind, 'proto', 'json'), protoIn)
    t.equal(toJson.code, 0, toJson.stderr)
    t.equal(toJson.stdout.toString(), jsonIn, `${key}: protobuf → JSON`)

    const normalised = await run(transcode(protocol, kind, 'json', 'json'), jsonIn)
    t.equal(normalised.stdout.toString(), jsonIn, `${key}: JSON → JSON is unchanged`)
    const same = await run(transcode(protocol, kind, 'proto', 'proto'), protoIn)
    t.equal(same.stdout.toString('hex'), protoIn.toString('hex'), `${key}: protobuf → protobuf is unchanged`)
  }
})

t.test('JSON input is normalised: names, order, defaults, blank lines', async (t) => {
  const input = '\n{"acknowledge":{"checkpoints":"2"},"future":1}\n\n{"spec":{"config_json":{"a": 1},"connector_type":7}}\n'
  const result = await run(transcode('capture', 'request', 'json', 'json'), input)
  t.equal(result.code, 0, result.stderr)
  t.equal(result.stdout.toString(), '{"acknowledge":{"checkpoints":2}}\n{"spec":{"connectorType":"IMAGE","config":{"a": 1}}}\n')
})

t.test('a line that is not a message fails naming the line and the reason; frames before it are written', async (t) => {
  const input = '{"acknowledge":{}}\n{"acknowledge":{"checkpoints":-3}}\n'
  const result = await run(transcode('capture', 'request', 'json', 'json'), input)
  t.equal(result.code, 1)
  t.match(result.stderr, /line 2/)
  t.match(result.stderr, /capture\.Request\.acknowledge\.checkpoints: expected an unsigned 32-bit integer, got -3/)
  t.equal(result.stdout.toString(), '{"acknowledge":{}}\n')
})

t.test('a truncated protobuf stream fails naming how many bytes were missing', async (t) => {
  const whole = frame('32020801')
  const result = await run(transcode('capture', 'request', 'proto', 'json'), whole.subarray(0, whole.length - 2))
  t.equal(result.code, 1)
  t.match(result.stderr, /2 missing/)
})

t.test('an oversized frame fails before it is read whole', async (t) => {
  const header = Buffer.alloc(4)
  header.writeUInt32LE(1 << 20)
  const result = await run([...transcode('capture', 'response', 'proto', 'json'), '--max-frame-bytes', '1024'], header)
  t.equal(result.code, 1)
  t.match(result.stderr, /1048576/)
  t.match(result.stderr, /1024/)
})

t.test('usage errors exit 2 and say what was wrong', async (t) => {
  const missing = await run(['transcode', '--protocol', 'capture'], '')
  t.equal(missing.code, 2)
  t.match(missing.stderr, /--message is required/)
  const wrong = await run(transcode('capture', 'request', 'json', 'yaml'), '')
  t.equal(wrong.code, 2)
  t.match(wrong.stderr, /--to must be one of json, proto; got "yaml"/)
  const unknown = await run(['frobnicate'], '')
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /unknown command "frobnicate"/)
  const option = await run(['transcode', '--protocl', 'capture'], '')
  t.equal(option.code, 2, 'an unknown option is a usage error')
  t.match(option.stderr, /^flowkit transcode: Unknown option '--protocl'.*run 'flowkit transcode --help'/)
  t.notMatch(option.stderr, /\n\s+at /, 'no stack trace')
})
