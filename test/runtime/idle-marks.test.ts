// idleMarks: one mark per pause of the source, items in order, the source's next() never called
// twice, and the source returned when the consumer stops.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { IDLE, idleMarks } from '../../lib/runtime/idle-marks.ts'
import { inputBatches } from '../../lib/runtime/materialize-input.ts'

async function* paced(steps: readonly (string | number)[], log: string[] = []) {
  try {
    for (const step of steps) {
      if (typeof step === 'number') await sleep(step)
      else yield step
    }
  } finally {
    log.push('returned')
  }
}

const collect = async <T>(source: AsyncIterable<T>) => {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

t.test('a pause longer than the idle time gives one mark, a short one none', async (t) => {
  const out = await collect(idleMarks(paced(['a', 'b', 150, 'c', 5, 'd', 400, 'e']), 60))
  t.same(out, ['a', 'b', IDLE, 'c', 'd', IDLE, 'e'])
})

t.test('no mark before the first item; a pause before the end gives one', async (t) => {
  t.same(await collect(idleMarks(paced([150, 'a', 150]), 40)), ['a', IDLE])
  t.same(await collect(idleMarks(['a', 'b'], 10)), ['a', 'b'], 'a plain iterable')
})

t.test('a consumer that stops returns the source, also while a next() is pending', async (t) => {
  const log: string[] = []
  for await (const item of idleMarks(paced(['a', 'b'], log), 20)) if (item === 'a') break
  t.same(log, ['returned'])
  const later: string[] = []
  for await (const item of idleMarks(paced(['a', 100, 'b'], later), 20)) if (item === IDLE) break
  await sleep(150)
  t.same(later, ['returned'], 'returned once the pending next() settled')
})

t.test('inputBatches closes a transaction at a mark, and refuses a document by its line', async (t) => {
  const routes = new Map([['c', [0]]])
  const lines = ['["c",{"id":1}]', '["c",{"id":2}]', IDLE, IDLE, '["x",{}]', '["c",{"id":3}]'] as const
  const batches = await collect(inputBatches(lines, { routes, skip: 0, maxDocs: 10 }))
  t.same(batches.map((b) => [b.docs, b.skipped, b.readThrough]), [[2, 0, 2], [1, 1, 4]], 'a second mark with nothing held closes nothing')
  const check = (_: number, doc: unknown) => ((doc as { id: number }).id === 3 ? 'id 3 is refused' : undefined)
  const seen: number[] = []
  await t.rejects(
    (async () => {
      for await (const batch of inputBatches(lines, { routes, skip: 0, maxDocs: 10, check })) seen.push(batch.readThrough)
    })(),
    { code: 'DOCUMENT_INVALID', message: 'input line 4: id 3 is refused' },
  )
  t.same(seen, [2], 'the batch before the refused line was yielded; the one holding it was not')
})
