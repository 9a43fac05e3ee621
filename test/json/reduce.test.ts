// Flow's reduction annotations: every strategy on worked examples (the cases of Flow's
// reduction-strategy documentation, restated), where annotations apply in a schema, errors,
// full and associative reductions, combine over a key, and associativity as a property.
import t from 'tap'
import type { Test } from 'tap'
import assert from 'node:assert'
import fc from 'fast-check'
import { compileReducer, type ReduceOptions, type Reducer } from '../../lib/json/reduce.ts'
import { compareJson, compareStrings } from '../../lib/json/compare.ts'
import { ArgumentError, ReduceError } from '../../lib/errors.ts'

/** Reduces each document into the result of those before it (the first is taken as it is), checking each result. */
function sequence(t: Test, reducer: Reducer, steps: readonly (readonly [unknown, unknown])[], options: ReduceOptions = {}): unknown {
  let [document] = steps[0] as [unknown, unknown]
  for (const [right, expected] of steps.slice(1)) {
    document = reducer.reduce(document, right, options)
    t.same(document, expected, `after ${JSON.stringify(right)}`)
  }
  return document
}

/** A keyed collection schema whose `value` has the given schema: Flow's documentation examples have this shape. */
const collection = (value: object) => ({ type: 'object', reduce: { strategy: 'merge' }, properties: { key: { type: 'string' }, value }, required: ['key'] })

/** Asserts that reducing throws a ReduceError with this code, location and strategy. */
function refuses(t: Test, run: () => unknown, code: string, location: string, strategy: string, message?: RegExp) {
  t.throws(run, { name: 'ReduceError', code, location, strategy, ...(message ? { message } : {}) }, `${code} at ${location || '(root)'}`)
}

t.test('lastWriteWins is the default; firstWriteWins keeps the first value', async (t) => {
  const reducer = compileReducer({ type: 'object', reduce: { strategy: 'merge' }, properties: { fww: { reduce: { strategy: 'firstWriteWins' } }, lww: { reduce: { strategy: 'lastWriteWins' } } } })
  sequence(t, reducer, [
    [{ key: 'k', fww: 'one', lww: 'one', plain: 1 }, null],
    [{ key: 'k', fww: 'two', lww: 'two', plain: 2 }, { key: 'k', fww: 'one', lww: 'two', plain: 2 }],
    [{ key: 'k', fww: null, lww: null, plain: { x: 1 } }, { key: 'k', fww: 'one', lww: null, plain: { x: 1 } }],
  ])
  // With no annotation at all, the later document replaces the earlier one whole.
  t.same(compileReducer({ type: 'object' }).reduce({ a: 1, b: 2 }, { a: 3 }), { a: 3 })
  t.same(compileReducer(true).reduce([1], 'x'), 'x')
  // A property the later document lacks is kept; one only it has is taken.
  t.same(reducer.reduce({ key: 'k', fww: 'a' }, { key: 'k', lww: 'b' }), { fww: 'a', key: 'k', lww: 'b' })
})

t.test('append extends the left array; a null left stays null; the right must be an array', async (t) => {
  const reducer = compileReducer(collection({ type: ['array', 'null'], reduce: { strategy: 'append' } }))
  sequence(t, reducer, [
    [{ key: 'k', value: [1, 2] }, null],
    [{ key: 'k', value: [3, null, 'abc'] }, { key: 'k', value: [1, 2, 3, null, 'abc'] }],
    [{ key: 'k', value: [] }, { key: 'k', value: [1, 2, 3, null, 'abc'] }],
  ])
  t.same(reducer.reduce({ key: 'k', value: null }, { key: 'k', value: [4] }), { key: 'k', value: null })
  t.same(reducer.reduce({ key: 'k' }, { key: 'k', value: [4] }), { key: 'k', value: [4] })
  refuses(t, () => reducer.reduce({ key: 'k', value: [1] }, { key: 'k', value: 'whoops' }), 'REDUCE_WRONG_TYPE', '/value', 'append', /strategy append expects arrays/)
  refuses(t, () => reducer.reduce({ key: 'k', value: {} }, { key: 'k', value: [1] }), 'REDUCE_WRONG_TYPE', '/value', 'append')
  // lastWriteWins for null, append otherwise: a null resets, and appends then start over.
  const resettable = compileReducer(collection({ if: { type: 'null' }, then: { reduce: { strategy: 'lastWriteWins' } }, else: { reduce: { strategy: 'append' } } }))
  sequence(t, resettable, [
    [{ key: 'k', value: [1] }, null],
    [{ key: 'k', value: null }, { key: 'k', value: null }],
    [{ key: 'k', value: [2] }, { key: 'k', value: null }],
  ])
})

