// Documents checked against their collection's schema and key, as a session checks each one:
// schema errors with their paths, key locations (RFC 6901 pointers), formats, local
// references, Flow's annotations, and the schemas that cannot be used at all.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import type { CaptureTask, Collection } from '../../lib/runtime/catalog.ts'
import { runCaptureSession, type Transaction } from '../../lib/runtime/capture-session.ts'
import { locate, parsePointer } from '../../lib/json/pointer.ts'
import { compileCollection, describeProblems, documentChecker } from '../../lib/runtime/document-check.ts'

const collection = (writeSchema: unknown, key: string[] = ['/id'], name = 'acmeCo/things'): Collection => ({ name, key, writeSchema })

const greeting = {
  type: 'object',
  properties: { id: { type: 'integer' }, ts: { type: 'string', format: 'date-time' }, tags: { type: 'array', items: { type: 'string' } } },
  required: ['id', 'ts'],
}

t.test('a document that matches the schema and has every key location passes', async (t) => {
  const validator = compileCollection(collection(greeting))
  t.equal(validator.problems({ id: 1, ts: '2026-01-01T00:00:00Z' }), undefined)
  t.equal(validator.problems({ id: 2, ts: '2026-01-01T00:00:01.250+02:00', tags: ['a'], other: true }), undefined)
})

t.test('schema errors carry the path of the failing location', async (t) => {
  const validator = compileCollection(collection(greeting))
  t.same(validator.problems({ id: 'x', ts: '2026-01-01T00:00:00Z', tags: ['a', 7] }), {
    key: ['x'],
    missingKeys: [],
    errors: [
      { path: '/id', message: 'must be integer' },
      { path: '/tags/1', message: 'must be string' },
    ],
  })
})

t.test('a missing required property is reported at its own path', async (t) => {
  const validator = compileCollection(collection(greeting))
  t.same(validator.problems({ id: 3 })?.errors, [{ path: '/ts', message: 'required property missing' }])
  const nested = compileCollection(collection({ type: 'object', properties: { a: { type: 'object', required: ['b/c', 'd~e'] } } }))
  t.same(nested.problems({ id: 1, a: {} })?.errors, [
    { path: '/a/b~1c', message: 'required property missing' },
    { path: '/a/d~0e', message: 'required property missing' },
  ])
})

t.test('a property refused by additionalProperties: false is named', async (t) => {
  const validator = compileCollection(collection({ type: 'object', properties: { id: {} }, additionalProperties: false }))
  t.same(validator.problems({ id: 1, extra: 2 })?.errors, [{ path: '/extra', message: 'property not allowed' }])
  const typed = compileCollection(collection({ type: 'object', properties: { id: {} }, additionalProperties: { type: 'string' } }))
  t.same(typed.problems({ id: 1, a: 'x', b: 2 })?.errors, [{ path: '/b', message: 'must be string' }], 'the failing property, not a summary')
})

t.test('date-time and other formats are checked; unknown formats are annotations', async (t) => {
  const validator = compileCollection(collection(greeting))
  for (const ts of ['2026-13-01T00:00:00Z', '2026-01-01 00:00:00Z', 'yesterday', '2026-01-01']) {
    t.same(validator.problems({ id: 1, ts })?.errors, [{ path: '/ts', message: 'must match format "date-time"' }], ts)
  }
  const formats = compileCollection(collection({ properties: { d: { format: 'date' }, u: { format: 'uuid' }, e: { format: 'email' }, x: { format: 'flow-specific' } } }))
  t.equal(formats.problems({ id: 1, d: '2026-02-28', u: '123e4567-e89b-12d3-a456-426614174000', e: 'a@example.com', x: 'anything' }), undefined)
  t.same(formats.problems({ id: 1, d: '2026-2-28', u: 'not-a-uuid' })?.errors.map((e) => e.path), ['/d', '/u'])
})

t.test('a missing key location fails even when the schema allows it', async (t) => {
  const validator = compileCollection(collection({ type: 'object' }, ['/id', '/part']))
  t.same(validator.problems({ id: 1 }), { key: [1, undefined], missingKeys: ['/part'], errors: [] })
  t.same(validator.problems({ id: 1, part: null }), undefined, 'null is a value')
})

t.test('key pointers: ~1 and ~0 escapes, array indices', async (t) => {
  const validator = compileCollection(collection({ type: 'object' }, ['/a~1b', '/c~0d/0', '/list/1/name']))
  const doc = { 'a/b': 'x', 'c~d': [4], list: [{}, { name: 'second' }] }
  t.equal(validator.problems(doc), undefined)
  t.same(validator.problems({ ...doc, list: [{ name: 'first' }] })?.missingKeys, ['/list/1/name'], 'an index beyond the end')
  t.same(validator.problems({ ...doc, 'c~d': { 0: 4 } }), undefined, 'an object with the key "0"')
  t.same(validator.problems({ 'a~1b': 'x', 'c~d': [4], list: doc.list })?.missingKeys, ['/a~1b'], 'the escape is decoded')

  t.same(parsePointer(''), [])
  t.same(parsePointer('/'), [''])
  t.same(parsePointer('/a~01/b~10'), ['a~1', 'b/0'])
  for (const [tokens, value, found] of [
    [['01'], ['a', 'b'], false],
    [['-'], ['a'], false],
    [['1'], ['a', 'b'], true],
    [['x'], 'text', false],
    [['toString'], {}, false],
  ] as const) {
    t.equal(locate(value, tokens).found, found, `${JSON.stringify(tokens)} in ${JSON.stringify(value)}`)
  }
})

