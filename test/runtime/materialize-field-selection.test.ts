// Field selection from hand-written constraints, rule by rule, and the projections and requests
// the runtime builds from a catalog's materialization.
import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Projection } from '../../lib/protocol/index.ts'
import { CONSTRAINT, constraintsOf, selectFields, type FieldConstraint } from '../../lib/runtime/field-selection.ts'
import { loadMaterialization, type FieldsSpec } from '../../lib/runtime/materialize-catalog.ts'
import { fieldSelections, validateRequest } from '../../lib/runtime/materialize-requests.ts'
import { projectionsOf } from '../../lib/runtime/projections.ts'

const projections: Projection[] = [
  { field: 'alias', ptr: '/name', explicit: true },
  { field: 'flow_document', ptr: '' },
  { field: 'id', ptr: '/id', isPrimaryKey: true },
  { field: 'name', ptr: '/name' },
  { field: 'nested', ptr: '/nested' },
  { field: 'total', ptr: '/total' },
  { field: 'ts', ptr: '/ts' },
]
type Kind = keyof typeof CONSTRAINT
const constraints = (kinds: Record<string, Kind>) => new Map<string, FieldConstraint>(Object.entries(kinds).map(([field, kind]) => [field, { type: CONSTRAINT[kind], reason: `${kind.toLowerCase()} here` }]))
const standard: Record<string, Kind> = { flow_document: 'LOCATION_REQUIRED', id: 'LOCATION_REQUIRED', alias: 'LOCATION_RECOMMENDED', name: 'LOCATION_RECOMMENDED', nested: 'FIELD_OPTIONAL', total: 'LOCATION_RECOMMENDED', ts: 'LOCATION_RECOMMENDED' }
const fields = (spec: Partial<FieldsSpec> = {}): FieldsSpec => ({ recommended: true, include: {}, exclude: [], ...spec })
const select = (kinds: Record<string, Kind>, spec: Partial<FieldsSpec> = {}) =>
  selectFields({ where: 'binding 0 (acmeCo/orders)', key: ['/id'], projections, constraints: constraints(kinds), fields: fields(spec) })

t.test('keys in key order, the document, then recommended values sorted; one field per recommended location, the explicit one first', async (t) => {
  t.same(select(standard), { keys: ['id'], values: ['alias', 'total', 'ts'], document: 'flow_document', fieldConfigJsonMap: {} })
})

t.test('recommended: false keeps only required fields and locations', async (t) => {
  t.same(select({ ...standard, ts: 'FIELD_REQUIRED' }, { recommended: false }), { keys: ['id'], values: ['ts'], document: 'flow_document', fieldConfigJsonMap: {} })
})

t.test('include adds optional fields (with their config) and a second field of a location; exclude drops recommended ones', async (t) => {
  const selection = select(standard, { include: { nested: { width: 3 }, name: {} }, exclude: ['total', 'alias'] })
  t.same(selection, { keys: ['id'], values: ['name', 'nested', 'ts'], document: 'flow_document', fieldConfigJsonMap: { nested: '{"width":3}', name: '{}' } })
})

t.test('a field with no constraint is forbidden', async (t) => {
  const { ts: _ts, ...rest } = standard
  t.same(select(rest).values, ['alias', 'total'])
  t.throws(() => select(rest, { include: { ts: {} } }), { code: 'CONFIG_INVALID', message: /binding 0 \(acmeCo\/orders\): field "ts" is included, but the connector forbids it: the connector gave no constraint for it/ })
})

t.test('conflicts are errors naming binding and field, all at once', async (t) => {
  const kinds: Record<string, Kind> = { ...standard, nested: 'FIELD_FORBIDDEN', ts: 'INCOMPATIBLE', total: 'FIELD_REQUIRED' }
  const error = t.throws(() => select(kinds, { include: { nested: {}, ts: {} }, exclude: ['total', 'id'] })) as Error
  t.match(error.message, /field "nested" is included, but the connector forbids it: field_forbidden here/)
  t.match(error.message, /field "ts" is included, but the connector finds it incompatible: incompatible here/)
  t.match(error.message, /field "total" is excluded, but the connector requires it: field_required here/)
  t.match(error.message, /field "id" is excluded, but the connector requires a field at its location "\/id"/)
  t.match(error.message, /no field is selected for key location "\/id"/)
})