t.test('sum adds numbers, and numeric strings exactly', async (t) => {
  const reducer = compileReducer(collection({ reduce: { strategy: 'sum' } }))
  sequence(t, reducer, [
    [{ key: 'k', value: 5 }, null],
    [{ key: 'k', value: -1.2 }, { key: 'k', value: 3.8 }],
    [{ key: 'k', value: 0.2 }, { key: 'k', value: 4 }],
  ])
  // A string spelling a decimal number is added with arbitrary precision, and the sum is a string.
  sequence(t, reducer, [
    [{ key: 'k', value: 5 }, null],
    [{ key: 'k', value: '-1.2' }, { key: 'k', value: '3.8' }],
    [{ key: 'k', value: '9000000000000000000' }, { key: 'k', value: '9000000000000000003.8' }],
    [{ key: 'k', value: '10000000000000000000.05' }, { key: 'k', value: '19000000000000000003.85' }],
    [{ key: 'k', value: 0.1 }, { key: 'k', value: '19000000000000000003.95' }],
    [{ key: 'k', value: '-1e3' }, { key: 'k', value: '18999999999999999003.95' }],
  ])
  // A location only the right-hand document has is added to 0.
  t.same(reducer.reduce({ key: 'k' }, { key: 'k', value: 7 }), { key: 'k', value: 7 })
  t.same(reducer.reduce({ key: 'k' }, { key: 'k', value: '1.50' }), { key: 'k', value: '1.50' })
  refuses(t, () => reducer.reduce({ key: 'k', value: 1 }, { key: 'k', value: 'whoops' }), 'REDUCE_WRONG_TYPE', '/value', 'sum', /expects numbers or strings of decimal numbers \(left: the number 1, right: the string "whoops"\)/)
  refuses(t, () => reducer.reduce({ key: 'k' }, { key: 'k', value: true }), 'REDUCE_WRONG_TYPE', '/value', 'sum', /left: no value/)
  refuses(t, () => reducer.reduce({ key: 'k', value: null }, { key: 'k', value: 1 }), 'REDUCE_WRONG_TYPE', '/value', 'sum')
  refuses(t, () => reducer.reduce({ key: 'k', value: Number.MAX_VALUE }, { key: 'k', value: Number.MAX_VALUE }), 'REDUCE_OVERFLOW', '/value', 'sum', /not a finite number/)
  // Changes too small for a double are lost, as in Flow.
  t.same(reducer.reduce({ key: 'k', value: Number.MAX_VALUE }, { key: 'k', value: -1 }), { key: 'k', value: Number.MAX_VALUE })
})

t.test('minimize and maximize keep the least and greatest value in Flow order', async (t) => {
  const reducer = compileReducer({ type: 'object', reduce: { strategy: 'merge' }, properties: { min: { reduce: { strategy: 'minimize' } }, max: { reduce: { strategy: 'maximize' } } } })
  sequence(t, reducer, [
    [{ key: 'k', min: 32, max: 'abc' }, null],
    [{ key: 'k', min: 42, max: 'def' }, { key: 'k', min: 32, max: 'def' }],
    [{ key: 'k', min: 'x', max: 7 }, { key: 'k', min: 32, max: 'def' }], // numbers order before strings
    [{ key: 'k', min: null, max: { a: 1 } }, { key: 'k', min: null, max: { a: 1 } }], // null first, objects last
  ])
})

t.test('minimize and maximize over a key merge equal values deeply', async (t) => {
  // Flow's documentation example: the schema of `min` is reused by `max` through $anchor, with
  // max's own annotation winning over the referenced one.
  const reducer = compileReducer({
    type: 'object',
    reduce: { strategy: 'merge' },
    properties: {
      key: { type: 'string' },
      min: { $anchor: 'min-max-value', type: 'array', items: [{ type: 'string' }, { type: 'number', reduce: { strategy: 'sum' } }], reduce: { strategy: 'minimize', key: ['/0'] } },
      max: { $ref: '#min-max-value', reduce: { strategy: 'maximize', key: ['/0'] } },
    },
  })
  const documents = [
    { key: 'key', min: ['a', 1], max: ['a', 1] },
    { key: 'key', min: ['c', 2], max: ['c', 2] },
    { key: 'key', min: ['b', 3], max: ['b', 3] },
    { key: 'key', min: ['a', 4], max: ['a', 4] },
  ]
  t.same(reducer.combine(documents, ['/key']), [{ key: 'key', min: ['a', 5], max: ['c', 2] }])
  // A value without the key orders before every value that has it.
  const min = compileReducer({ reduce: { strategy: 'minimize', key: ['/k'] }, properties: { n: { reduce: { strategy: 'sum' } } } })
  sequence(t, min, [
    [{ k: 3, n: 1 }, null],
    [{ k: 4, n: 1 }, { k: 3, n: 1 }],
    [{ k: 3, n: 2, seen: true }, { k: 3, n: 3, seen: true }],
    [{ k: null, n: 1 }, { k: null, n: 1 }],
    [{ n: 9 }, { n: 9 }],
  ])
  // Equal (here: both missing) keys deep-merge, which takes objects or arrays.
  refuses(t, () => min.reduce({ n: 1 }, 42), 'REDUCE_WRONG_TYPE', '', 'minimize', /expects objects or arrays/)
})

