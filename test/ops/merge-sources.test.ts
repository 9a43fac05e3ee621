import t from 'tap'
import { mergeSources } from '../../lib/ops/merge-sources.ts'
import { ControlledSource, deferred, isSettled, settle } from './helpers.ts'

/** A source that is always ready: each pull resolves at once. Counts pulls and notes its end. */
function ready(name: string, count = Infinity) {
  const state = { pulls: 0, closed: false }
  const source = (async function* () {
    try {
      for (let i = 0; i < count; i++) {
        state.pulls++
        yield `${name}${i}`
      }
      state.pulls++
    } finally {
      state.closed = true
    }
  })()
  return { source, state }
}

t.test('yields every item of every source, each source in order, and ends when all end', async (t) => {
  const a = ready('a', 5)
  const b = ready('b', 2)
  const c = ready('c', 0)
  const out: string[] = []
  for await (const item of mergeSources(a.source, b.source, c.source)) out.push(item)
  t.strictSame(out.filter((x) => x.startsWith('a')), ['a0', 'a1', 'a2', 'a3', 'a4'])
  t.strictSame(out.filter((x) => x.startsWith('b')), ['b0', 'b1'])
  t.equal(out.length, 7)
})

t.test('no sources: ends at once', async (t) => {
  t.strictSame(await mergeSources().next(), { done: true, value: undefined })
})

t.test('fair: sources that are always ready take turns', async (t) => {
  const a = ready('a')
  const b = ready('b')
  const c = ready('c', 3)
  const out: string[] = []
  for await (const item of mergeSources(a.source, b.source, c.source)) {
    out.push(item)
    if (out.length === 12) break
  }
  t.strictSame(out, ['a0', 'b0', 'c0', 'a1', 'b1', 'c1', 'a2', 'b2', 'c2', 'a3', 'b3', 'a4'])
  t.ok(a.state.closed && b.state.closed && c.state.closed, 'the consumer stopping returns every source')
})

t.test('fair: a source that becomes ready goes out before the busy source goes again', async (t) => {
  const busy = ready('busy')
  const slow = new ControlledSource<string>()
  const merged = mergeSources(busy.source, slow)
  const out: string[] = []
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 3; i++) out.push((await merged.next()).value as string)
    // The slow source's item is ready now; at most one busy item may come before it.
    slow.push(`slow${round}`)
    await settle()
    const next = [(await merged.next()).value as string, (await merged.next()).value as string]
    t.ok(next.includes(`slow${round}`), `round ${round}: the slow item came within two pulls (${next.join(', ')})`)
    out.push(...next)
  }
  await merged.return()
  t.equal(out.filter((x) => x.startsWith('slow')).length, 20)
  t.equal(slow.returns, 1)
})

t.test('bounded: never more than one pull ahead of the consumer per source', async (t) => {
  const a = ready('a')
  const b = ready('b')
  const slow = new ControlledSource<string>()
  const taken = { a: 0, b: 0, slow: 0 }
  let checks = 0
  const merged = mergeSources(a.source, b.source, slow)
  for (let i = 0; i < 200; i++) {
    if (i % 10 === 5 && slow.waiting) slow.push(`slow${i}`)
    const item = (await merged.next()).value as string
    const which = item.startsWith('slow') ? 'slow' : (item[0] as 'a' | 'b')
    taken[which]++
    await settle()
    // Pulls so far: those taken, plus at most the one in flight (or resolved and waiting). The
    // source whose item was just taken is pulled again only when the consumer pulls again.
    t.ok(a.state.pulls - taken.a <= 1 && a.state.pulls - taken.a >= 0, `a pulled ${a.state.pulls}, taken ${taken.a}`)
    t.ok(b.state.pulls - taken.b <= 1 && b.state.pulls - taken.b >= 0, `b pulled ${b.state.pulls}, taken ${taken.b}`)
    t.ok(slow.pulls - taken.slow <= 1 && slow.pulls - taken.slow >= 0, `slow pulled ${slow.pulls}, taken ${taken.slow}`)
    t.notOk(slow.concurrentPulls)
    const pulls = { a: a.state.pulls, b: b.state.pulls, slow: slow.pulls }
    t.equal(pulls[which], taken[which], `${which}, just taken, is not pulled again yet`)
    checks++
  }
  await merged.return()
  t.ok(taken.slow > 10 && taken.a > 50 && taken.b > 50, `took a ${taken.a}, b ${taken.b}, slow ${taken.slow}`)
  t.equal(checks, 200)
})

t.test('an error in one source is thrown and the others are returned', async (t) => {
  const a = ready('a')
  const stalled = new ControlledSource<string>()
  const failing = (async function* () {
    yield 'f0'
    throw new Error('source broke')
  })()
  const out: string[] = []
  await t.rejects(async () => {
    for await (const item of mergeSources(a.source, failing, stalled)) out.push(item)
  }, /source broke/)
  t.ok(out.includes('f0'))
  await settle()
  t.ok(a.state.closed, 'the ready source was returned')
  t.equal(stalled.returns, 1, 'the stalled source was returned')
})

t.test('early return does not wait for a stalled source, which is returned once its pull settles', async (t) => {
  const a = ready('a')
  const release = deferred<void>()
  let stalledClosed = false
  const stalled = (async function* () {
    try {
      await release.promise
      yield 'late'
    } finally {
      stalledClosed = true
    }
  })()
  const merged = mergeSources(a.source, stalled)
  t.equal((await merged.next()).value, 'a0')
  const done = merged.return()
  t.ok(await isSettled(done), 'return() resolves while the stalled source is still pending')
  t.ok(a.state.closed)
  t.notOk(stalledClosed)
  release.resolve()
  await settle()
  t.ok(stalledClosed, 'the stalled source ran its finally once released')
})

t.test('an error from a source return after an early stop reaches the consumer', async (t) => {
  const source = {
    [Symbol.asyncIterator]() {
      return {
        next: () => Promise.resolve({ done: false as const, value: 1 }),
        return: () => Promise.reject(new Error('return failed')),
      }
    },
  }
  await t.rejects(async () => {
    for await (const item of mergeSources(source)) {
      t.equal(item, 1)
      break
    }
  }, /return failed/)
})
