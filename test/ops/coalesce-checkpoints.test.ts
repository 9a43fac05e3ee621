import t from 'tap'
import fc from 'fast-check'
import assert from 'node:assert/strict'
import { isDeepStrictEqual } from 'node:util'
import { coalesceCheckpoints, type CoalesceOptions } from '../../lib/ops/coalesce-checkpoints.ts'
import {
  backfillBegin,
  backfillComplete,
  checkpoint,
  document,
  sourcedSchema,
  type CaptureEvent,
  type CheckpointEvent,
  type EventBatch,
} from '../../lib/ops/events.ts'
import { applyMergePatch } from '../../lib/json/merge-patch.ts'
import { ControlledSource, collect, deferred, isSettled, settle } from './helpers.ts'
import { json, patch } from '../json/json-values.ts'

const NO_LIMITS: CoalesceOptions = { maxDocs: Infinity, maxBytes: Infinity, maxMs: Infinity }

async function* from(batches: readonly EventBatch[]): AsyncGenerator<EventBatch> {
  yield* batches
}

function applyCheckpoint(state: unknown, cp: CheckpointEvent): unknown {
  return cp.mergePatch ? applyMergePatch(state, cp.updated) : cp.updated
}

const cpsOf = (events: readonly CaptureEvent[]) => events.filter((e): e is CheckpointEvent => e.type === 'checkpoint')

// ---- the properties, over random streams ------------------------------------------------------

type Spec =
  | { readonly kind: 'doc'; readonly size: number; readonly object: boolean }
  | { readonly kind: 'schema' }
  | { readonly kind: 'backfill' }
  | { readonly kind: 'checkpoint'; readonly updated: unknown; readonly mergePatch: boolean }

const specArb: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('doc' as const), size: fc.integer({ min: 1, max: 12 }), object: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'schema' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'backfill' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('checkpoint' as const), updated: patch, mergePatch: fc.constant(true) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('checkpoint' as const), updated: json, mergePatch: fc.constant(false) }) },
)

const boundsArb: fc.Arbitrary<CoalesceOptions> = fc.record({
  maxDocs: fc.constantFrom(0, 1, 2, 3, 5, Infinity),
  maxBytes: fc.constantFrom(0, 5, 20, 60, Infinity),
  maxMs: fc.constantFrom(Infinity, 60_000),
  maxCheckpoints: fc.constantFrom(1, 2, 3, 1000),
})

/** Fresh events for a run (documents may be rewritten and checkpoints carry promises). */
function build(specs: readonly Spec[]): CaptureEvent[] {
  return specs.map((spec, i) => {
    switch (spec.kind) {
      case 'doc': {
        const text = 'x'.repeat(spec.size)
        return document(i % 3, spec.object ? { v: text } : JSON.stringify({ v: text }))
      }
      case 'schema':
        return sourcedSchema(0, { type: 'object' })
      case 'backfill':
        return i % 2 === 0 ? backfillBegin(1) : backfillComplete(1)
      case 'checkpoint':
        return checkpoint(spec.updated, { mergePatch: spec.mergePatch })
    }
  })
}

/** Splits `events` into batches of the given sizes, cycling through them; 0 makes an empty batch. */
function split(events: readonly CaptureEvent[], sizes: readonly number[]): EventBatch[] {
  const cycle = sizes.some((size) => size > 0) ? sizes : [...sizes, 1]
  const batches: EventBatch[] = []
  for (let at = 0, k = 0; at < events.length; k++) {
    const size = cycle[k % cycle.length] as number
    batches.push(events.slice(at, at + size))
    at += size
  }
  return batches
}

const sizeOf = (doc: object | string) => (typeof doc === 'string' ? doc.length : JSON.stringify(doc).length)

interface Outcome {
  readonly batches: EventBatch[]
  readonly flat: CaptureEvent[]
}

