// loadCapture on catalogs written to a temporary directory: imports, config and schema files,
// picking a capture, and the errors that say what to fix.
import t from 'tap'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadCapture } from '../../lib/runtime/catalog.ts'

const dir = mkdtempSync(join(tmpdir(), 'flowkit-catalog-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const write = (name: string, text: string) => {
  const path = join(dir, name)
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, text)
  return path
}

write('nested/collections.yaml', 'collections:\n  acme/a:\n    key: [/id]\n    schema: schemas/a.json\n  acme/b:\n    key: [/k, /j]\n    writeSchema: {type: object}\n    readSchema: {type: object, title: read}\n')
write('nested/schemas/a.json', '{"type":"object","title":"a"}')
write('nested/captures.json', JSON.stringify({
  import: ['collections.yaml'],
  captures: {
    'acme/local': {
      endpoint: { local: { command: ['node', 'main.js'], config: 'config/local.yaml', env: { A: 'x', N: 3 }, protobuf: true } },
      shards: { logLevel: 'debug' },
      bindings: [
        { resource: { name: 'a' }, target: 'acme/a' },
        { resource: { name: 'off' }, target: 'acme/a', disable: true },
        { resource: { name: 'b' }, target: 'acme/b', backfill: 2 },
      ],
    },
  },
}))
write('nested/config/local.yaml', 'count: 3\n')
const root = write('flow.yaml', 'import:\n  - nested/captures.json\ncaptures:\n  acme/image:\n    endpoint:\n      connector:\n        image: ghcr.io/acme/source:v1\n        config: {inline: true}\n    bindings: []\n')

t.test('follows imports; config and schema files are relative to the file that names them', async (t) => {
  const task = loadCapture(root, 'acme/local')
  t.same(task, {
    name: 'acme/local',
    endpoint: { type: 'local', command: ['node', 'main.js'], config: { count: 3 }, env: { A: 'x', N: '3' }, protobuf: true },
    bindings: [
      { resource: { name: 'a' }, collection: { name: 'acme/a', key: ['/id'], writeSchema: { type: 'object', title: 'a' } }, backfill: 0 },
      { resource: { name: 'b' }, collection: { name: 'acme/b', key: ['/k', '/j'], writeSchema: { type: 'object' } }, backfill: 2 },
    ],
    logLevel: 'debug',
  })
  t.same(loadCapture(root, 'acme/image').endpoint, { type: 'image', image: 'ghcr.io/acme/source:v1', config: { inline: true } })
})

t.test('picks the only capture; names them all when the choice is ambiguous or unknown', async (t) => {
  t.equal(loadCapture(join(dir, 'nested/captures.json')).name, 'acme/local')
  t.throws(() => loadCapture(root), { code: 'CONFIG_INVALID', message: 'the catalog defines 2 captures; name the one to run: acme/image, acme/local' })
  t.throws(() => loadCapture(root, 'acme/x'), { message: 'capture "acme/x" is not in the catalog; it defines: acme/image, acme/local' })
  t.throws(() => loadCapture(join(dir, 'nested/collections.yaml')), { message: /defines no captures$/ })
})

t.test('errors say what to fix', async (t) => {
  const capture = (endpoint: string, bindings = '[]') => `captures:\n  acme/c:\n    endpoint: ${endpoint}\n    bindings: ${bindings}\n`
  const cases: [string, string, RegExp][] = [
    ['missing-config.yaml', capture('{local: {command: [x], config: nope.yaml}}'), /^cannot read config \S*nope\.yaml: no such file$/],
    ['sealed-file.yaml', capture('{local: {command: [x], config: sealed.json}}'), /^config \S*sealed\.json is encrypted with sops; decrypt it first$/],
    ['sealed-inline.yaml', capture('{local: {command: [x], config: {a: "ENC[x]", sops: {mac: y}}}}'), /^the config of capture acme\/c is encrypted with sops; decrypt it first$/],
    ['bad-config.yaml', capture('{local: {command: [x], config: broken.yaml}}'), /^config \S*broken\.yaml is neither YAML nor JSON: /],
    ['no-target.yaml', capture('{local: {command: [x]}}', '[{resource: {}, target: acme/none}]'), /^capture acme\/c: binding 0 targets acme\/none, which the catalog does not define$/],
    ['no-command.yaml', capture('{local: {command: []}}'), /^capture acme\/c: endpoint\.local\.command must be a non-empty list/],
    ['no-endpoint.yaml', capture('{remote: {}}'), /must be `local` \(a command\) or `connector` \(an image\)$/],
    ['import-missing.yaml', 'import: [gone.yaml]\n', /^cannot read catalog \S*gone\.yaml: no such file$/],
    ['twice.yaml', `import: [nested/captures.json]\n${capture('{local: {command: [x]}}').replace('acme/c', 'acme/local')}`, /^captures acme\/local is defined twice: /],
  ]
  write('sealed.json', '{"count":"ENC[AES256_GCM,data:x]","sops":{"version":"3.8.1"}}')
  write('broken.yaml', 'a: [1,\n')
  for (const [name, text, message] of cases) t.throws(() => loadCapture(write(name, text)), { code: 'CONFIG_INVALID', message }, name)
})