t.test('merge: objects by property, arrays by index', async (t) => {
  const reducer = compileReducer(
    collection({
      type: ['array', 'object'],
      reduce: { strategy: 'merge' },
      items: { type: 'number', reduce: { strategy: 'sum' } },
      additionalProperties: { type: 'number', reduce: { strategy: 'sum' } },
    }),
  )
  sequence(t, reducer, [
    [{ key: 'k', value: [1, 1] }, null],
    [{ key: 'k', value: [2, 2, 2] }, { key: 'k', value: [3, 3, 2] }],
    [{ key: 'k', value: [1] }, { key: 'k', value: [4, 3, 2] }],
  ])
  sequence(t, reducer, [
    [{ key: 'k', value: { a: 1, b: 1 } }, null],
    [{ key: 'k', value: { a: 1, c: 1 } }, { key: 'k', value: { a: 2, b: 1, c: 1 } }],
  ])
  // Merged objects list their properties in sorted order, as Flow writes them.
  t.same(Object.keys(reducer.reduce({ value: { b: 1, z: 1 } }, { value: { a: 1, y: 1 }, key: 'k' }) as object), ['key', 'value'])
  t.same(Object.keys((reducer.reduce({ key: 'k', value: { b: 1, z: 1 } }, { key: 'k', value: { a: 1, y: 1 } }) as { value: object }).value), ['a', 'b', 'y', 'z'])
  refuses(t, () => reducer.reduce({ key: 'k', value: {} }, { key: 'k', value: 5 }), 'REDUCE_WRONG_TYPE', '/value', 'merge', /expects objects or arrays/)
})

t.test('merge with a key joins sorted arrays', async (t) => {
  const reducer = compileReducer(collection({ type: 'array', reduce: { strategy: 'merge', key: ['/k'] }, items: { reduce: { strategy: 'firstWriteWins' } } }))
  sequence(t, reducer, [
    [{ key: 'k', value: [{ k: 'a', v: 1 }, { k: 'b', v: 1 }] }, null],
    [{ key: 'k', value: [{ k: 'a', v: 2 }, { k: 'c', v: 2 }] }, { key: 'k', value: [{ k: 'a', v: 1 }, { k: 'b', v: 1 }, { k: 'c', v: 2 }] }],
  ])
  // The key [""] orders scalars by value: merging keeps a sorted, de-duplicated list.
  const sorted = compileReducer({ reduce: { strategy: 'merge', key: [''] } })
  sequence(t, sorted, [
    [[5, 9], null],
    [[7], [5, 7, 9]],
    [[2, 4, 5], [2, 4, 5, 7, 9]],
    [[1, 2, 7, 10], [1, 2, 4, 5, 7, 9, 10]],
  ])
})

t.test('nested merges through a recursive $ref', async (t) => {
  // Objects merge by property and arrays by /k, at every depth; `n` sums wherever it is.
  const reducer = compileReducer({
    $defs: {
      node: {
        reduce: { strategy: 'merge', key: ['/k'] },
        properties: { n: { reduce: { strategy: 'sum' } } },
        additionalProperties: { if: { type: ['object', 'array'] }, then: { $ref: '#/$defs/node' } },
        items: { $ref: '#/$defs/node' },
      },
    },
    $ref: '#/$defs/node',
  })
  sequence(t, reducer, [
    [{ tree: [{ k: 'b', n: 1, kids: [{ k: 'x', n: 1 }] }] }, null],
    [
      { tree: [{ k: 'a', n: 1 }, { k: 'b', n: 2, kids: [{ k: 'w' }, { k: 'x', n: 5, flag: true }] }], note: 'hi' },
      { note: 'hi', tree: [{ k: 'a', n: 1 }, { k: 'b', n: 3, kids: [{ k: 'w' }, { k: 'x', n: 6, flag: true }] }] },
    ],
    [
      { tree: [{ k: 'b', kids: [{ k: 'y', n: 1 }] }], extra: { deep: { n: 2 } } },
      { extra: { deep: { n: 2 } }, note: 'hi', tree: [{ k: 'a', n: 1 }, { k: 'b', n: 3, kids: [{ k: 'w' }, { k: 'x', n: 6, flag: true }, { k: 'y', n: 1 }] }] },
    ],
    [{ extra: { deep: { n: 3 } } }, { extra: { deep: { n: 5 } }, note: 'hi', tree: [{ k: 'a', n: 1 }, { k: 'b', n: 3, kids: [{ k: 'w' }, { k: 'x', n: 6, flag: true }, { k: 'y', n: 1 }] }] }],
  ])
})

