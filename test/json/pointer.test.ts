// resolvePointer: the lookup behind resource path pointers, on parsed tokens (the parsing and
// location rules themselves are tested with collection keys in test/testing/validate.test.ts).
import t from 'tap'
import { resolvePointer } from '../../lib/json/pointer.ts'

t.test('a value at a pointer, or undefined', async (t) => {
  const doc = { name: 'a', 'x/y': { '~z': [10, 20] }, empty: null }
  t.equal(resolvePointer(doc, '/name'), 'a')
  t.equal(resolvePointer(doc, '/x~1y/~0z/1'), 20)
  t.equal(resolvePointer(doc, '/empty'), null)
  t.same(resolvePointer(doc, ''), doc)
  t.equal(resolvePointer(doc, '/missing'), undefined)
  t.equal(resolvePointer(doc, '/x~1y/~0z/2'), undefined, 'past the end of an array')
  t.equal(resolvePointer(doc, '/name/length'), undefined, 'not into a string')
  t.equal(resolvePointer(Object.create({ inherited: 1 }), '/inherited'), undefined, 'own properties only')
})

t.test('a malformed pointer is an error naming it', async (t) => {
  t.throws(() => resolvePointer({}, 'name'), { message: '"name" is not a JSON pointer: it must be empty or start with "/"' })
  t.throws(() => resolvePointer({}, '/a~2'), { message: /^"\/a~2" is not a JSON pointer: "~" must be followed by 0 or 1/ })
})
