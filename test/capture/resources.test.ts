// Resources run as a capture's open() would run them, session after session, with each
// checkpoint's merge patch applied to the state as Flow applies it: state per resource kind,
// subtasks added and removed, cursor checks, the concurrency bound, intervals, and stopping.
import t from 'tap'
import { backfill, incremental, resources, snapshot, type Binding, type BindingResources, type OpenContext } from '../../lib/capture/index.ts'
import type { CaptureEvent, EventBatch } from '../../lib/ops/events.ts'
import { applyMergePatch } from '../../lib/json/merge-patch.ts'
import { createLogger } from '../../lib/io/log.ts'

interface Config {
  readonly subtasks?: readonly string[]
}

function binding(index: number, name: string): Binding<{ name: string }> {
  return { index, resourceConfig: { name }, resourcePath: [name], stateKey: `${name}.v1`, backfill: 0, collection: `acme/${name}`, key: ['/id'] }
}

interface Session {
  readonly state: Record<string, unknown>
  readonly docs: { binding: number; doc: Record<string, unknown> }[]
  readonly batches: EventBatch[]
}

/** Runs one session to its end (or until `stop` aborts), applying every checkpoint to `state`. */
async function session(define: (b: Binding<{ name: string }>, config: Config) => BindingResources, names: string[], state: Record<string, unknown>, options: { config?: Config; signal?: AbortSignal; untilCaughtUp?: boolean; concurrency?: number } = {}): Promise<Session> {
  const open = resources((context: OpenContext<Config, { name: string }>) => (b: Binding<{ name: string }>) => define(b, context.config), { untilCaughtUp: options.untilCaughtUp ?? true, ...(options.concurrency ? { concurrency: options.concurrency } : {}) })
  const context: OpenContext<Config, { name: string }> = {
    config: options.config ?? {},
    name: 'acme/test',
    bindings: names.map((name, i) => binding(i, name)),
    state,
    signal: options.signal ?? new AbortController().signal,
    logger: createLogger({ level: 'error' }),
  }
  const docs: Session['docs'] = []
  const batches: EventBatch[] = []
  let current = state
  let pending: { binding: number; doc: Record<string, unknown> }[] = []
  for await (const batch of open(context)) {
    batches.push(batch)
    for (const event of batch as CaptureEvent[]) {
      if (event.type === 'document') pending.push({ binding: event.binding, doc: typeof event.doc === 'object' && !(event.doc instanceof Uint8Array) ? (event.doc as Record<string, unknown>) : JSON.parse(Buffer.from(event.doc as Uint8Array).toString()) })
      if (event.type === 'checkpoint') {
        current = applyMergePatch(current, event.updated) as Record<string, unknown>
        docs.push(...pending)
        pending = []
      }
    }
  }
  return { state: current, docs, batches }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A source of changes: items with increasing `updated` numbers, read after a cursor, `limit` at a time. */
function changes(items: { id: number; updated: number }[], limit = 3) {
  return incremental<number>({
    initialCursor: () => 0,
    async *fetchChanges({ cursor }) {
      const page = items.filter((item) => item.updated > cursor).slice(0, limit)
      yield* page
      return page.at(-1)?.updated
    },
  })
}

t.test('incremental + backfill: every batch commits; the second session resumes and backfills nothing again', async (t) => {
  const items = Array.from({ length: 7 }, (_, i) => ({ id: i + 1, updated: (i + 1) * 10 }))
  const pages: (number | null)[] = []
  const define = () => ({
    incremental: changes(items),
    backfill: backfill<number>({
      async *fetchPage({ page, cutoff }) {
        pages.push(page)
        t.equal(cutoff, 0, 'the backfill stops where the incremental started')
        const at = page ?? 0
        yield { id: 100 + at, history: true }
        return at < 2 ? at + 1 : undefined
      },
    }),
  })
  const first = await session(define, ['orders'], {})
  t.same(first.docs.map((d) => d.doc.id).sort((a, b) => Number(a) - Number(b)), [1, 2, 3, 4, 5, 6, 7, 100, 101, 102])
  t.same(pages, [null, 1, 2])
  t.same(first.state, { bindingStateV1: { 'orders.v1': { inc: { cursor: 70 }, backfill: { complete: true } } } })
  t.ok(first.batches.every((batch) => batch.at(-1)?.type === 'checkpoint'), 'every batch ends with a checkpoint')
  items.push({ id: 3, updated: 80 }, { id: 8, updated: 90 })
  const second = await session(define, ['orders'], first.state)
  t.same(second.docs.map((d) => d.doc), [{ id: 3, updated: 80 }, { id: 8, updated: 90 }], 'only what changed since')
  t.same(pages, [null, 1, 2], 'no page fetched again')
  t.same(second.state, { bindingStateV1: { 'orders.v1': { inc: { cursor: 90 }, backfill: { complete: true } } } })
})

t.test('a backfill stopped mid-way resumes from the page its state holds', async (t) => {
  const stop = new AbortController()
  const pages: unknown[] = []
  const define = () => ({
    backfill: backfill<string>({
      async *fetchPage({ page, signal }) {
        pages.push(page)
        if (page === 'p3' && !stop.signal.aborted) {
          stop.abort()
          await sleep(10)
          signal.throwIfAborted()
        }
        yield { id: String(page) }
        return page === null ? 'p2' : page === 'p2' ? 'p3' : undefined
      },
    }),
  })
  const first = await session(define, ['customers'], {}, { signal: stop.signal })
  t.same(first.state, { bindingStateV1: { 'customers.v1': { backfill: { next_page: 'p3' } } } })
  const second = await session(define, ['customers'], first.state)
  t.same(pages, [null, 'p2', 'p3', 'p3'])
  t.same(second.docs.map((d) => d.doc.id), ['p3'])
  t.same(second.state, { bindingStateV1: { 'customers.v1': { backfill: { complete: true } } } })
})

t.test('subtasks: state added for new ones, dropped for removed ones, kept for the rest; unbound bindings dropped', async (t) => {
  const seen: string[] = []
  const define = (_b: Binding<{ name: string }>, config: Config) => ({
    subtasks: config.subtasks ?? [],
    incremental: incremental<number>({
      initialCursor: ({ subtask }) => (subtask === 'c' ? 5 : 0),
      async *fetchChanges({ cursor, subtask }) {
        seen.push(`${subtask}@${cursor}`)
        if (cursor >= 10) return
        yield { id: subtask }
        return 10
      },
    }),
  })
  const first = await session(define, ['orders', 'old'], {}, { config: { subtasks: ['a', 'b'] } })
  t.same(first.state, { bindingStateV1: { 'orders.v1': { subtasks: { a: { inc: { cursor: 10 } }, b: { inc: { cursor: 10 } } } }, 'old.v1': { subtasks: { a: { inc: { cursor: 10 } }, b: { inc: { cursor: 10 } } } } } })
  seen.length = 0
  const second = await session(define, ['orders'], first.state, { config: { subtasks: ['b', 'c'] } })
  const opening = second.batches[0]?.[0]
  t.same(opening?.type === 'checkpoint' ? opening.updated : undefined, { bindingStateV1: { 'old.v1': null, 'orders.v1': { subtasks: { c: { inc: { cursor: 5 } }, a: null } } } }, 'one patch first: c added, a and the old binding dropped')
  t.same(seen.sort(), ['b@10', 'c@10', 'c@5'])
  t.same(second.state, { bindingStateV1: { 'orders.v1': { subtasks: { b: { inc: { cursor: 10 } }, c: { inc: { cursor: 10 } } } } } })
  t.same(second.docs.map((d) => d.doc), [{ id: 'c' }])
})

t.test('cursors must not go backwards; date-time cursors need a time zone', async (t) => {
  const backwards = () => ({ incremental: incremental<number>({ initialCursor: () => 10, async *fetchChanges() { return 5 } }) })
  await t.rejects(session(backwards, ['a'], {}), { code: 'CONNECTOR_FAILED', message: /returned cursor 5, before the cursor it was given, 10/ })
  const zoneless = () => ({ incremental: incremental<string>({ initialCursor: () => '2026-01-01T00:00:00', async *fetchChanges() { return '2026-01-02T00:00:00' } }) })
  await t.rejects(session(zoneless, ['a'], {}), { message: /date-time with a time zone/ })
  const dates = () => ({
    incremental: incremental<string>({
      initialCursor: () => '2026-01-01T00:00:00Z',
      async *fetchChanges({ cursor }) {
        return cursor === '2026-01-01T00:00:00Z' ? '2026-01-01T01:00:00+01:00' : undefined // the same instant: caught up
      },
    }),
  })
  const same = await session(dates, ['a'], {})
  t.same(same.state, { bindingStateV1: { 'a.v1': { inc: { cursor: '2026-01-01T00:00:00Z' } } } }, 'an equal instant in another zone is no progress')
})

t.test('snapshots: numbered rows, an unchanged snapshot skipped by digest, vanished rows deleted', async (t) => {
  let rows: object[] = [{ code: 'free' }, { code: 'team' }, { code: 'pro' }]
  const define = () => ({ snapshot: snapshot({ async *fetchSnapshot() { yield* rows } }) })
  const first = await session(define, ['plans'], {})
  t.same(first.docs.map((d) => d.doc), [{ code: 'free', _meta: { row_id: 0, op: 'c' } }, { code: 'team', _meta: { row_id: 1, op: 'c' } }, { code: 'pro', _meta: { row_id: 2, op: 'c' } }])
  const second = await session(define, ['plans'], first.state)
  t.equal(second.docs.length, 0, 'unchanged: nothing emitted')
  t.same(second.state, first.state)
  rows = [{ code: 'free' }, { code: 'team+' }]
  const third = await session(define, ['plans'], second.state)
  t.same(third.docs.map((d) => d.doc), [{ code: 'free', _meta: { row_id: 0, op: 'u' } }, { code: 'team+', _meta: { row_id: 1, op: 'u' } }, { _meta: { row_id: 2, op: 'd' } }])
  t.match(third.state, { bindingStateV1: { 'plans.v1': { snapshot: { rows: 2, digest: /^[0-9a-f]{64}$/ } } } })
  // A snapshot larger than the buffer streams in committed chunks, and is not skipped.
  rows = Array.from({ length: 1200 }, (_, i) => ({ code: `p${i}`, pad: 'x'.repeat(100) }))
  const small = () => ({ snapshot: snapshot({ maxBufferBytes: 10_000, async *fetchSnapshot() { yield* rows } }) })
  const big = await session(small, ['plans'], {})
  t.equal(big.docs.length, 1200)
  t.ok(big.batches.length > 2, `${big.batches.length} batches`)
  t.equal((await session(small, ['plans'], big.state)).docs.length, 1200, 'a streamed snapshot is emitted again')
})

t.test('at most `concurrency` fetches run at once across bindings and subtasks', async (t) => {
  let active = 0
  let peak = 0
  const define = () => ({
    subtasks: ['a', 'b', 'c'],
    backfill: backfill<number>({
      async *fetchPage() {
        active++
        peak = Math.max(peak, active)
        await sleep(30)
        active--
        yield { id: 1 }
      },
    }),
  })
  const started = performance.now()
  await session(define, ['x', 'y'], {}, { concurrency: 2 })
  t.equal(peak, 2, '6 backfills, 2 at a time')
  t.ok(performance.now() - started >= 3 * 30 - 5, 'in three rounds')
})

t.test('once caught up, the next poll waits out the interval; a stop ends the session at once, even mid-fetch', async (t) => {
  const calls: number[] = []
  const stop = new AbortController()
  const define = () => ({
    incremental: incremental<number>({
      initialCursor: () => 0,
      intervalMs: 250,
      async *fetchChanges({ signal }) {
        calls.push(performance.now())
        if (calls.length === 3) await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })) // hangs until stopped
      },
    }),
  })
  const run = session(define, ['a'], {}, { untilCaughtUp: false, signal: stop.signal })
  for (let waited = 0; calls.length < 3 && waited < 5000; waited += 20) await sleep(20)
  t.equal(calls.length, 3, 'the third poll hangs')
  const gap = (calls[1] as number) - (calls[0] as number)
  t.ok(gap >= 245 && gap < 600, `polls ${Math.round(gap)} ms apart`)
  const stopped = performance.now()
  stop.abort()
  await run
  t.ok(performance.now() - stopped < 500, `the session ended ${Math.round(performance.now() - stopped)} ms after the stop`)
})

t.test('a snapshot stands alone; a binding must read something', async (t) => {
  await t.rejects(session(() => ({ snapshot: snapshot({ async *fetchSnapshot() {} }), backfill: backfill({ async *fetchPage() {} }) }), ['a'], {}), { code: 'ARGUMENT_INVALID' })
  await t.rejects(session(() => ({}), ['a'], {}), { code: 'ARGUMENT_INVALID' })
})