t.test('set: add, remove and intersect over objects (associative maps)', async (t) => {
  const reducer = compileReducer(
    collection({ type: 'object', reduce: { strategy: 'set' }, additionalProperties: { type: 'object', additionalProperties: { type: 'number', reduce: { strategy: 'sum' } } } }),
  )
  // Flow's documentation example, one document at a time.
  const built = sequence(t, reducer, [
    [{ key: 'k', value: { add: { a: 1, b: 1, c: 1 } } }, null],
    [{ key: 'k', value: { remove: { b: 0 } } }, { key: 'k', value: { add: { a: 1, c: 1 }, remove: { b: 0 } } }],
    [{ key: 'k', value: { add: { a: 1, d: 1 } } }, { key: 'k', value: { add: { a: 2, c: 1, d: 1 }, remove: { b: 0 } } }],
  ])
  // Reduced into the base document, the removals have nothing left to apply to.
  t.same(reducer.reduce(built, { key: 'k', value: { intersect: { a: 0, d: 0 } } }, { full: true }), { key: 'k', value: { add: { a: 2, d: 1 } } })
  sequence(t, reducer, [
    [{ key: 'k', value: { add: { a: 2, c: 1, d: 1 } } }, null],
    [{ key: 'k', value: { intersect: { a: 0, d: 0 } } }, { key: 'k', value: { add: { a: 2, d: 1 }, intersect: { a: 0, d: 0 } } }],
    [{ key: 'k', value: { add: { a: 1, e: 1 } } }, { key: 'k', value: { add: { a: 3, d: 1, e: 1 }, intersect: { a: 0, d: 0 } } }],
    [{ key: 'k', value: { intersect: { a: 0, x: 0 } } }, { key: 'k', value: { add: { a: 3 }, intersect: { a: 0 } } }],
    [{ key: 'k', value: { remove: { a: 0 }, add: { z: 1 } } }, { key: 'k', value: { add: { z: 1 }, intersect: {} } }],
  ])
  refuses(t, () => reducer.reduce({ key: 'k', value: { add: {} } }, { key: 'k', value: { add: {}, other: {} } }), 'REDUCE_WRONG_TYPE', '/value', 'set', /"other"/)
  refuses(t, () => reducer.reduce({ key: 'k', value: { add: {} } }, { key: 'k', value: { add: [] } }), 'REDUCE_WRONG_TYPE', '/value', 'set', /all objects or all arrays/)
  refuses(t, () => reducer.reduce({ key: 'k', value: {} }, { key: 'k', value: { intersect: {}, remove: {} } }), 'REDUCE_WRONG_TYPE', '/value', 'set', /not both/)
  refuses(t, () => reducer.reduce({ key: 'k', value: [] }, { key: 'k', value: { add: {} } }), 'REDUCE_WRONG_TYPE', '/value', 'set')
  refuses(t, () => reducer.reduce({ key: 'k', value: null }, { key: 'k', value: { add: {} } }), 'REDUCE_WRONG_TYPE', '/value', 'set', /left: null/)
  // With no left-hand set, the right-hand one is reduced into the empty set.
  t.same(reducer.reduce({ key: 'k' }, { key: 'k', value: { add: { a: 1 }, remove: { b: 0 } } }), { key: 'k', value: { add: { a: 1 }, remove: { b: 0 } } })
  t.same(reducer.reduce({ key: 'k' }, { key: 'k', value: { add: { a: 1 }, remove: { b: 0 } } }, { full: true }), { key: 'k', value: { add: { a: 1 } } })
})

t.test('set: sorted arrays ordered by a key', async (t) => {
  const reducer = compileReducer(
    collection({
      type: 'object',
      reduce: { strategy: 'set', key: ['/0'] },
      additionalProperties: { type: 'array', items: { type: 'array', items: [{ type: 'string' }, { type: 'number', reduce: { strategy: 'sum' } }], reduce: { strategy: 'merge' } } },
    }),
  )
  sequence(t, reducer, [
    [{ key: 'k', value: { add: [['a', 1], ['b', 1], ['c', 1]] } }, null],
    [{ key: 'k', value: { remove: [['b', 0]] } }, { key: 'k', value: { add: [['a', 1], ['c', 1]], remove: [['b', 0]] } }],
    [{ key: 'k', value: { add: [['a', 1], ['d', 1]] } }, { key: 'k', value: { add: [['a', 2], ['c', 1], ['d', 1]], remove: [['b', 0]] } }],
  ])
  sequence(
    t,
    reducer,
    [
      [{ key: 'k', value: { add: [['a', 2], ['c', 1], ['d', 1]] } }, null],
      [{ key: 'k', value: { intersect: [['a', 0], ['d', 0]] } }, { key: 'k', value: { add: [['a', 2], ['d', 1]] } }],
      [{ key: 'k', value: { add: [['a', 1], ['e', 1]] } }, { key: 'k', value: { add: [['a', 3], ['d', 1], ['e', 1]] } }],
    ],
    { full: true },
  )
})