/** Runs the coalescer and checks that no yielded batch changed after it was yielded. */
async function run(batches: readonly EventBatch[], bounds: CoalesceOptions): Promise<Outcome> {
  const inputs = batches.map((b) => [...b])
  const out: EventBatch[] = []
  const snapshots: CaptureEvent[][] = []
  for await (const batch of coalesceCheckpoints(bounds)(from(batches))) {
    out.push(batch)
    snapshots.push([...batch])
  }
  out.forEach((b, i) => {
    assert.ok(b.length > 0, 'no empty batch')
    assert.deepEqual([...b], snapshots[i], 'a yielded batch was changed afterwards')
  })
  batches.forEach((b, i) => assert.deepEqual([...b], inputs[i], 'an input batch was changed'))
  return { batches: out, flat: out.flat() }
}

/**
 * Checks everything the coalescer promises of one run: (a) the other events in order; (b) each
 * emitted checkpoint stands for a run of consecutive source checkpoints, goes out where the last
 * of them was, and leaves the state they leave; (c) nothing after the last emitted checkpoint
 * that was not after the last source checkpoint; (d) acknowledging the emitted checkpoints
 * acknowledges every source checkpoint; (e) merges only while below the bounds; (f) the
 * checkpoint after a backfill event goes out alone.
 */
async function checkRun(specs: readonly Spec[], sizes: readonly number[], bounds: CoalesceOptions, initial: unknown) {
  const events = build(specs)
  const sources = cpsOf(events)
  const originals = events.map((e) => (e.type === 'document' ? e.doc : undefined))
  const { flat } = await run(split(events, sizes), bounds)

  // (a) everything but checkpoints, the same objects in the same order.
  const others = (list: readonly CaptureEvent[]) => list.filter((e) => e.type !== 'checkpoint')
  const want = others(events)
  const got = others(flat)
  assert.equal(got.length, want.length, 'same number of other events')
  got.forEach((e, i) => assert.equal(e, want[i], `event ${i} is the same`))

  // Where each source checkpoint is: how many other events come before it.
  const before = (list: readonly CaptureEvent[]) => {
    const at = new Map<CheckpointEvent, number>()
    let n = 0
    for (const e of list) {
      if (e.type === 'checkpoint') at.set(e, n)
      else n++
    }
    return at
  }
  const sourceAt = before(events)
  const emittedAt = before(flat)
  const indexOfAck = new Map(sources.map((cp, i) => [cp.acks[0], i]))

  // (b) runs of source checkpoints, positions and states.
  const emitted = cpsOf(flat)
  let next = 0
  let state = initial
  const runs: [number, number][] = []
  for (const cp of emitted) {
    const covered = cp.acks.map((ack) => indexOfAck.get(ack)).filter((i): i is number => i !== undefined)
    assert.ok(covered.length > 0, 'an emitted checkpoint stands for a source checkpoint')
    covered.forEach((k, j) => assert.equal(k, next + j, 'it stands for the next source checkpoints, in order'))
    const first = next
    const last = next + covered.length - 1
    next = last + 1
    runs.push([first, last])
    if (covered.length === 1) assert.equal(cp, sources[first], 'a checkpoint standing alone goes out as itself')
    else assert.equal(cp.acks.length, covered.length + 1, 'a merged checkpoint has its own ack besides theirs')
    assert.equal(emittedAt.get(cp), sourceAt.get(sources[last]!), `emitted where source checkpoint ${last} was`)
    state = applyCheckpoint(state, cp)
    const sourceState = sources.slice(0, last + 1).reduce(applyCheckpoint, initial)
    assert.ok(isDeepStrictEqual(state, sourceState), `state after source checkpoint ${last}`)
  }
  assert.equal(next, sources.length, 'every source checkpoint is accounted for')

  // (c) the tail after the last checkpoint is the source's tail.
  const tail = (list: readonly CaptureEvent[]) => list.length - 1 - list.findLastIndex((e) => e.type === 'checkpoint')
  assert.equal(tail(flat), tail(events), 'no events committed that the source left uncommitted')

  // (d) acknowledgements.
  const acknowledged = sources.map(() => false)
  sources.forEach((cp, i) => cp.acknowledged.then(() => (acknowledged[i] = true)))
  await settle()
  assert.ok(acknowledged.every((a) => !a), 'nothing acknowledged before the emitted checkpoints are')
  for (const cp of emitted) for (const ack of cp.acks) ack()
  await settle()
  assert.ok(acknowledged.every((a) => a), 'acknowledging the emitted checkpoints acknowledges every source checkpoint')

  // (e) a run of several merged only while below the bounds: when the second-to-last of the run
  // arrived, the documents since the previous emitted checkpoint were below maxDocs and maxBytes.
  const sourceIndex = new Map(events.map((e, i) => [e, i]))
  for (const [first, last] of runs) {
    assert.ok(last - first + 1 <= (bounds.maxCheckpoints ?? 1000), 'at most maxCheckpoints merged')
    if (last === first) continue
    const from = first === 0 ? 0 : sourceIndex.get(sources[first - 1]!)! + 1
    const to = sourceIndex.get(sources[last - 1]!)!
    let docs = 0
    let bytes = 0
    for (let i = from; i < to; i++) {
      const original = originals[i]
      if (original === undefined) continue
      docs++
      bytes += sizeOf(original)
    }
    assert.ok(docs < bounds.maxDocs, `merged after ${docs} documents, maxDocs ${bounds.maxDocs}`)
    assert.ok(bytes < bounds.maxBytes, `merged after ${bytes} bytes, maxBytes ${bounds.maxBytes}`)
    assert.ok(bounds.maxMs > 0)
  }

  // (f) a checkpoint whose transaction holds a backfill event goes out alone.
  let backfill = false
  for (const e of events) {
    if (e.type === 'backfillBegin' || e.type === 'backfillComplete') backfill = true
    if (e.type !== 'checkpoint') continue
    if (backfill) assert.ok(emitted.includes(e), 'the checkpoint after a backfill event goes out as itself')
    backfill = false
  }

  // Object documents are serialized once, where bytes are counted, and only then.
  for (const e of flat) {
    if (e.type !== 'document') continue
    const original = originals[sourceIndex.get(e)!]!
    if (typeof original === 'string') assert.equal(e.doc, original)
    else if (bounds.maxBytes === Infinity) assert.equal(e.doc, original, 'objects untouched when bytes are not counted')
    else assert.equal(e.doc, JSON.stringify(original), 'objects replaced by their text when bytes are counted')
  }
}

