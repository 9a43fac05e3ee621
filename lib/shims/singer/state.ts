/**
 * A Singer tap's state kept as Flow connector state: `{singer: <the last STATE value>,
 * rowIds: {<state key>: <last row id>}}`. Every checkpoint REPLACES the whole state
 * (mergePatch false) rather than patching it: the tap's state is opaque and the last one wins,
 * so a key the tap dropped must not survive, and a `null` it wrote (`"currently_syncing":
 * null`) must come back as it was, which a merge patch would not do. The value is stored as
 * it is, not wrapped, since no patch ever merges into it.
 */
import { isObject } from '../../json/values.ts'
import { ROW_ID_POINTER } from '../airbyte/catalog.ts'

/** The capture state, as read from Open. */
export interface SingerFlowState {
  /** The last STATE value, or undefined before the tap has emitted one. */
  readonly singer: unknown
  readonly rowIds: Readonly<Record<string, number>>
}

export function parseFlowState(state: unknown): SingerFlowState {
  const kept = isObject(state) ? state : {}
  const rowIds: Record<string, number> = {}
  if (isObject(kept.rowIds)) for (const [key, value] of Object.entries(kept.rowIds)) if (typeof value === 'number') rowIds[key] = value
  return { singer: kept.singer, rowIds }
}

/** The whole Flow state for a tap state and the row id counters. */
export function flowState(singer: unknown, rowIds: Readonly<Record<string, number>>): Record<string, unknown> {
  return {
    ...(singer === undefined ? {} : { singer }),
    ...(Object.keys(rowIds).length === 0 ? {} : { rowIds: { ...rowIds } }),
  }
}

/**
 * Row ids for the bindings keyed by `/_meta/row_id`: each such binding's counter continues
 * from the one its state key had, so a document's row id is never given twice as long as
 * every checkpoint carries `all()`.
 */
export class RowIds {
  readonly #counters: Record<string, number>
  /** Per binding: its state key when it is keyed by row id, else undefined. */
  readonly #keys: readonly (string | undefined)[]
  #changed = false

  constructor(bindings: readonly { readonly key: readonly string[]; readonly stateKey: string }[], counters: Readonly<Record<string, number>>) {
    this.#counters = { ...counters }
    this.#keys = bindings.map((binding) => (binding.key.length === 1 && binding.key[0] === ROW_ID_POINTER ? binding.stateKey : undefined))
  }

  /** True when `binding` is keyed by row id. */
  keyed(binding: number): boolean {
    return this.#keys[binding] !== undefined
  }

  /** The next row id of `binding`, or undefined when it is not keyed by row id. */
  next(binding: number): number | undefined {
    const key = this.#keys[binding]
    if (key === undefined) return undefined
    const id = (this.#counters[key] ?? 0) + 1
    this.#counters[key] = id
    this.#changed = true
    return id
  }

  /** Every counter; clears `changed`. */
  all(): Readonly<Record<string, number>> {
    this.#changed = false
    return { ...this.#counters }
  }

  /** True when a row id was given since the last `all()`. */
  get changed(): boolean {
    return this.#changed
  }
}