t.test('conditionals: a resettable counter (oneOf over the document)', async (t) => {
  const reducer = compileReducer({
    type: 'object',
    properties: { key: { type: 'string' }, value: { type: 'number' } },
    required: ['key'],
    oneOf: [
      { properties: { action: { const: 'reset' } }, reduce: { strategy: 'lastWriteWins' } },
      { properties: { action: { const: 'sum', reduce: { strategy: 'firstWriteWins' } }, value: { reduce: { strategy: 'sum' } } }, reduce: { strategy: 'merge' } },
    ],
  })
  const documents = [
    { key: 'key', action: 'sum', value: 5 },
    { key: 'key', action: 'sum', value: -1.2 },
  ]
  t.same(reducer.combine(documents, ['/key']), [{ key: 'key', action: 'sum', value: 3.8 }])
  const reset = [...documents, { key: 'key', action: 'reset', value: 0 }, { key: 'key', action: 'sum', value: 1.3 }]
  t.same(reducer.combine(reset, ['/key']), [{ key: 'key', action: 'reset', value: 1.3 }])
  // Associative: reducing the last two first gives the same document.
  const [a, b, c] = reset.slice(1) as [unknown, unknown, unknown]
  t.same(reducer.reduce(a, reducer.reduce(b, c)), reducer.reduce(reducer.reduce(a, b), c))
})

t.test('where annotations apply: $defs, allOf, anyOf, if/then/else, patterns, items and dependentSchemas', async (t) => {
  const reducer = compileReducer({
    reduce: { strategy: 'merge' },
    $defs: { summed: { reduce: { strategy: 'sum' } }, kept: { reduce: { strategy: 'firstWriteWins' } } },
    properties: {
      viaRef: { $ref: '#/$defs/summed' },
      viaAllOf: { allOf: [{ $ref: '#/$defs/kept' }, { reduce: { strategy: 'sum' } }] }, // the later allOf wins
      ownWins: { $ref: '#/$defs/summed', reduce: { strategy: 'maximize' } },
      anyOf: { anyOf: [{ type: 'string', reduce: { strategy: 'firstWriteWins' } }, { type: 'number', reduce: { strategy: 'sum' } }] },
      cond: { if: { type: 'array' }, then: { reduce: { strategy: 'append' } }, else: { reduce: { strategy: 'minimize' } } },
      tuple: { prefixItems: [{ reduce: { strategy: 'sum' } }], items: { reduce: { strategy: 'maximize' } }, reduce: { strategy: 'merge' } },
      old: { items: [{ reduce: { strategy: 'sum' } }], additionalItems: { reduce: { strategy: 'minimize' } }, reduce: { strategy: 'merge' } },
      dep: { dependentSchemas: { total: { properties: { total: { reduce: { strategy: 'sum' } } } } }, reduce: { strategy: 'merge' } },
      escaped: { properties: { 'a/b~c': { reduce: { strategy: 'sum' } } }, reduce: { strategy: 'merge' } },
    },
    patternProperties: { '^n_': { reduce: { strategy: 'sum' } } },
    additionalProperties: { reduce: { strategy: 'firstWriteWins' } },
  })
  const left = { viaRef: 1, viaAllOf: 1, ownWins: 1, anyOf: 'a', cond: [1], tuple: [1, 5, 5], old: [1, 5, 5], dep: { total: 1 }, escaped: { 'a/b~c': 1 }, n_x: 1, other: 'first' }
  const right = { viaRef: 2, viaAllOf: 2, ownWins: 3, anyOf: 'b', cond: [2], tuple: [2, 9, 1], old: [2, 9, 1], dep: { total: 2 }, escaped: { 'a/b~c': 2 }, n_x: 2, other: 'second' }
  t.same(reducer.reduce(left, right), {
    viaRef: 3,
    viaAllOf: 3,
    ownWins: 3,
    anyOf: 'a',
    cond: [1, 2],
    tuple: [3, 9, 5],
    old: [3, 5, 1],
    dep: { total: 3 },
    escaped: { 'a/b~c': 3 },
    n_x: 3,
    other: 'first',
  })
  // The branch that applies is chosen by the right-hand value.
  t.same(reducer.reduce({ anyOf: 1, cond: 5 }, { anyOf: 2, cond: 3 }), { anyOf: 3, cond: 3 })
  // Errors name the location with its tokens escaped.
  refuses(t, () => reducer.reduce({ escaped: { 'a/b~c': 1 } }, { escaped: { 'a/b~c': 'x' } }), 'REDUCE_WRONG_TYPE', '/escaped/a~1b~0c', 'sum')
})

t.test('__proto__ is an ordinary property name, in documents and in schemas', async (t) => {
  const reducer = compileReducer({
    reduce: { strategy: 'merge' },
    anyOf: [{ type: 'object', properties: { ['__proto__']: { type: 'number' } } }],
    properties: JSON.parse('{"__proto__": {"reduce": {"strategy": "sum"}}}') as object,
  })
  const left = JSON.parse('{"__proto__": 1, "a": 1}') as object
  const right = JSON.parse('{"__proto__": 2}') as object
  const reduced = reducer.reduce(left, right) as Record<string, unknown>
  t.equal(Object.getPrototypeOf(reduced), Object.prototype)
  t.same(Object.entries(reduced), [['__proto__', 3], ['a', 1]])
})