t.test('unknown fields, unknown constraint types, an unsatisfied required location', async (t) => {
  t.throws(() => select(standard, { include: { nope: {} } }), { message: /field "nope" is included, but the collection has no such projection/ })
  t.throws(() => select(standard, { exclude: ['nope'] }), { message: /field "nope" is excluded, but the collection has no such projection/ })
  t.throws(() => select({ ...standard, extra: 'FIELD_OPTIONAL' }), { message: /field "extra" has a constraint from the connector, but the collection has no such projection/ })
  t.throws(() => selectFields({ where: 'b', key: ['/id'], projections, constraints: new Map([...constraints(standard), ['ts', { type: 42, reason: '' }]]), fields: fields() }), { message: /field "ts" has a constraint of unknown type 42/ })
  t.throws(() => select({ ...standard, total: 'LOCATION_REQUIRED' }, { exclude: ['total'] }), { message: /field "total" is excluded, but the connector requires a field at its location "\/total"/ })
  t.equal(select({ ...standard, flow_document: 'FIELD_FORBIDDEN' }).document, '', 'a forbidden root document is not selected')
})

t.test('constraintsOf prefers projectionConstraints over the older map', async (t) => {
  const both = { constraints: { a: { type: 1, reason: 'old' } }, projectionConstraints: [{ field: 'b', constraint: { type: 3, reason: 'new' } }] }
  t.same([...constraintsOf(both)], [['b', { type: 3, reason: 'new' }]])
  t.same([...constraintsOf({ constraints: { a: { type: 1, reason: 'old' } } })], [['a', { type: 1, reason: 'old' }]])
})

t.test('a catalog materialization: projections, Validate, and selection from its answer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flowkit-fields-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const catalog = join(dir, 'flow.yaml')
  writeFileSync(catalog, JSON.stringify({
    collections: {
      'acmeCo/orders': {
        key: ['/id'],
        schema: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, kind: { enum: ['a', 1] }, meta: { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } } }, required: ['id', 'name'] },
        projections: { when: '/meta/at', part: { location: '/name', partition: true } },
      },
    },
    materializations: {
      'acmeCo/m': {
        endpoint: { local: { command: ['true'], config: { path: 'x' } } },
        bindings: [
          { resource: { table: 'o' }, source: { name: 'acmeCo/orders' }, fields: { recommended: false, include: { when: { x: 1 } }, exclude: ['kind'] } },
          { resource: { table: 'skip' }, source: 'acmeCo/orders', disable: true },
        ],
      },
    },
  }))
  const task = loadMaterialization(catalog)
  t.equal(task.bindings.length, 1, 'disabled bindings are left out')
  const projected = projectionsOf(task.bindings[0]!.collection)
  t.same(projected.map((p) => [p.field, p.ptr, p.explicit ?? false, p.isPrimaryKey ?? false, p.inference?.types, p.inference?.exists]), [
    ['flow_document', '', false, false, ['object'], 1],
    ['id', '/id', false, true, ['integer'], 1],
    ['kind', '/kind', false, false, ['integer', 'string'], 2],
    ['meta', '/meta', false, false, ['object'], 2],
    ['name', '/name', false, false, ['string'], 1],
    ['part', '/name', true, false, ['string'], 1],
    ['when', '/meta/at', true, false, ['string'], 2],
  ])
  t.equal(projected.find((p) => p.field === 'part')?.isPartitionKey, true)
  t.same(projected.find((p) => p.field === 'when')?.inference?.string, { format: 'date-time' })
  const validate = validateRequest(task).validate!
  t.same(validate.bindings?.[0]?.fieldConfigJsonMap, { when: '{"x":1}' })
  t.same(JSON.parse(validate.bindings?.[0]?.resourceConfigJson ?? ''), { table: 'o' })
  const answer = { constraints: { flow_document: { type: 2 }, id: { type: 2 }, name: { type: 3 }, when: { type: 4 }, kind: { type: 3 } } }
  t.same(fieldSelections(task, { bindings: [answer] }), [{ keys: ['id'], values: ['when'], document: 'flow_document', fieldConfigJsonMap: { when: '{"x":1}' } }])
  t.throws(() => loadMaterialization(catalog, 'acmeCo/other'), { code: 'CONFIG_INVALID', message: /materialization "acmeCo\/other" is not in the catalog; it defines: acmeCo\/m/ })
})
