// Which document locations a JSON schema declares: what `flowkit check` asks of a discovered key.
import t from 'tap'
import { schemaHasLocation } from '../../lib/runtime/schema-location.ts'

t.test('properties, nested, through $ref, combinators and array items', async (t) => {
  const schema = {
    type: 'object',
    $defs: { meta: { type: 'object', properties: { row_id: { type: 'integer' } } } },
    properties: {
      id: { type: 'integer' },
      'a/b': { type: 'string' },
      _meta: { $ref: '#/$defs/meta' },
      pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }] },
      list: { type: 'array', items: { type: 'object', properties: { x: { type: 'integer' } } } },
    },
    allOf: [{ properties: { extra: { type: 'string' } } }],
    anyOf: [{ properties: { alt: { type: 'string' } } }, { properties: {} }],
  }
  for (const pointer of ['/id', '/a~1b', '/_meta/row_id', '/pair/1', '/list/7/x', '/extra', '/alt', '']) t.ok(schemaHasLocation(schema, pointer), pointer)
  for (const pointer of ['/uid', '/_meta/other', '/pair/2', '/list/x', '/id/x']) t.notOk(schemaHasLocation(schema, pointer), pointer)
})

t.test('a location only additionalProperties allows is not declared; a self-referencing schema ends', async (t) => {
  t.notOk(schemaHasLocation({ type: 'object', additionalProperties: { type: 'integer' } }, '/id'))
  t.notOk(schemaHasLocation({ type: 'object', properties: { id: false } }, '/id'))
  const recursive = { $ref: '#', properties: { child: { $ref: '#' } } }
  t.ok(schemaHasLocation(recursive, '/child/child/child'))
  t.notOk(schemaHasLocation(recursive, '/other'))
  t.notOk(schemaHasLocation({ properties: { a: { $ref: 'other.json#/x' } } }, '/a/b'), 'a $ref outside the schema declares nothing')
})

t.test('a malformed pointer is an ArgumentError', async (t) => {
  t.throws(() => schemaHasLocation({}, 'id'), { name: 'ArgumentError' })
})