t.test('annotations inside a $id resource, with a $ref by $id', async (t) => {
  // Flow's merge-patch schema: objects merge, null deletes (in a full reduction), the rest replaces.
  const reducer = compileReducer({
    $id: 'flow://merge-patch-schema',
    oneOf: [
      { type: 'object', reduce: { strategy: 'merge' }, additionalProperties: { $ref: 'flow://merge-patch-schema' } },
      { type: 'null', reduce: { strategy: 'lastWriteWins', delete: true } },
      { type: ['array', 'boolean', 'number', 'string'] },
    ],
  })
  const a = { v: { a: 'b', c: { d: 1 } } }
  const b = { v: { a: 4, c: null, e: 'f' } }
  t.same(reducer.reduce(a, b), { v: { a: 4, c: null, e: 'f' } }, 'an associative reduction keeps the null')
  t.same(reducer.reduce(a, b, { full: true }), { v: { a: 4, e: 'f' } }, 'a full reduction deletes it')
  t.same(reducer.reduce(a, { v: { x: { y: null, z: 1 } } }, { full: true }), { v: { a: 'b', c: { d: 1 }, x: { z: 1 } } }, 'a right-hand-only object is reduced too')
  t.same(reducer.reduce({}, null, { full: true }), undefined, 'the whole document deleted')
  t.same(reducer.combine([{ k: 1 }, { k: 1, v: 2 }, { k: 2 }, { k: 2, v: 1 }], ['/k'], { full: true }), [{ k: 1, v: 2 }, { k: 2, v: 1 }])
})

t.test('associative and full reductions', async (t) => {
  const merge = compileReducer({ reduce: { strategy: 'merge' } })
  // A right-hand object over a left-hand scalar cannot be reduced associatively…
  refuses(t, () => merge.reduce('foo', { b: 2 }), 'REDUCE_NOT_ASSOCIATIVE', '', 'merge', /only a full reduction may/)
  refuses(t, () => merge.reduce(null, [1]), 'REDUCE_NOT_ASSOCIATIVE', '', 'merge')
  // …but replaces it in a full one.
  t.same(merge.reduce('foo', { b: 2 }, { full: true }), { b: 2 })
  t.same(merge.reduce({ a: 1 }, [1], { full: true }), [1])
  // lastWriteWins with associative: false changes only in a full reduction, or to an equal value.
  const strict = compileReducer({ reduce: { strategy: 'merge' }, properties: { n: { reduce: { strategy: 'lastWriteWins', associative: false } } } })
  refuses(t, () => strict.reduce({ n: 1 }, { n: 2 }), 'REDUCE_NOT_ASSOCIATIVE', '/n', 'lastWriteWins', /associative: false/)
  t.same(strict.reduce({ n: 1 }, { n: 1 }), { n: 1 })
  t.same(strict.reduce({ n: 1 }, { n: 2 }, { full: true }), { n: 2 })
  t.same(strict.reduce({}, { n: 2 }), { n: 2 })
  // merge with delete: true removes the location in a full reduction only.
  const deleting = compileReducer({ reduce: { strategy: 'merge' }, properties: { gone: { reduce: { strategy: 'merge', delete: true } } } })
  t.same(deleting.reduce({ gone: { a: 1 }, kept: 1 }, { gone: { b: 2 } }), { gone: { a: 1, b: 2 }, kept: 1 })
  t.same(deleting.reduce({ gone: { a: 1 }, kept: 1 }, { gone: { b: 2 } }, { full: true }), { kept: 1 })
  // combine stops at a non-associative pair, with the same error; a full combine goes on.
  const nested = compileReducer({ reduce: { strategy: 'merge' }, properties: { v: { reduce: { strategy: 'merge' } } } })
  refuses(t, () => nested.combine([{ k: 1, v: 1 }, { k: 1, v: { a: 1 } }], ['/k']), 'REDUCE_NOT_ASSOCIATIVE', '/v', 'merge')
  t.same(nested.combine([{ k: 1, v: 1 }, { k: 1, v: { a: 1 } }], ['/k'], { full: true }), [{ k: 1, v: { a: 1 } }])
})

