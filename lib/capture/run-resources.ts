import { setMaxListeners } from 'node:events'
import { ArgumentError } from '../errors.ts'
import { linkSignals } from '../http/abort.ts'
import { mergeSources } from '../ops/merge-sources.ts'
import { checkpoint, type EventBatch } from '../ops/events.ts'
import type { Binding, OpenContext } from './connector.ts'
import { runBackfill, runIncremental, runSnapshot, stopQuietly, type TaskContext } from './resource-loops.ts'
import { planSession } from './resource-state.ts'
import type { BindingResources } from './resources.ts'
import { Slots } from './slots.ts'

/**
 * Options of `resources()`: how many fetches run at once, and whether a session ends once
 * everything is caught up.
 */
export interface ResourcesOptions<C> {
  /** Most fetches running at once, over all bindings, subtasks and resources; default 4. Waiting out an interval takes no slot. */
  readonly concurrency?: number
  /**
   * End the session once every resource is idle — incrementals caught up, backfills done, one
   * snapshot each — instead of polling on (a preview, a test, a scheduled run); default false.
   */
  readonly untilCaughtUp?: boolean | ((config: C) => boolean)
}

/**
 * A capture's `open` from what each binding reads: `resources((session) => (binding) => ({
 * incremental, backfill, snapshot, subtasks }))` — `session` (the open context: config,
 * signal, logger) is given once, to set up what the bindings share, such as an HTTP client
 * with the session's signal; the function it returns is asked once per binding. flowkit keeps the state (see
 * resource-state.ts): new subtasks get their initial state and removed ones lose theirs, in
 * one checkpoint before anything else. Then every resource of every subtask runs concurrently
 * (at most `concurrency` fetches at a time), each committing as it goes, until the session's
 * signal aborts: waits end at once, fetches get the signal, and the session ends as soon as
 * the fetches in flight have returned.
 */
export function resources<C, R>(setup: (session: OpenContext<C, R>) => (binding: Binding<R>) => BindingResources, options: ResourcesOptions<C> = {}) {
  return async function* openResources(context: OpenContext<C, R>): AsyncGenerator<EventBatch, void, undefined> {
    const define = setup(context)
    const planned = context.bindings.map((binding) => ({ stateKey: binding.stateKey, resources: checked(binding, define(binding)) }))
    const plan = await planSession(planned, context.state)
    if (plan.patch !== null) yield [checkpoint(plan.patch)]
    const untilIdle = typeof options.untilCaughtUp === 'function' ? options.untilCaughtUp(context.config) : (options.untilCaughtUp ?? false)
    const slots = new Slots(options.concurrency ?? 4)
    // Every loop's waits and fetches listen to the session's signal: through one link, which may have many listeners.
    const link = linkSignals(context.signal)
    setMaxListeners(0, link.signal)
    const signal = link.signal
    const loops: AsyncGenerator<EventBatch, void, undefined>[] = []
    for (const [index, { stateKey, resources }] of planned.entries()) {
      for (const [id, state] of plan.states[index] ?? []) {
        const place = { stateKey, subtask: resources.subtasks === undefined ? undefined : id }
        const task: TaskContext = { binding: index, place, state, signal, logger: context.logger, slots, untilIdle }
        if (resources.incremental) loops.push(stopQuietly(signal, runIncremental(task, resources.incremental)))
        if (resources.backfill) loops.push(stopQuietly(signal, runBackfill(task, resources.backfill)))
        if (resources.snapshot) loops.push(stopQuietly(signal, runSnapshot(task, resources.snapshot)))
      }
    }
    try {
      yield* mergeSources(...loops)
    } finally {
      link.dispose()
    }
  }
}

function checked(binding: Binding<unknown>, resources: BindingResources): BindingResources {
  const name = binding.resourcePath.join('.') || String(binding.index)
  if (resources.snapshot && (resources.incremental || resources.backfill)) throw new ArgumentError(`binding ${name}: a snapshot resource stands alone, without incremental or backfill`)
  if (!resources.snapshot && !resources.incremental && !resources.backfill) throw new ArgumentError(`binding ${name}: give it an incremental, a backfill or a snapshot resource`)
  return resources
}
