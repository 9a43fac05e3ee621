import t from 'tap'
import { ProtocolError } from '../../lib/errors.ts'
import { AckQueue, ackWindow, type AckLedger } from '../../lib/ops/ack-window.ts'
import { checkpoint, document, mergedCheckpoint, type EventBatch } from '../../lib/ops/events.ts'
import { isSettled, settle } from './helpers.ts'

/** Batches of one document and one checkpoint; records the ledger's inFlight at every pull. */
function instrumentedSource(batches: number, ledger: AckLedger) {
  const seen: number[] = []
  const source = (async function* () {
    for (let i = 0; i < batches; i++) {
      seen.push(ledger.inFlight)
      yield [document(0, `{"i":${i}}`), checkpoint({ i })] as EventBatch
    }
    seen.push(ledger.inFlight)
  })()
  return { source, seen }
}

/** Writes a batch as the serve loop would: every checkpoint in it becomes in flight. */
function write(queue: AckQueue, batch: EventBatch): void {
  for (const event of batch) if (event.type === 'checkpoint') queue.written(event)
}

t.test('the source is never pulled while maxInFlight checkpoints are unacknowledged', async (t) => {
  const queue = new AckQueue()
  const { source, seen } = instrumentedSource(6, queue)
  const window = ackWindow({ maxInFlight: 2, ledger: queue })(source)

  for (let i = 0; i < 2; i++) {
    const r = await window.next()
    t.equal(r.done, false)
    write(queue, r.value as EventBatch)
  }
  t.equal(queue.inFlight, 2)
  const third = window.next()
  t.notOk(await isSettled(third), 'waits while two are in flight')
  t.equal(seen.length, 2, 'and has not pulled the source')
  queue.acknowledge(1)
  const r = await third
  t.equal(r.done, false, 'an acknowledgement releases it')
  t.equal(seen.length, 3)
  write(queue, r.value as EventBatch)

  // Acknowledge as we go from here, and let the rest run to the end.
  for (;;) {
    queue.acknowledge(queue.inFlight)
    const next = await window.next()
    if (next.done === true) break
    write(queue, next.value)
  }
  t.strictSame(seen, [0, 1, 1, 0, 0, 0, 0])
  t.ok(seen.every((n) => n < 2), 'every pull happened with fewer than two in flight')
})

t.test('waits before the first pull when the ledger is already full', async (t) => {
  const queue = new AckQueue()
  queue.written(checkpoint())
  const { source, seen } = instrumentedSource(1, queue)
  const first = ackWindow({ maxInFlight: 1, ledger: queue })(source).next()
  t.notOk(await isSettled(first))
  t.equal(seen.length, 0)
  queue.acknowledge(1)
  t.equal((await first).done, false)
})

t.test('batches pass through unchanged and in order', async (t) => {
  const batches: EventBatch[] = [[document(0, '{}')], [checkpoint()], [document(1, '{}')]]
  const ledger: AckLedger = { inFlight: 0, below: () => Promise.reject(new Error('not expected')) }
  const out: EventBatch[] = []
  for await (const b of ackWindow({ maxInFlight: 1, ledger })((async function* () { yield* batches })())) out.push(b)
  t.equal(out.length, 3)
  out.forEach((b, i) => t.equal(b, batches[i]))
})

t.test('AckQueue acknowledges in FIFO order, a merged checkpoint for all it stands for', async (t) => {
  const queue = new AckQueue()
  const [a, b, c] = [checkpoint({ a: 1 }), checkpoint({ b: 1 }), checkpoint({ c: 1 })]
  const merged = mergedCheckpoint({ b: 1, c: 1 }, true, [b!, c!])
  const order: string[] = []
  a!.acknowledged.then(() => order.push('a'))
  b!.acknowledged.then(() => order.push('b'))
  c!.acknowledged.then(() => order.push('c'))
  merged.acknowledged.then(() => order.push('merged'))
  queue.written(a!)
  queue.written(merged)
  t.equal(queue.inFlight, 2)
  queue.acknowledge(0)
  await settle()
  t.strictSame(order, [], 'nothing acknowledged yet')
  queue.acknowledge(1)
  await settle()
  t.strictSame(order, ['a'])
  t.equal(queue.inFlight, 1)
  queue.acknowledge(1)
  await settle()
  t.strictSame(order, ['a', 'b', 'c', 'merged'])
  t.equal(queue.inFlight, 0)
})

t.test('acknowledging more than was written fails clearly and acknowledges nothing', async (t) => {
  const queue = new AckQueue()
  const cp = checkpoint()
  let acked = false
  cp.acknowledged.then(() => (acked = true))
  queue.written(cp)
  queue.written(checkpoint())
  t.throws(() => queue.acknowledge(3), { name: 'ProtocolError', message: /acknowledged 3 checkpoints but only 2 were written/ })
  t.throws(() => queue.acknowledge(-1), ProtocolError)
  t.throws(() => queue.acknowledge(1.5), ProtocolError)
  await settle()
  t.notOk(acked)
  t.equal(queue.inFlight, 2)
  const empty = new AckQueue()
  t.throws(() => empty.acknowledge(1), /acknowledged 1 checkpoint but only 0 were written/)
})

t.test('below() resolves when inFlight drops below n, at once if it already is', async (t) => {
  const queue = new AckQueue()
  t.ok(await isSettled(queue.below(1)))
  for (let i = 0; i < 3; i++) queue.written(checkpoint())
  const below3 = queue.below(3)
  const below2 = queue.below(2)
  const below1 = queue.below(1)
  t.ok(await isSettled(queue.below(4)))
  t.notOk(await isSettled(below3))
  queue.acknowledge(1)
  t.ok(await isSettled(below3))
  t.notOk(await isSettled(below2))
  queue.acknowledge(2)
  t.ok(await isSettled(below2))
  t.ok(await isSettled(below1))
})

t.test('close() stops a window waiting for acknowledgements', async (t) => {
  const queue = new AckQueue()
  const { source } = instrumentedSource(3, queue)
  const window = ackWindow({ maxInFlight: 1, ledger: queue })(source)
  write(queue, (await window.next()).value as EventBatch)
  const waiting = window.next()
  t.notOk(await isSettled(waiting))
  queue.close()
  await t.rejects(waiting, { name: 'ProtocolError', message: /session ended/ })
  await t.rejects(queue.below(5), ProtocolError, 'and so does every later below()')
})

t.test('thousands of checkpoints acknowledged in chunks all resolve, in any pattern', async (t) => {
  const queue = new AckQueue()
  let acked = 0
  for (let i = 0; i < 5000; i++) {
    const cp = checkpoint()
    cp.acknowledged.then(() => acked++)
    queue.written(cp)
    if (i % 3 === 2) queue.acknowledge(2)
  }
  queue.acknowledge(queue.inFlight)
  await settle()
  t.equal(acked, 5000)
  t.equal(queue.inFlight, 0)
})

t.test('validates maxInFlight', async (t) => {
  const ledger = new AckQueue()
  for (const maxInFlight of [0, -1, 1.5, Number.NaN]) t.throws(() => ackWindow({ maxInFlight, ledger }), { code: 'ARGUMENT_INVALID' })
  t.doesNotThrow(() => ackWindow({ maxInFlight: Infinity, ledger }))
})
