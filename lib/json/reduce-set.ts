/**
 * The `set` reduction strategy. A set location holds an object with up to three terms: `add`,
 * `intersect` and `remove` (`intersect` and `remove` never together). Terms are either all
 * objects, keyed by property name, or all arrays, sorted and de-duplicated by the strategy's
 * `key` pointers (`[""]` orders scalars by value). Members present on both sides are reduced
 * into each other, so a set can be a map whose values reduce.
 *
 * Reducing a right-hand side R into a left-hand side L (an absent L is the empty set `{}`):
 * - R intersects: add = (L.add ∩ R.intersect) ∪ R.add; intersect = L.intersect ∩ R.intersect,
 *   or R.intersect − L.remove when L has no intersect.
 * - R does not intersect: add = (L.add − R.remove) ∪ R.add; intersect = L.intersect − R.remove
 *   when L has one, else remove = L.remove ∪ R.remove.
 * A full reduction (into the base document) leaves out `intersect` and `remove`: there is
 * nothing before the base for them to apply to.
 */
import { compareStrings } from './compare.ts'
import { compareKeyed, Deleted, mergeJoin, type Location } from './reduce-location.ts'
import type { Strategy } from './reduce-schema.ts'
import { isObject, setMember, type JsonObject } from './values.ts'

type SetStrategy = Extract<Strategy, { strategy: 'set' }>
type TermName = 'add' | 'intersect' | 'remove'

/** A member of a term: its property name (object form) or its index (array form), and its value. */
interface Member {
  readonly name: string
  readonly index: number
  readonly value: unknown
}

interface Terms {
  add?: Member[]
  intersect?: Member[]
  remove?: Member[]
}

const LEFT = 1
const RIGHT = 2
const BOTH = 4
const UNION = LEFT | RIGHT | BOTH

export function reduceSet(at: Location, strategy: SetStrategy, lhs: unknown, rhs: unknown): unknown {
  const base = lhs === undefined ? {} : lhs
  const form = formOf(at, base, rhs)
  const left = termsOf(at, base, rhs, form)
  const right = termsOf(at, rhs, lhs, form)
  const compare = form === 'object' ? (l: Member, r: Member) => compareStrings(l.name, r.name) : (l: Member, r: Member) => compareKeyed(strategy.key, l.value, r.value)
  const term = (name: TermName, base: Member[] | undefined, sub: Member[] | undefined, keepIn: boolean, mask: number, other: Member[] | undefined) =>
    buildTerm(at.property(name, member(rhs, name)), compare, form, { base, sub, keepIn, mask, other })

  const out: JsonObject = {}
  const put = (name: TermName, value: unknown) => value !== undefined && setMember(out, name, value)
  if (right.intersect) {
    put('add', term('add', left.add, right.intersect, true, UNION, right.add))
    if (!at.full) put('intersect', left.intersect ? term('intersect', left.intersect, undefined, false, BOTH, right.intersect) : term('intersect', left.remove, undefined, false, RIGHT, right.intersect))
  } else {
    put('add', term('add', left.add, right.remove, false, UNION, right.add))
    if (at.full) return out
    if (left.intersect) put('intersect', term('intersect', left.intersect, undefined, false, LEFT, right.remove))
    else put('remove', term('remove', left.remove, undefined, false, UNION, right.remove))
  }
  return out
}

function member(value: unknown, name: string): unknown {
  return isObject(value) && Object.hasOwn(value, name) ? value[name] : undefined
}

/** Whether the terms of both sides are objects or arrays; mixing them is an error. */
function formOf(at: Location, lhs: unknown, rhs: unknown): 'object' | 'array' {
  const expected = 'objects with only "add", "intersect" and "remove" terms, all objects or all arrays'
  if (!isObject(lhs) || !isObject(rhs)) throw at.wrongType(expected, lhs, rhs)
  const values = [...Object.values(lhs), ...Object.values(rhs)].filter((value) => value !== undefined)
  if (values.every(isObject)) return values.length === 0 ? 'array' : 'object'
  if (values.every(Array.isArray)) return 'array'
  throw at.wrongType(expected, lhs, rhs)
}

/** The terms of one side, as sorted members. */
function termsOf(at: Location, side: unknown, other: unknown, form: 'object' | 'array'): Terms {
  const terms: Terms = {}
  for (const [name, value] of Object.entries(side as JsonObject)) {
    if (value === undefined) continue
    if (name !== 'add' && name !== 'intersect' && name !== 'remove') throw at.wrongType(`only "add", "intersect" and "remove" terms, not ${JSON.stringify(name)}`, other, side)
    terms[name] = form === 'object' ? objectMembers(value as JsonObject) : (value as unknown[]).map((item, index) => ({ name: '', index, value: item }))
  }
  if (terms.intersect && terms.remove) throw at.wrongType('"intersect" or "remove" on one side, not both', other, side)
  return terms
}

function objectMembers(object: JsonObject): Member[] {
  return Object.keys(object)
    .filter((name) => object[name] !== undefined)
    .sort(compareStrings)
    .map((name) => ({ name, index: -1, value: object[name] }))
}

interface TermSpec {
  /** The left-hand term. */
  readonly base: Member[] | undefined
  /** Members taken out of `base` first: those in `sub`, or with `keepIn` those not in it. */
  readonly sub: Member[] | undefined
  readonly keepIn: boolean
  /** Which of left-only, right-only and paired members the result keeps (pairs reduced). */
  readonly mask: number
  /** The right-hand term. */
  readonly other: Member[] | undefined
}

/** `(base − sub) op other`, as an object or array term; undefined when neither side has the term. */
function buildTerm(at: Location, compare: (l: Member, r: Member) => number, form: 'object' | 'array', spec: TermSpec): unknown {
  if (spec.base === undefined && spec.other === undefined) return undefined
  const kept: Member[] = []
  mergeJoin(subtract(spec.base ?? [], spec.sub, spec.keepIn, compare), spec.other ?? [], compare, (l, r) => {
    if (l && !r) {
      if (spec.mask & LEFT) kept.push(l)
    } else if (r && (l ? spec.mask & BOTH : spec.mask & RIGHT)) {
      const value = form === 'object' ? at.reduceProperty(r.name, l?.value, r.value) : at.reduceItem(r.index, l?.value, r.value)
      if (!(value instanceof Deleted)) kept.push({ ...r, value })
    }
  })
  if (form === 'array') return kept.map((m) => m.value)
  const out: JsonObject = {}
  for (const m of kept) setMember(out, m.name, m.value)
  return out
}

function subtract(base: Member[], sub: Member[] | undefined, keepIn: boolean, compare: (l: Member, r: Member) => number): Member[] {
  if (!sub) return base
  const kept: Member[] = []
  mergeJoin(base, sub, compare, (l, r) => {
    if (l && (r !== undefined) === keepIn) kept.push(l)
  })
  return kept
}