t.test('jsonSchemaMerge unites two schemas', async (t) => {
  const reducer = compileReducer(collection({ reduce: { strategy: 'jsonSchemaMerge' } }))
  sequence(t, reducer, [
    [{ key: 'k', value: { type: 'string', minLength: 5, maxLength: 5 } }, null],
    [{ key: 'k', value: { type: 'string', minLength: 8, maxLength: 10 } }, { key: 'k', value: { type: 'string', minLength: 5, maxLength: 10 } }],
    [{ key: 'k', value: { type: 'integer', maximum: 3 } }, { key: 'k', value: { type: ['integer', 'string'] } }],
  ])
  const objects = reducer.reduce(
    { key: 'k', value: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' } }, required: ['a', 'b'], additionalProperties: false, title: 'T' } },
    { key: 'k', value: { type: 'object', properties: { a: { type: 'number' }, c: { const: 1 } }, required: ['a'], additionalProperties: false, title: 'T' } },
  )
  t.same(objects, { key: 'k', value: { additionalProperties: false, properties: { a: { type: ['number', 'string'] }, b: { type: 'integer' }, c: { const: 1 } }, required: ['a'], title: 'T', type: 'object' } })
  t.same(reducer.reduce({ key: 'k', value: { enum: [1, 2] } }, { key: 'k', value: { const: 3 } }), { key: 'k', value: { enum: [1, 2, 3] } })
  t.same(reducer.reduce({ key: 'k', value: { type: 'number', format: 'x' } }, { key: 'k', value: { type: 'number' } }), { key: 'k', value: { type: 'number' } })
  refuses(t, () => reducer.reduce({ key: 'k', value: {} }, { key: 'k', value: 'oops!' }), 'REDUCE_WRONG_TYPE', '/value', 'jsonSchemaMerge')
  refuses(t, () => reducer.reduce({ key: 'k', value: {} }, { key: 'k', value: { type: 'foo' } }), 'REDUCE_WRONG_TYPE', '/value', 'jsonSchemaMerge', /the string "foo" is not one/)
})

t.test('combine groups by key, reduces in order, and returns keys in order', async (t) => {
  const reducer = compileReducer({ reduce: { strategy: 'merge' }, properties: { n: { reduce: { strategy: 'sum' } }, log: { reduce: { strategy: 'append' } } } })
  const documents = [
    { id: 'b', part: 2, n: 1, log: ['b1'] },
    { id: 'a', part: 1, n: 1, log: ['a1'] },
    { id: 'b', part: 1, n: 5, log: ['x'] },
    { id: 'b', part: 2, n: 2, log: ['b2'] },
    { part: 1, n: 1, log: ['missing id'] },
    { id: null, part: 1, n: 1, log: ['null id'] },
    { id: 'a', part: 1, n: 3, log: ['a2'] },
    { id: 10, part: 1, n: 1, log: ['number id'] },
  ]
  t.same(reducer.combine(documents, ['/id', '/part']), [
    { part: 1, n: 2, log: ['missing id', 'null id'], id: null }, // a missing key value counts as null
    { id: 10, part: 1, n: 1, log: ['number id'] },
    { id: 'a', part: 1, n: 4, log: ['a1', 'a2'] },
    { id: 'b', part: 1, n: 5, log: ['x'] },
    { id: 'b', part: 2, n: 3, log: ['b1', 'b2'] },
  ])
  t.same(reducer.combine([], ['/id']), [])
  t.same(reducer.combine(new Set([{ n: 1 }, { n: 2 }]), []), [{ n: 3 }], 'no key: one group')
  t.throws(() => reducer.combine([{}], ['id']), ArgumentError)
})

t.test('a schema the reducer cannot use is an ArgumentError naming the location', async (t) => {
  const invalid: [unknown, RegExp][] = [
    [{ reduce: { strategy: 'average' } }, /schema \/reduce: unknown reduction strategy "average"/],
    [{ reduce: 'sum' }, /a reduce annotation is an object/],
    [{ properties: { a: { reduce: { strategy: 'sum', key: ['/x'] } } } }, /schema \/properties\/a\/reduce: strategy sum does not take "key"/],
    [{ reduce: { strategy: 'merge', key: ['x'] } }, /"key": "x" is not a JSON pointer/],
    [{ reduce: { strategy: 'merge', key: '/x' } }, /"key" is an array of JSON pointers/],
    [{ reduce: { strategy: 'lastWriteWins', delete: 'yes' } }, /"delete" is a boolean/],
    [{ $ref: '#/$defs/missing' }, /\$ref "#\/\$defs\/missing" does not resolve within the schema/],
    [{ $ref: 'https://example.com/schema.json' }, /does not resolve/],
    [{ $ref: '#nowhere' }, /does not resolve/],
    [{ patternProperties: { '(': {} } }, /is not a regular expression/],
    ['schema', /a schema is an object or a boolean/],
  ]
  for (const [schema, message] of invalid) t.throws(() => compileReducer(schema), { name: 'ArgumentError', code: 'ARGUMENT_INVALID', message }, JSON.stringify(schema))
})

t.test('Flow order: kinds, numbers, strings by code point, arrays and objects', async (t) => {
  const ascending = [null, false, true, -1, 0, 0.5, 2, '', 'a', 'ab', 'b', '\uffff', '😀', [], [1], [1, 2], [2], {}, { a: 1 }, { a: 1, b: 1 }, { a: 2 }, { b: 0 }]
  for (let i = 0; i < ascending.length; i++) {
    for (let j = 0; j < ascending.length; j++) t.equal(compareJson(ascending[i], ascending[j]), Math.sign(i - j), `${JSON.stringify(ascending[i])} vs ${JSON.stringify(ascending[j])}`)
  }
  t.equal(compareJson({ b: 1, a: 2 }, { a: 2, b: 1 }), 0, 'property order does not matter')
  t.equal(compareJson(20, 20.0), 0)
  t.ok(compareStrings('\uffff', '😀') < 0 && '\uffff' > '😀', 'code points, not UTF-16 units')
})

// --- Associativity ---

/** A schema using every strategy that Flow's reductions must keep associative. */
const schema = {
  type: 'object',
  reduce: { strategy: 'merge' },
  properties: {
    sum: { reduce: { strategy: 'sum' } },
    big: { reduce: { strategy: 'sum' } },
    min: { reduce: { strategy: 'minimize' } },
    max: { reduce: { strategy: 'maximize', key: ['/0'] }, items: [{}, { reduce: { strategy: 'sum' } }] },
    fww: { reduce: { strategy: 'firstWriteWins' } },
    lww: {},
    log: { reduce: { strategy: 'append' } },
    counts: { reduce: { strategy: 'merge' }, additionalProperties: { reduce: { strategy: 'sum' } } },
    rows: { reduce: { strategy: 'merge', key: ['/k'] }, items: { reduce: { strategy: 'merge' }, properties: { n: { reduce: { strategy: 'sum' } } } } },
    tags: { reduce: { strategy: 'set' }, additionalProperties: { additionalProperties: { reduce: { strategy: 'sum' } } } },
    sorted: { reduce: { strategy: 'set', key: [''] } },
  },
}
const reducer = compileReducer(schema)

const name = fc.constantFrom('a', 'b', 'c', 'd')
const small = fc.integer({ min: -20, max: 20 })
const decimalText = fc.tuple(fc.integer({ min: -10_000, max: 10_000 }), fc.nat(3)).map(([n, scale]) => (n / 10 ** scale).toFixed(scale))
const names = fc.uniqueArray(name, { maxLength: 3 }).map((list) => [...list].sort())
const counts = fc.dictionary(name, small, { maxKeys: 3 })
const setTerms = fc.oneof(
  fc.record({ add: counts }, { requiredKeys: [] }),
  fc.record({ add: counts, remove: counts }, { requiredKeys: [] }),
  fc.record({ add: counts, intersect: counts }, { requiredKeys: [] }),
)
const sortedTerms = fc.oneof(fc.record({ add: names, remove: names }, { requiredKeys: [] }), fc.record({ add: names, intersect: names }, { requiredKeys: [] }))

const document = fc.record(
  {
    sum: small,
    big: fc.oneof(small, decimalText),
    min: fc.oneof(small, name),
    max: fc.tuple(name, small),
    fww: small,
    lww: fc.oneof(small, name),
    log: fc.array(small, { maxLength: 2 }),
    counts,
    rows: names.map((keys) => keys.map((k) => ({ k, n: 1 }))),
    tags: setTerms,
    sorted: sortedTerms,
  },
  { requiredKeys: [] },
)

t.test('associativity: reduce(reduce(a, b), c) equals reduce(a, reduce(b, c))', async () => {
  fc.assert(
    fc.property(document, document, document, (a, b, c) => {
      assert.deepStrictEqual(reducer.reduce(reducer.reduce(a, b), c), reducer.reduce(a, reducer.reduce(b, c)))
    }),
    { numRuns: 2000 },
  )
})

t.test('associativity into a base: a full reduction of a partial one equals full reductions one by one', async () => {
  const full = { full: true }
  fc.assert(
    fc.property(document, document, document, (a, b, c) => {
      assert.deepStrictEqual(reducer.reduce(a, reducer.reduce(b, c), full), reducer.reduce(reducer.reduce(a, b, full), c, full))
    }),
    { numRuns: 2000 },
  )
})

t.test('combine equals reducing each key in order, whatever the grouping', async () => {
  const keyed = fc.tuple(fc.constantFrom('x', 'y', 'z'), document).map(([id, doc]) => ({ ...doc, id }))
  fc.assert(
    fc.property(fc.array(keyed, { maxLength: 8 }), fc.nat(), (documents, split) => {
      const combined = reducer.combine(documents, ['/id'])
      const ids = [...new Set(documents.map((d) => d.id))].sort()
      const fold = (group: readonly unknown[]) => group.slice(1).reduce((left, right) => reducer.reduce(left, right), group[0])
      const expected = ids.map((id) => fold(documents.filter((d) => d.id === id)))
      assert.deepStrictEqual(combined, expected)
      // Combining a prefix first and then the rest onto it gives the same documents.
      const cut = split % (documents.length + 1)
      const twice = reducer.combine([...reducer.combine(documents.slice(0, cut), ['/id']), ...reducer.combine(documents.slice(cut), ['/id'])], ['/id'])
      assert.deepStrictEqual(twice, expected)
    }),
    { numRuns: 1000 },
  )
})

t.test('sum of decimal strings is exact, so it is associative and commutative', async () => {
  const sum = compileReducer({ reduce: { strategy: 'sum' } })
  const value = fc.oneof(decimalText, small, fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String))
  fc.assert(
    fc.property(value, value, value, (a, b, c) => {
      const left = sum.reduce(sum.reduce(a, b), c)
      assert.deepStrictEqual(left, sum.reduce(a, sum.reduce(b, c)))
      assert.deepStrictEqual(left, sum.reduce(c, sum.reduce(b, a)))
    }),
    { numRuns: 2000 },
  )
})

t.test('errors are ReduceErrors', async (t) => {
  const error = t.throws(() => reducer.reduce({ sum: 1 }, { sum: 'x' })) as unknown
  t.ok(error instanceof ReduceError)
})
