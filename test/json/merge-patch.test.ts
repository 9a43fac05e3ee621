import t from 'tap'
import fc from 'fast-check'
import { isDeepStrictEqual } from 'node:util'
import { applyMergePatch, composeMergePatches } from '../../lib/json/merge-patch.ts'
import { json, patch, isObject, get, put, objectPaths, applyAll } from './json-values.ts'

// RFC 7396, Appendix A: target, patch, result.
const rfcExamples: [unknown, unknown, unknown][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
]

/** RFC 7396's pseudo-code, run on a deep copy that it mutates: an independent reference. */
function reference(target: unknown, patchValue: unknown): unknown {
  const merge = (into: unknown, p: unknown): unknown => {
    if (!isObject(p)) return p
    const out = isObject(into) ? into : {}
    for (const key of Object.keys(p)) {
      if (p[key] === null) delete out[key]
      else Object.defineProperty(out, key, { value: merge(Object.hasOwn(out, key) ? out[key] : undefined, p[key]), enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  return merge(target === undefined ? undefined : JSON.parse(JSON.stringify(target)), patchValue)
}

t.test('applyMergePatch gives the results of RFC 7396 appendix A', async (t) => {
  for (const [target, p, want] of rfcExamples) {
    t.strictSame(applyMergePatch(target, p), want, `${JSON.stringify(target)} + ${JSON.stringify(p)}`)
  }
})

t.test('applyMergePatch agrees with the RFC pseudo-code and leaves its inputs alone', async (t) => {
  let runs = 0
  fc.assert(
    fc.property(json, patch, (target, p) => {
      const before = [JSON.stringify(target), JSON.stringify(p)]
      const got = applyMergePatch(target, p)
      runs++
      return (
        isDeepStrictEqual(got, reference(target, p)) &&
        JSON.stringify(target) === before[0] &&
        JSON.stringify(p) === before[1]
      )
    }),
    { numRuns: 2000 },
  )
  t.equal(runs, 2000)
})

t.test('a __proto__ member is an ordinary member, and nothing is polluted', async (t) => {
  const target = JSON.parse('{"__proto__":{"x":1},"k":1}') as unknown
  const p = JSON.parse('{"__proto__":{"y":2},"n":{"__proto__":{"z":3}}}') as unknown
  const got = applyMergePatch(target, p) as Record<string, unknown>
  t.equal(Object.getPrototypeOf(got), Object.prototype)
  t.strictSame(Object.keys(got).sort(), ['__proto__', 'k', 'n'])
  t.equal(JSON.stringify(got), '{"__proto__":{"x":1,"y":2},"k":1,"n":{"__proto__":{"z":3}}}')
  t.equal(({} as Record<string, unknown>).y, undefined)
  const removed = applyMergePatch(target, JSON.parse('{"__proto__":null}')) as Record<string, unknown>
  t.equal(JSON.stringify(removed), '{"k":1}')
})

t.test('members whose value is undefined count as absent', async (t) => {
  t.strictSame(applyMergePatch({ a: 1 }, { a: undefined, b: 2 }), { a: 1, b: 2 })
  t.strictSame(composeMergePatches({ a: 1 }, { a: undefined }), { patch: { a: 1 } })
  t.strictSame(composeMergePatches({ a: undefined }, { a: { x: 1 } }), { patch: { a: { x: 1 } } })
})

t.test('composeMergePatches: the cases of its rules', async (t) => {
  t.strictSame(composeMergePatches({ a: 1 }, 7), { patch: 7 }, 'a non-object b replaces')
  t.strictSame(composeMergePatches(7, null), { patch: null })
  t.strictSame(composeMergePatches({ a: { b: 1 } }, { a: { c: null }, d: [1] }), { patch: { a: { b: 1, c: null }, d: [1] } })
  t.strictSame(composeMergePatches({ a: null }, { a: 3 }), { patch: { a: 3 } })
  t.strictSame(composeMergePatches({ a: { x: 1 } }, { a: null }), { patch: { a: null } })
  t.strictSame(composeMergePatches({}, { a: { x: null } }), { patch: { a: { x: null } } })
  t.equal(composeMergePatches({ k: 5 }, { k: { x: 1 } }), undefined, 'object over a scalar')
  t.equal(composeMergePatches({ k: null }, { k: { x: 1 } }), undefined, 'object over a deletion')
  t.equal(composeMergePatches({ k: [1] }, { k: {} }), undefined, 'empty object over an array')
  t.equal(composeMergePatches({ a: { k: 'v' } }, { a: { k: { x: 1 } } }), undefined, 'nested')
  t.equal(composeMergePatches(5, { x: 1 }), undefined, 'object over a top-level scalar')
  t.equal(composeMergePatches(null, {}), undefined, 'object over a top-level null')
  t.equal(composeMergePatches([1], { x: 1 }), undefined, 'object over a top-level array')
})

t.test('composeMergePatches: the composition equals applying both, for every state tried', async (t) => {
  const seen = { composed: 0, refused: 0 }
  fc.assert(
    fc.property(patch, patch, fc.array(json, { minLength: 1, maxLength: 4 }), (a, b, states) => {
      const before = [JSON.stringify(a), JSON.stringify(b)]
      const composed = composeMergePatches(a, b)
      if (JSON.stringify(a) !== before[0] || JSON.stringify(b) !== before[1]) return false
      if (composed === undefined) {
        seen.refused++
        return true
      }
      seen.composed++
      // States that reach into the paths a and b touch, besides random ones.
      const probes = [...states, a, b, ...objectPaths(b).map((p) => put(states[0], p, states[1] ?? 1))]
      return probes.every((s) => isDeepStrictEqual(applyMergePatch(s, composed.patch), applyAll(s, [a, b])))
    }),
    { numRuns: 3000 },
  )
  t.ok(seen.composed > 1000, `composed ${seen.composed} pairs`)
  t.ok(seen.refused > 100, `refused ${seen.refused} pairs`)
})

// Why "forgets" proves that no patch exists: if applying c gives an object at path p for every
// state, c is an object along p, and applying it to a state holding {z: 1} at p keeps z unless c
// names z. Applying a then b treats every key that neither names alike, so if it loses the
// content of s at p for two fresh keys, it loses it for all of them; c names finitely many.
t.test('composeMergePatches refuses exactly when applying a then b forgets what a state held at some path', async (t) => {
  const forgets = (a: unknown, b: unknown, s: unknown) =>
    objectPaths(b).some((p) => {
      const one = get(applyAll(put(s, p, { '\u0000probe1': 1 }), [a, b]), p)
      const two = get(applyAll(put(s, p, { '\u0000probe2': 2 }), [a, b]), p)
      return isDeepStrictEqual(one, two)
    })
  let refused = 0
  fc.assert(
    fc.property(patch, patch, json, (a, b, s) => {
      const composed = composeMergePatches(a, b)
      if (composed === undefined) refused++
      return (composed === undefined) === forgets(a, b, s)
    }),
    { numRuns: 3000 },
  )
  t.ok(refused > 100, `refused ${refused} pairs`)
})

t.test('sequences of patches fold into as few as composition allows, with the same effect', async (t) => {
  fc.assert(
    fc.property(fc.array(patch, { maxLength: 8 }), fc.array(json, { minLength: 1, maxLength: 3 }), (patches, states) => {
      const folded: unknown[] = []
      for (const p of patches) {
        const last = folded.length - 1
        const composed = last >= 0 ? composeMergePatches(folded[last], p) : undefined
        if (composed === undefined) folded.push(p)
        else folded[last] = composed.patch
      }
      return states.every((s) => isDeepStrictEqual(applyAll(s, folded), applyAll(s, patches)))
    }),
    { numRuns: 2000 },
  )
  t.pass('every folded sequence had the effect of the sequence')
})
