/**
 * Airbyte state kept as Flow connector state, and handed back to the source as it emitted it.
 *
 * The capture's state holds `airbyte.legacy: [data]` (LEGACY), `airbyte.streams: {"ns/name":
 * [message]}` (STREAM, one per descriptor, synthetic ones included) or `airbyte.global:
 * [message]` (GLOBAL). Each checkpoint is a merge patch; the blobs sit in one-element arrays so
 * that a patch replaces them whole instead of merging into the previous blob (the source's
 * state is opaque: a key it dropped must not survive). A patch of one form clears the others.
 */
import { isObject } from '../../json/values.ts'
import { streamKey, type AirbyteState } from './messages.ts'

/** How the state file given to `read --state` is written: as emitted, or forced to one form. */
export type StateForm = 'auto' | 'legacy' | 'stream'

/** The merge patch that records one STATE message. */
export function statePatch(state: AirbyteState): Record<string, unknown> {
  const stream = state.stream
  if (state.type === 'STREAM' || (state.type === undefined && isObject(stream))) {
    const key = streamKey(stream?.stream_descriptor ?? { name: '' })
    return { airbyte: { legacy: null, global: null, streams: { [key]: [state] } } }
  }
  if (state.type === 'GLOBAL' || (state.type === undefined && state.global !== undefined)) {
    return { airbyte: { legacy: null, streams: null, global: [state] } }
  }
  return { airbyte: { streams: null, global: null, legacy: [state.data ?? null] } }
}

/**
 * The content of the state file for the next `read`, or undefined when there is no state yet.
 * `auto` writes it in the form the source emitted: LEGACY as the bare `data` object, STREAM and
 * GLOBAL as a JSON array of state messages.
 */
export function stateFile(capture: unknown, form: StateForm): unknown {
  const kept = isObject(capture) && isObject(capture.airbyte) ? capture.airbyte : {}
  const only = (value: unknown) => (Array.isArray(value) ? value[0] : undefined)
  if (Array.isArray(kept.legacy)) {
    const data = only(kept.legacy)
    return form === 'stream' ? [{ type: 'LEGACY', data }] : data
  }
  if (isObject(kept.streams)) {
    const messages = Object.values(kept.streams).map(only).filter((message): message is AirbyteState => isObject(message))
    if (form !== 'legacy') return messages
    return Object.fromEntries(messages.map((message) => [message.stream?.stream_descriptor.name ?? '', message.stream?.stream_state]))
  }
  if (Array.isArray(kept.global)) return [only(kept.global)]
  return undefined
}

/** The row id counter of each fallback-keyed binding, by state key. */
export function rowIds(capture: unknown): Record<string, number> {
  return isObject(capture) && isObject(capture.rowIds) ? (capture.rowIds as Record<string, number>) : {}
}
