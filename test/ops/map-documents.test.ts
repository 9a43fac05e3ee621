import t from 'tap'
import { from } from 'ix/asynciterable'
import { checkpoint, document, type EventBatch } from '../../lib/ops/events.ts'
import { coalesceCheckpoints } from '../../lib/ops/coalesce-checkpoints.ts'
import { mapDocuments } from '../../lib/ops/map-documents.ts'
import { toBatches } from '../../lib/ops/to-batches.ts'

async function collect(source: AsyncIterable<EventBatch>): Promise<EventBatch[]> {
  const out: EventBatch[] = []
  for await (const batch of source) out.push(batch)
  return out
}

t.test('transforms every document of a batch, objects and JSON text alike; other events pass unchanged', async (t) => {
  const cp = checkpoint({ cursor: 2 })
  const input: EventBatch[] = [[document(0, { id: 1 }), document(1, '{"id":2}'), cp]]
  const out = await collect(mapDocuments((doc, binding) => ({ ...doc, binding }))(from(input)))
  t.equal(out.length, 1)
  t.same(out[0], [
    { type: 'document', binding: 0, doc: { id: 1, binding: 0 } },
    { type: 'document', binding: 1, doc: { id: 2, binding: 1 } },
    cp,
  ])
  t.equal(out[0]?.[2], cp, 'the checkpoint is the same object, so its acknowledgement still resolves')
  t.not(out[0], input[0], 'a new array: the input batch is not changed')
  t.same(input[0]?.[0], { type: 'document', binding: 0, doc: { id: 1 } })
})

t.test('composes with ix and flowkit operators in one pipe', async (t) => {
  async function* source() {
    for (let id = 1; id <= 6; id++) {
      yield document(0, { id })
      if (id % 2 === 0) yield checkpoint({ cursor: id })
    }
  }
  const piped = from(toBatches()(source())).pipe(
    coalesceCheckpoints({ maxDocs: 4, maxBytes: Infinity, maxMs: 60_000 }),
    mapDocuments((doc) => ({ ...doc, seen: true })),
  )
  const events = (await collect(piped)).flat()
  t.same(
    events.filter((e) => e.type === 'document').map((e) => (e.type === 'document' ? e.doc : null)),
    [1, 2, 3, 4, 5, 6].map((id) => ({ id, seen: true })),
  )
  const checkpoints = events.filter((e) => e.type === 'checkpoint')
  t.ok(checkpoints.length < 3, `coalesced ${checkpoints.length} checkpoints from 3`)
  t.same(checkpoints.at(-1)?.type === 'checkpoint' ? checkpoints.at(-1) : null, { ...checkpoints.at(-1), updated: { cursor: 6 } })
})
