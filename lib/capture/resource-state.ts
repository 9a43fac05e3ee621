/**
 * The state flowkit keeps for resources, under `bindingStateV1` by binding state key:
 *
 *   { "<stateKey>": { inc?: { cursor }, backfill?: { next_page, cutoff?, complete? }, snapshot?: { digest, rows } } }
 *   { "<stateKey>": { subtasks: { "<id>": { inc?, backfill?, snapshot? } } } }   (a binding with subtasks)
 *
 * Every change is a merge patch. At the start of a session, subtasks seen for the first time
 * get their initial state, and the state of subtasks and bindings no longer captured is
 * dropped (a binding backfilled again by the user has a new state key, so it starts afresh).
 */
import { isObject } from '../json/values.ts'
import { cursorJson } from './cursor.ts'
import type { BindingResources } from './resources.ts'

/**
 * The member of the connector state under which `resources()` keeps its state, by binding state
 * key; a connector's own state must not use it.
 */
export const STATE_ROOT = 'bindingStateV1'

/**
 * The state `resources()` keeps for one binding or subtask: the incremental's cursor, the
 * backfill's next page, the last snapshot's digest.
 */
export interface SubtaskState {
  readonly inc?: { readonly cursor: number | string }
  readonly backfill?: { readonly next_page: unknown; readonly cutoff?: number | string; readonly complete?: boolean }
  readonly snapshot?: { readonly digest: string; readonly rows: number }
}

/** Where a subtask's state is: its binding's state key, and its id (undefined: the binding has no subtasks). */
export interface StatePlace {
  readonly stateKey: string
  readonly subtask: string | undefined
}

/** A checkpoint's merge patch that merges `inner` into the state at `place`. */
export function statePatch(place: StatePlace, inner: Record<string, unknown>): Record<string, unknown> {
  const body = place.subtask === undefined ? inner : { subtasks: { [place.subtask]: inner } }
  return { [STATE_ROOT]: { [place.stateKey]: body } }
}

/** The stored state of each subtask of a binding ('' for a binding without subtasks). */
function storedStates(stored: unknown, withSubtasks: boolean): Map<string, SubtaskState> {
  const states = new Map<string, SubtaskState>()
  if (!isObject(stored)) return states
  if (!withSubtasks) {
    if (!('subtasks' in stored)) states.set('', stored as SubtaskState)
    return states
  }
  const subtasks = stored.subtasks
  if (isObject(subtasks)) for (const [id, state] of Object.entries(subtasks)) if (isObject(state)) states.set(id, state as SubtaskState)
  return states
}

/** One binding as the session plans it. */
export interface PlannedBinding {
  readonly stateKey: string
  readonly resources: BindingResources
}

export interface SessionPlan {
  /** Per binding (in order), the state of each subtask to run. */
  readonly states: readonly Map<string, SubtaskState>[]
  /** The patch that adds new subtasks' states and drops what is no longer captured; null when nothing changes. */
  readonly patch: Record<string, unknown> | null
}

/**
 * Reconciles the stored state with the bindings and subtasks of this session: what each
 * subtask starts from, and one patch for what changed.
 */
export async function planSession(bindings: readonly PlannedBinding[], state: Record<string, unknown>): Promise<SessionPlan> {
  const root = isObject(state[STATE_ROOT]) ? (state[STATE_ROOT] as Record<string, unknown>) : {}
  const changes: Record<string, unknown> = {}
  const states: Map<string, SubtaskState>[] = []
  const kept = new Set(bindings.map((b) => b.stateKey))
  for (const key of Object.keys(root)) if (!kept.has(key)) changes[key] = null
  for (const binding of bindings) {
    const withSubtasks = binding.resources.subtasks !== undefined
    const stored = storedStates(root[binding.stateKey], withSubtasks)
    const ids = withSubtasks ? [...new Set(binding.resources.subtasks)] : ['']
    const current = new Map<string, SubtaskState>()
    const patch: Record<string, unknown> = {}
    for (const id of ids) {
      const known = stored.get(id)
      const state = known ?? (await initialState(binding.resources, id))
      current.set(id, state)
      if (known === undefined) patch[id] = state
    }
    for (const id of stored.keys()) if (!current.has(id)) patch[id] = null
    states.push(current)
    if (Object.keys(patch).length === 0) continue
    const before = root[binding.stateKey]
    const hadSubtasks = isObject(before) && 'subtasks' in before
    // A binding that switched between having subtasks and not loses the state of its other form.
    if (!withSubtasks) changes[binding.stateKey] = hadSubtasks ? { subtasks: null, ...(patch[''] as object) } : patch['']
    else changes[binding.stateKey] = isObject(before) && !hadSubtasks ? { inc: null, backfill: null, snapshot: null, subtasks: patch } : { subtasks: patch }
  }
  return { states, patch: Object.keys(changes).length === 0 ? null : { [STATE_ROOT]: changes } }
}

/** The state of a subtask seen for the first time: its incremental's first cursor, which is also where its backfill stops. */
async function initialState(resources: BindingResources, subtask: string): Promise<SubtaskState> {
  const cursor = resources.incremental ? cursorJson(await resources.incremental.initialCursor({ subtask })) : undefined
  return {
    ...(cursor === undefined ? {} : { inc: { cursor } }),
    ...(resources.backfill ? { backfill: { next_page: null, ...(cursor === undefined ? {} : { cutoff: cursor }) } } : {}),
  }
}