t.test('random streams: order, positions, states, tails, acks, bounds, backfills', async (t) => {
  let runs = 0
  await fc.assert(
    fc.asyncProperty(
      fc.array(specArb, { maxLength: 40 }),
      fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 6 }),
      boundsArb,
      json,
      async (specs, sizes, bounds, initial) => {
        await checkRun(specs, sizes, bounds, initial)
        runs++
      },
    ),
    { numRuns: 600 },
  )
  t.equal(runs, 600)
})

// Patches that always compose: 'a' is a scalar or deleted, 'o' always an object.
const composablePatch = fc.record(
  {
    a: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 9 })),
    o: fc.dictionary(fc.constantFrom('x', 'y'), fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 9 }))),
  },
  { requiredKeys: [] },
)

t.test('without bounds, batches that end in checkpoints that compose come out with one checkpoint, at the end', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          docs: fc.integer({ min: 0, max: 4 }),
          updated: composablePatch,
          mergePatch: fc.boolean(),
        }),
        { minLength: 1, maxLength: 12 },
      ),
      json,
      async (plan, initial) => {
        const batches = plan.map((p, i) => [
          ...Array.from({ length: p.docs }, (_, j) => document(0, `{"i":${i},"j":${j}}`)),
          checkpoint(p.updated, { mergePatch: p.mergePatch }),
        ])
        const { batches: out, flat } = await run(batches, NO_LIMITS)
        const emitted = cpsOf(flat)
        assert.equal(emitted.length, 1)
        assert.deepEqual(out.at(-1), [emitted[0]], 'alone, after everything')
        const state = cpsOf(batches.flat()).reduce(applyCheckpoint, initial)
        assert.ok(isDeepStrictEqual(applyCheckpoint(initial, emitted[0]!), state))
        assert.equal(out.length, batches.filter((b) => b.length > 1).length + 1)
      },
    ),
    { numRuns: 300 },
  )
  t.pass('one checkpoint for each stream')
})