t.test('local references: $defs, definitions, anchors, bundled $ids, recursion', async (t) => {
  const defs = compileCollection(collection({ $defs: { Id: { type: 'integer', minimum: 1 } }, type: 'object', properties: { id: { $ref: '#/$defs/Id' } } }))
  t.equal(defs.problems({ id: 5 }), undefined)
  t.same(defs.problems({ id: 0 })?.errors, [{ path: '/id', message: 'must be >= 1' }])

  const draft7 = compileCollection(collection({ $schema: 'http://json-schema.org/draft-07/schema#', definitions: { Id: { type: 'integer' } }, properties: { id: { $ref: '#/definitions/Id' } } }))
  t.same(draft7.problems({ id: 'x' })?.errors, [{ path: '/id', message: 'must be integer' }])

  const anchor = compileCollection(collection({ $defs: { Id: { $anchor: 'id', type: 'integer' } }, properties: { id: { $ref: '#id' } } }))
  t.same(anchor.problems({ id: 'x' })?.errors, [{ path: '/id', message: 'must be integer' }])

  // As Flow bundles a schema with the files it references.
  const bundled = compileCollection(
    collection({
      $id: 'file:///flow/things.schema.yaml',
      $defs: { 'file:///flow/id.schema.yaml': { $id: 'file:///flow/id.schema.yaml', type: 'integer' } },
      properties: { id: { $ref: 'id.schema.yaml' } },
    }),
  )
  t.same(bundled.problems({ id: 'x' })?.errors, [{ path: '/id', message: 'must be integer' }])

  const tree = compileCollection(collection({ $defs: { node: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/$defs/node' } } } } }, $ref: '#/$defs/node' }))
  t.equal(tree.problems({ id: 1, kids: [{ kids: [] }] }), undefined)
  t.same(tree.problems({ id: 1, kids: [{ kids: [7] }] })?.errors, [{ path: '/kids/0/kids/0', message: 'must be object' }])
})

t.test("Flow's reduce annotations and other unknown keywords are ignored", async (t) => {
  const validator = compileCollection(
    collection({ type: 'object', reduce: { strategy: 'merge' }, properties: { n: { type: 'integer', reduce: { strategy: 'sum' } }, s: { type: 'string', secret: true } } }),
  )
  t.equal(validator.problems({ id: 1, n: 2, s: 'x' }), undefined)
  t.same(validator.problems({ id: 1, n: 2.5 })?.errors, [{ path: '/n', message: 'must be integer' }])
})

t.test('schemas that cannot be used are ConfigErrors naming the collection', async (t) => {
  const cases: [string, unknown, string[], RegExp][] = [
    ['an unknown type', { type: 'strng' }, ['/id'], /^collection acmeCo\/things: its schema is not a valid JSON schema: \/type: must be equal to one of the allowed values/],
    ['a keyword of the wrong kind', { type: 'object', required: 'id' }, ['/id'], /^collection acmeCo\/things: its schema is not a valid JSON schema: \/required: must be array$/],
    ['a pattern that is not a regular expression', { properties: { a: { pattern: '(' } } }, ['/id'], /: \/properties\/a\/pattern: must match format "regex"$/],
    ['not a schema at all', 42, ['/id'], /: its schema is not a valid JSON schema: \(root\): must be either object or boolean$/],
    ['a $ref to a URL', { properties: { a: { $ref: 'https://example.com/a.json' } } }, ['/id'], /^collection acmeCo\/things: its schema's \$ref "https:\/\/example\.com\/a\.json" does not resolve within the schema \(references to other files or URLs are not supported\)$/],
    ['a $ref to another file', { items: [{ $ref: 'other.schema.yaml' }] , $schema: 'http://json-schema.org/draft-07/schema#' }, ['/id'], /\$ref "other\.schema\.yaml" does not resolve/],
    ['a $ref to a missing definition', { $defs: {}, properties: { a: { $ref: '#/$defs/Missing' } } }, ['/id'], /\$ref "#\/\$defs\/Missing" does not resolve/],
    ['a key that is not a pointer', { type: 'object' }, ['id'], /^collection acmeCo\/things: key "id" is not a JSON pointer: it must be empty or start with "\/"$/],
    ['a key with a bad escape', { type: 'object' }, ['/a~2'], /^collection acmeCo\/things: key "\/a~2" is not a JSON pointer: "~" must be followed by 0 or 1/],
  ]
  for (const [what, schema, key, message] of cases) t.throws(() => compileCollection(collection(schema, key)), { code: 'CONFIG_INVALID', message }, what)
})

t.test('the error names the collection, the binding, the key and the first few problems', async (t) => {
  const task = taskOf([collection({ type: 'object' }), collection({ ...greeting, properties: { ...greeting.properties, n: { type: 'number' }, m: { type: 'number' } } }, ['/kind', '/id'], 'acmeCo/greetings')])
  const validator = documentChecker(task)
  t.equal(documentChecker(task), validator, 'compiled once per task')
  validator.check(0, { id: 1 })
  t.throws(() => validator.check(1, { kind: 'a', id: 3, ts: 5 }), {
    name: 'DocumentError',
    code: 'DOCUMENT_INVALID',
    message: 'document for acmeCo/greetings (binding 1) with key ["a",3] does not match its schema: /ts: must be string',
  })
  t.throws(() => validator.check(1, { kind: 'a', ts: 1, n: 'x', m: 'y', tags: 'z' }), {
    message: 'document for acmeCo/greetings (binding 1) with key ["a",(missing)] has no value at key pointer "/id", and does not match its schema: /id: required property missing; /ts: must be string; /tags: must be array; and 2 more',
  })
  t.throws(() => validator.check(0, { name: 'no id' }), { message: 'document for acmeCo/things (binding 0) with key [(missing)] has no value at key pointer "/id"' })
  t.throws(() => validator.check(0, []), { message: 'document for acmeCo/things (binding 0) with key [(missing)] has no value at key pointer "/id", and does not match its schema: (root): must be object' })

  const long = 'x'.repeat(200)
  const text = describeProblems('acmeCo/things', 0, { key: [long, { a: 1 }], missingKeys: [], errors: [{ path: '/a', message: 'must be string' }] })
  t.equal(text, `document for acmeCo/things (binding 0) with key ["${'x'.repeat(78)}…,{"a":1}] does not match its schema: /a: must be string`)
})

t.test('the schemas are compiled before the connector starts', async (t) => {
  const task = taskOf([collection({ type: 'nothing' })])
  let started = false
  await t.rejects(runCaptureSession(task, { onLog: () => (started = true) }), { code: 'CONFIG_INVALID', message: /^collection acmeCo\/things: its schema is not a valid JSON schema/ })
  t.equal(started, false)
})

const fixture = fileURLToPath(new URL('../fixtures/scripted-connector.ts', import.meta.url))

t.test('a session stops at the first invalid document; earlier transactions were committed', async (t) => {
  const script = [
    { opened: {} },
    { captured: { doc: { id: 1, ts: '2026-01-01T00:00:00Z' } } },
    { checkpoint: { state: { updated: { cursor: 1 }, mergePatch: true } } },
    { captured: { doc: { id: 2, ts: '2026-01-01T00:00:01Z' } } },
    { captured: { doc: { id: 3, ts: 'soon' } } },
    { checkpoint: { state: { updated: { cursor: 3 }, mergePatch: true } } },
  ]
  const task = taskOf([collection(greeting, ['/id'], 'acmeCo/greetings')], script)
  const transactions: Transaction[] = []
  await t.rejects(runCaptureSession(task, { onTransaction: (tx) => void transactions.push(tx) }), {
    code: 'DOCUMENT_INVALID',
    message: 'document for acmeCo/greetings (binding 0) with key [3] does not match its schema: /ts: must match format "date-time"',
  })
  t.same(transactions, [{ documents: [[0, '{"id":1,"ts":"2026-01-01T00:00:00Z"}']], sourcedSchemas: [], state: { cursor: 1 } }])

  const unchecked = await runCaptureSession(task, { checkDocuments: false })
  t.same(unchecked, { state: { cursor: 3 }, transactions: 2, documents: 3, stopped: false }, 'checkDocuments: false lets it through')
})

t.test('sourced schemas are not checked', async (t) => {
  const script = [{ opened: {} }, { sourcedSchema: { documentSchema: { type: 'not a type' } } }, { checkpoint: { state: { updated: {}, mergePatch: true } } }]
  const result = await runCaptureSession(taskOf([collection(greeting)], script))
  t.equal(result.transactions, 1)
})

/** A capture with a binding per collection, whose connector plays `script`. */
function taskOf(collections: Collection[], script: object[] = []): CaptureTask {
  return {
    name: 'acmeCo/validated',
    endpoint: {
      type: 'local',
      command: [process.execPath, '--import', 'tsx', fixture],
      config: {},
      env: { SCRIPT: script.map((line) => JSON.stringify(line) + '\n').join('') },
      protobuf: false,
    },
    bindings: collections.map((c, i) => ({ resource: { name: `r${i}` }, collection: c, backfill: 0 })),
  }
}
