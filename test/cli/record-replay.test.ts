// flowkit record and flowkit replay: a recorded preview, replayed through a preview, commits the
// same documents, in the same transactions, and leaves the same state, in both codecs, for a
// flowkit capture and for the Airbyte shim.
import t from 'tap'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { flowkit, root, runCli, tempDir } from '../helpers/cli.ts'

const examples = [
  ['source-hello', 'examples/source-hello/flow.yaml'],
  ['airbyte-hello', 'examples/airbyte-hello/flow.yaml'],
] as const

/** The example's catalog with its capture speaking `codec`, written into `dir`. */
function exampleCatalog(dir: string, file: string, codec: string): { path: string; catalog: any; capture: string } {
  const catalog = parse(readFileSync(join(root, file), 'utf8'))
  const [capture, spec] = Object.entries(catalog.captures)[0] as [string, any]
  spec.endpoint.local.protobuf = codec === 'proto'
  const path = join(dir, `source-${codec}.yaml`)
  writeFileSync(path, stringify(catalog))
  return { path, catalog, capture }
}

/** A catalog whose capture replays `stream`, a binding per collection of the original. */
function replayCatalog(dir: string, original: any, capture: string, stream: string, codec: string): string {
  const bindings = original.captures[capture].bindings.map((b: any) => ({ resource: { collection: b.target }, target: b.target }))
  const catalog = {
    captures: { 'acmeCo/replayed': { endpoint: { local: { command: ['node', flowkit, 'replay', stream], config: {}, protobuf: codec === 'proto' } }, bindings } },
    collections: original.collections,
  }
  const path = join(dir, `replay-${codec}.yaml`)
  writeFileSync(path, stringify(catalog))
  return path
}

for (const [name, file] of examples) {
  for (const codec of ['json', 'proto']) {
    t.test(`${name}, ${codec}: a replayed recording commits what the capture committed`, async (t) => {
      const dir = tempDir()
      t.teardown(() => rmSync(dir, { recursive: true, force: true }))
      const source = exampleCatalog(dir, file, codec)
      const stream = join(dir, 'recorded.msgpack')
      const recorded = await runCli(['record', '--source', source.path, '--sessions', '2', '-o', stream])
      t.equal(recorded.code, 0, recorded.stderr)
      t.match(recorded.stderr, /recorded \d+ documents in \d+ transactions/)

      const direct = await runCli(['preview', '--source', source.path, '--sessions', '2', '--output-state'])
      t.equal(direct.code, 0, direct.stderr)
      const replayed = await runCli(['preview', '--source', replayCatalog(dir, source.catalog, source.capture, stream, codec), '--sessions', '1', '--output-state'])
      t.equal(replayed.code, 0, replayed.stderr)
      t.ok(direct.stdout.length > 0)
      t.equal(replayed.stdout, direct.stdout, 'the same documents, transaction boundaries and final state, byte for byte')
    })
  }
}

t.test('replay: --loop and --rate, and a truncated file fails with its offset', async (t) => {
  const dir = tempDir()
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const source = exampleCatalog(dir, 'examples/source-hello/flow.yaml', 'json')
  const stream = join(dir, 'recorded.msgpack')
  t.equal((await runCli(['record', '--source', source.path, '-o', stream])).code, 0)
  const once = await runCli(['preview', '--source', replayCatalog(dir, source.catalog, source.capture, stream, 'json'), '--sessions', '1'])
  const catalog = parse(readFileSync(join(dir, 'replay-json.yaml'), 'utf8'))
  catalog.captures['acmeCo/replayed'].endpoint.local.command.push('--loop', '2', '--rate', '20000')
  writeFileSync(join(dir, 'loop.yaml'), stringify(catalog))
  const started = performance.now()
  const twice = await runCli(['preview', '--source', join(dir, 'loop.yaml'), '--sessions', '1'])
  const seconds = (performance.now() - started) / 1000
  t.equal(twice.code, 0, twice.stderr)
  const lines = (text: string) => text.split('\n').filter(Boolean)
  t.equal(lines(twice.stdout).length, 2 * lines(once.stdout).length, 'every document twice')
  t.ok(seconds >= (2 * lines(once.stdout).length) / 20000, `at most 20000 documents per second (${seconds.toFixed(2)} s)`)

  const bytes = readFileSync(stream)
  writeFileSync(stream, bytes.subarray(0, bytes.length - 5))
  const cut = await runCli(['preview', '--source', join(dir, 'replay-json.yaml'), '--sessions', '1'])
  t.equal(cut.code, 1)
  t.match(cut.stderr, /sample stream truncated at offset \d+/)
})

t.test('flowkit sample: each shape replays through a preview, every document valid against its recorded schema', async (t) => {
  const dir = tempDir()
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const sizes: Record<string, number> = {}
  for (const shape of ['small', 'nested', 'wide', 'mix']) {
    const stream = join(dir, `${shape}.msgpack`)
    const made = await runCli(['sample', '--shape', shape, '--documents', '2500', '--seed', '7', '-o', stream])
    t.equal(made.code, 0, made.stderr)
    const again = join(dir, `${shape}-again.msgpack`)
    await runCli(['sample', '--shape', shape, '--documents', '2500', '--seed', '7', '-o', again])
    t.ok(readFileSync(stream).equals(readFileSync(again)), `${shape}: the same seed gives the same bytes`)
    const collections = shape === 'mix' ? ['small', 'nested', 'wide'] : [shape]
    const { readSampleStream } = await import('../../lib/codec/sample-stream.ts')
    const { createReadStream } = await import('node:fs')
    const file = createReadStream(stream)
    const { header } = await readSampleStream(file)
    file.destroy()
    const catalog = {
      captures: { 'acmeCo/replayed': { endpoint: { local: { command: ['node', flowkit, 'replay', stream], config: {} } }, bindings: header.bindings.map((b) => ({ resource: { collection: b.collection }, target: b.collection })) } },
      collections: Object.fromEntries(header.bindings.map((b) => [b.collection, { key: b.key, schema: b.schema }])),
    }
    t.same(header.bindings.map((b) => b.collection), collections.map((c) => `flowkit/sample/${c}`))
    writeFileSync(join(dir, `${shape}.yaml`), stringify(catalog))
    const run = await runCli(['preview', '--source', join(dir, `${shape}.yaml`), '--sessions', '1'])
    t.equal(run.code, 0, run.stderr)
    const docs = run.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as [string, { id: number }])
    t.equal(docs.length, 2500, `${shape}: every document, each valid (preview checks them against the schema)`)
    sizes[shape] = (run.stdout.length - docs.length) / docs.length
    if (shape === 'wide') t.equal(Object.keys(docs[0]?.[1] ?? {}).length, 200, 'a wide document has 200 fields')
  }
  t.ok((sizes.small ?? 0) < 200, `small documents are small (${sizes.small?.toFixed(0)} B)`)
  t.ok((sizes.nested ?? 0) > 3000 && (sizes.nested ?? 0) < 6000, `nested documents are ~4 KiB (${sizes.nested?.toFixed(0)} B)`)
})