t.test('maxDocs 0 or maxMs 0: nothing is held, batches pass as they are', async (t) => {
  for (const bounds of [{ ...NO_LIMITS, maxDocs: 0 }, { ...NO_LIMITS, maxMs: 0 }, { ...NO_LIMITS, maxCheckpoints: 1 }]) {
    const batches = [[document(0, '{}'), checkpoint()], [checkpoint({ a: 1 })], [document(0, '{}'), checkpoint(), document(0, '{}')]]
    const { batches: out } = await run(batches, bounds)
    t.equal(out.length, 3)
    out.forEach((b, i) => t.equal(b, batches[i], `batch ${i} passed as the same array`))
  }
})

// ---- scenarios ---------------------------------------------------------------------------------

t.test('merged checkpoints go out in the place of the later one, or alone at the end', async (t) => {
  const d = [0, 1, 2, 3, 4].map((i) => document(0, `{"i":${i}}`))
  const cp = [checkpoint({ a: 1, o: { x: 1 } }), checkpoint({ o: { y: 2 } }), checkpoint({ a: null })]
  const { batches } = await run([[d[0]!, d[1]!, cp[0]!], [d[2]!, cp[1]!], [d[3]!, cp[2]!, d[4]!]], NO_LIMITS)
  t.equal(batches.length, 3)
  t.strictSame(batches[0], [d[0], d[1]])
  t.strictSame(batches[1], [d[2]])
  const merged = batches[2]![1] as CheckpointEvent
  t.strictSame(batches[2], [d[3], merged, d[4]], 'the tail after it forces it out where it is')
  t.strictSame(merged.updated, { a: null, o: { x: 1, y: 2 } })
  t.equal(merged.mergePatch, true)
  t.equal(merged.acks.length, 4)
})

t.test('maxDocs: a checkpoint arriving at the bound goes out, merged with those held', async (t) => {
  const d = () => document(0, '{}')
  const cp = [1, 2, 3, 4].map((i) => checkpoint({ [`k${i}`]: i }))
  const { batches } = await run(cp.map((c) => [d(), c]), { ...NO_LIMITS, maxDocs: 3 })
  t.equal(batches.length, 5)
  t.equal(batches[0]!.length, 1)
  t.equal(batches[1]!.length, 1)
  const merged = batches[2]![1] as CheckpointEvent
  t.equal(merged.type, 'checkpoint')
  t.strictSame(merged.updated, { k1: 1, k2: 2, k3: 3 })
  t.equal(batches[4]![0], cp[3], 'the last, held alone, goes out as itself at the end')
})

t.test('maxBytes counts string lengths and serialized objects, replacing them by their text', async (t) => {
  const object = { v: 'xxxxxx' } // 12 characters of JSON
  const docs = [document(0, '"abcdef"'), document(0, object)]
  const cps = [checkpoint({ a: 1 }), checkpoint({ b: 1 })]
  const { batches } = await run([[docs[0]!, cps[0]!], [docs[1]!, cps[1]!]], { ...NO_LIMITS, maxBytes: 15 })
  t.strictSame(batches[0], [docs[0]], '8 < 15: held')
  t.equal(batches[1]!.length, 2, '20 >= 15: the next goes out')
  t.strictSame((batches[1]![1] as CheckpointEvent).updated, { a: 1, b: 1 })
  t.equal(docs[1]!.doc, '{"v":"xxxxxx"}', 'the object was replaced by its text')
})

