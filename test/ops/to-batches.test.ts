import t from 'tap'
import fc from 'fast-check'
import { ProtocolError } from '../../lib/errors.ts'
import { backfillBegin, checkpoint, document, sourcedSchema, type CaptureEvent, type EventBatch } from '../../lib/ops/events.ts'
import { toBatches } from '../../lib/ops/to-batches.ts'
import { ControlledSource, collect, isSettled } from './helpers.ts'

type Item = CaptureEvent | readonly CaptureEvent[]

async function* from(items: readonly Item[]): AsyncGenerator<Item> {
  yield* items
}

t.test('gathers single events, passes arrays through, keeps order', async (t) => {
  const [d1, d2, d3, d4, d5] = [1, 2, 3, 4, 5].map((i) => document(0, { i }))
  const cp1 = checkpoint({ n: 1 })
  const cp2 = checkpoint({ n: 2 })
  const array = [d3 as CaptureEvent, cp1]
  const batches = await collect(toBatches()(from([d1!, d2!, array, d4!, cp2, d5!])))
  t.strictSame(batches, [[d1, d2], [d3, cp1], [d4, cp2], [d5]])
  t.equal(batches[1], array, 'an array passes as the same array')
})

t.test('a batch of single events is yielded at maxEvents', async (t) => {
  const docs = Array.from({ length: 5 }, (_, i) => document(0, `{"i":${i}}`))
  const batches = await collect(toBatches({ maxEvents: 2 })(from(docs)))
  t.strictSame(batches, [docs.slice(0, 2), docs.slice(2, 4), docs.slice(4)])
})

t.test('empty arrays are skipped and do not split gathered events', async (t) => {
  const d1 = document(0, '{}')
  const d2 = document(1, '{}')
  const batches = await collect(toBatches()(from([[], d1, [], d2, []])))
  t.strictSame(batches, [[d1, d2]])
})

t.test('a checkpoint goes out at once and the source is not read ahead', async (t) => {
  const source = new ControlledSource<Item>()
  const batches = toBatches()(source)
  const d = document(0, '{}')
  const cp = checkpoint()
  const first = batches.next()
  source.push(d)
  await isSettled(first)
  source.push(cp)
  t.strictSame(await first, { done: false, value: [d, cp] })
  t.equal(source.pulls, 2, 'not pulled after the checkpoint until the consumer pulls')
  t.notOk(source.waiting)
  const second = batches.next()
  t.notOk(await isSettled(second), 'the next batch waits for the source')
  source.end()
  t.strictSame(await second, { done: true, value: undefined })
})

t.test('validates events where they enter, naming what is wrong', async (t) => {
  const bad: [string, unknown, RegExp][] = [
    ['null doc', { type: 'document', binding: 3, doc: null }, /binding 3.*got null/],
    ['array doc', { type: 'document', binding: 0, doc: [1] }, /binding 0.*got an array/],
    ['number doc', { type: 'document', binding: 2, doc: 5 }, /binding 2.*got the number 5/],
    ['missing doc', { type: 'document', binding: 1 }, /binding 1.*got undefined/],
    ['unknown type', { type: 'captured', binding: 0, doc: {} }, /got an event of type the string "captured"/],
    ['not an object', 42, /got the number 42/],
    ['null event', null, /got null/],
    ['hand-made checkpoint', { type: 'checkpoint', updated: {}, mergePatch: true }, /mergePatch the boolean true and acks undefined/],
  ]
  for (const [name, event, message] of bad) {
    await t.rejects(collect(toBatches()(from([event as CaptureEvent]))), { name: 'ProtocolError', message }, name)
    await t.rejects(collect(toBatches()(from([[event as CaptureEvent]]))), ProtocolError, `${name} in an array`)
  }
})

t.test('an array with a bad event is not yielded, nor are events gathered before it', async (t) => {
  const good = document(0, '{}')
  const yielded: EventBatch[] = []
  const bad = { type: 'document', binding: 7, doc: true } as unknown as CaptureEvent
  await t.rejects(async () => {
    for await (const batch of toBatches()(from([good, [good, checkpoint(), bad]]))) yielded.push(batch)
  }, /binding 7.*got the boolean true/)
  t.strictSame(yielded, [])
})

t.test('validates maxEvents', async (t) => {
  for (const maxEvents of [0, -1, 1.5, Number.NaN, Infinity]) t.throws(() => toBatches({ maxEvents }), { code: 'ARGUMENT_INVALID' })
})

const eventArb: fc.Arbitrary<CaptureEvent> = fc.oneof(
  { weight: 6, arbitrary: fc.nat(3).map((b) => document(b, '{}')) },
  { weight: 2, arbitrary: fc.constant(null).map(() => checkpoint()) },
  { weight: 1, arbitrary: fc.constant(null).map(() => sourcedSchema(0, {})) },
  { weight: 1, arbitrary: fc.constant(null).map(() => backfillBegin(1)) },
)
const itemArb: fc.Arbitrary<Item> = fc.oneof(eventArb, fc.array(eventArb, { maxLength: 5 }))

t.test('random mixes: same events in order, bounded gathered batches, checkpoints end them', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(itemArb, { maxLength: 40 }), fc.integer({ min: 1, max: 6 }), async (items, maxEvents) => {
      const arrays = new Set(items.filter((i): i is readonly CaptureEvent[] => Array.isArray(i)))
      const batches: EventBatch[] = []
      const snapshot: CaptureEvent[][] = []
      for await (const batch of toBatches({ maxEvents })(from(items))) {
        batches.push(batch)
        snapshot.push([...batch])
      }
      const flat = batches.flat()
      const want = items.flatMap((i) => (Array.isArray(i) ? i : [i as CaptureEvent]))
      if (flat.length !== want.length || flat.some((e, k) => e !== want[k])) return false
      for (const [k, batch] of batches.entries()) {
        if (batch.length === 0) return false
        // Unchanged since it was yielded.
        if (snapshot[k]!.length !== batch.length || snapshot[k]!.some((e, j) => e !== batch[j])) return false
        if (arrays.has(batch)) continue
        if (batch.length > maxEvents) return false
        // Only the last event of a gathered batch may be a checkpoint.
        if (batch.slice(0, -1).some((e) => e.type === 'checkpoint')) return false
      }
      return true
    }),
    { numRuns: 500 },
  )
  t.pass('held for every mix tried')
})