t.test('a replace resets what is held; merge patches after it apply onto it', async (t) => {
  const cps = [checkpoint({ a: 1 }), checkpoint({ r: { s: 1 } }, { mergePatch: false }), checkpoint({ r: { t: 2 }, a: 3 })]
  const { flat } = await run(cps.map((c) => [document(0, '{}'), c]), NO_LIMITS)
  const emitted = cpsOf(flat)
  t.equal(emitted.length, 1)
  t.equal(emitted[0]!.mergePatch, false)
  t.strictSame(emitted[0]!.updated, { r: { s: 1, t: 2 }, a: 3 })
  t.strictSame(cps[1]!.updated, { r: { s: 1 } }, 'the source replace was not changed')
})

t.test('patches that do not compose: the held checkpoint goes out before the batch of the next', async (t) => {
  const d = [0, 1, 2].map((i) => document(0, `{"i":${i}}`))
  const cp1 = checkpoint({ k: 5 })
  const cp2 = checkpoint({ k: { x: 1 } })
  const { batches } = await run([[d[0]!, cp1], [d[1]!, cp2], [d[2]!]], NO_LIMITS)
  t.strictSame(batches, [[d[0]], [cp1, d[1]], [cp2, d[2]]])
})

t.test('backfill events stand alone with their checkpoint', async (t) => {
  const d = [0, 1].map((i) => document(0, `{"i":${i}}`))
  const cps = [checkpoint({ a: 1 }), checkpoint({ b: 1 }), checkpoint({ c: 1 }), checkpoint({ d: 1 })]
  const begin = backfillBegin(2)
  const { batches } = await run([[d[0]!, cps[0]!], [begin, cps[1]!], [cps[2]!], [d[1]!, cps[3]!]], NO_LIMITS)
  t.equal(batches.length, 4)
  t.strictSame(batches.slice(0, 3), [[d[0]], [cps[0], begin, cps[1]], [d[1]]], 'held before the backfill event, and not merged across it')
  const last = batches[3]!
  t.equal(last.length, 1)
  t.strictSame((last[0] as CheckpointEvent).updated, { c: 1, d: 1 }, 'those after it merge again')
})

t.test('a batch of checkpoints only is merged without yielding anything for it', async (t) => {
  const source = new ControlledSource()
  const out = coalesceCheckpoints(NO_LIMITS)(source)
  const first = out.next()
  source.push([document(0, '{}'), checkpoint({ a: 1 })])
  t.equal(((await first).value as EventBatch).length, 1)
  const second = out.next()
  source.push([checkpoint({ b: 1 }), checkpoint({ c: 1 })])
  await settle()
  t.equal(source.pulls, 3, 'pulled again: nothing to yield yet')
  t.notOk(await isSettled(second))
  source.end()
  const last = (await second).value as EventBatch
  t.strictSame((last[0] as CheckpointEvent).updated, { a: 1, b: 1, c: 1 })
  t.notOk(source.concurrentPulls)
})

// ---- time, failures and stopping early ---------------------------------------------------------

t.test('a held checkpoint goes out alone after maxMs while the source is stalled', async (t) => {
  const source = new ControlledSource()
  const out = coalesceCheckpoints({ ...NO_LIMITS, maxMs: 40 })(source)
  const d = document(0, '{}')
  const cp = checkpoint({ a: 1 })
  const first = out.next()
  source.push([d, cp])
  t.strictSame((await first).value, [d])
  const started = performance.now()
  const second = out.next()
  await settle()
  t.equal(source.pulls, 2)
  t.notOk(await isSettled(second), 'not at once')
  const result = await second
  const waited = performance.now() - started
  t.strictSame(result.value, [cp], 'the held checkpoint, alone, as itself')
  t.ok(waited >= 35 && waited < 1000, `after about maxMs (${waited.toFixed(1)} ms)`)
  t.equal(source.pulls, 2, 'the pending pull was not repeated')
  t.ok(source.waiting)

  // The same pending pull delivers the next batch; nothing is held then, so no timer runs.
  const third = out.next()
  const d2 = document(0, '{}')
  const cp2 = checkpoint({ b: 1 })
  source.push([d2, cp2])
  t.strictSame((await third).value, [d2])
  const fourth = out.next()
  await settle()
  source.end()
  t.strictSame((await fourth).value, [cp2], 'held again, out at the end')
  t.equal((await out.next()).done, true)
  t.notOk(source.concurrentPulls, 'never two pulls at once')
  t.equal(source.returns, 0, 'an ended source is not returned')
})

t.test('the time already spent counts: a checkpoint past its deadline goes out before the next pull', async (t) => {
  const source = new ControlledSource()
  const out = coalesceCheckpoints({ ...NO_LIMITS, maxMs: 20 })(source)
  const cp = checkpoint({ a: 1 })
  const first = out.next()
  source.push([document(0, '{}'), cp])
  await first
  await new Promise((resolve) => setTimeout(resolve, 40))
  const pulls = source.pulls
  t.strictSame((await out.next()).value, [cp])
  t.equal(source.pulls, pulls, 'went out without pulling the source')
  await out.return()
  t.equal(source.returns, 1)
})

t.test('a stalled source, a timed-out checkpoint out, then the consumer stops: return does not wait', async (t) => {
  const release = deferred<void>()
  let closed = false
  const source = (async function* () {
    try {
      yield [document(0, '{}'), checkpoint({ a: 1 })] as EventBatch
      await release.promise
      yield [document(0, '{}')] as EventBatch
    } finally {
      closed = true
    }
  })()
  const out = coalesceCheckpoints({ ...NO_LIMITS, maxMs: 10 })(source)
  t.equal(((await out.next()).value as EventBatch).length, 1)
  t.equal(((await out.next()).value as EventBatch)[0]!.type, 'checkpoint', 'timed out while the source stalls')
  const returned = out.return()
  t.ok(await isSettled(returned), 'return() settles although the source is still pending')
  t.notOk(closed)
  release.resolve()
  await settle()
  t.ok(closed, 'the source is returned once its pending pull settles')
})

t.test('stopping early returns the source and waits for it', async (t) => {
  let closed = false
  const source = (async function* () {
    try {
      for (let i = 0; ; i++) yield [document(0, '{}'), checkpoint({ i })] as EventBatch
    } finally {
      await new Promise((resolve) => setTimeout(resolve, 5))
      closed = true
    }
  })()
  for await (const batch of coalesceCheckpoints({ ...NO_LIMITS, maxMs: 1000 })(source)) {
    t.equal(batch.length, 1)
    break
  }
  t.ok(closed)
})

t.test('a failing source: the held checkpoint goes out, then the error', async (t) => {
  const cp = checkpoint({ a: 1 })
  const source = (async function* () {
    yield [document(0, '{}'), cp] as EventBatch
    throw new Error('source broke')
  })()
  const out = coalesceCheckpoints({ ...NO_LIMITS, maxMs: 1000 })(source)
  t.equal(((await out.next()).value as EventBatch).length, 1)
  t.strictSame((await out.next()).value, [cp])
  await t.rejects(out.next(), /source broke/)
})

t.test('validates its options', async (t) => {
  const bad: Partial<CoalesceOptions>[] = [
    { maxDocs: -1 },
    { maxBytes: Number.NaN },
    { maxMs: -5 },
    { maxMs: 2 ** 31 },
    { maxCheckpoints: 0 },
    { maxCheckpoints: Infinity },
  ]
  for (const b of bad) t.throws(() => coalesceCheckpoints({ ...NO_LIMITS, ...b }), { code: 'ARGUMENT_INVALID' }, JSON.stringify(b))
  t.doesNotThrow(() => coalesceCheckpoints({ maxDocs: 0, maxBytes: 0, maxMs: 0 }))
})

t.test('an empty source yields nothing', async (t) => {
  t.strictSame(await collect(coalesceCheckpoints(NO_LIMITS)(from([]))), [])
  t.strictSame(await collect(coalesceCheckpoints(NO_LIMITS)(from([[], []]))), [])
})
