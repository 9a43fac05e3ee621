/**
 * What the runtime side of a derivation keeps between transactions and sessions, as Flow keeps
 * it in its recovery log: how far the input was committed and the connector state, written
 * together in one commit, and the documents that commit published, kept until they have been
 * handed on (the ACK intents of Flow's commit: a run that stops after a commit but before its
 * documents were printed prints them when it starts again).
 */
import { ConfigError } from '../errors.ts'
import { applyMergePatch } from '../json/merge-patch.ts'
import { isObject } from '../json/values.ts'
import type { ConnectorState } from '../protocol/index.ts'
import { readStateFile, replaceStateFile } from './state-file.ts'

/** What the local runner commits after each transaction (and keeps in its state file): how far the input was read, the connector state, and the documents to print. */
export interface DeriveDriverState {
  /** Input committed: lines (or fixture transactions) a resumed session skips. */
  readonly readThrough: number
  /** The connector state, every committed patch applied; `{}` at first. */
  readonly connectorState: unknown
  /** The documents of the last commit not yet known to be printed, in order. */
  readonly pending: readonly unknown[]
}

export const INITIAL_DERIVE_STATE: DeriveDriverState = { readThrough: 0, connectorState: {}, pending: [] }

/**
 * A Flushed.state as Flow's state-patch list carries it (Flush.statePatches): a merge patch is
 * one patch; a replacement is a `null` patch (which resets the state), then the new state.
 * Throws a ConfigError for JSON that does not parse.
 */
export function statePatchesOf(update: ConnectorState | null | undefined): unknown[] {
  if (!update || !update.updatedJson) return []
  let updated: unknown
  try {
    updated = JSON.parse(update.updatedJson)
  } catch (error) {
    throw new ConfigError(`a connector state update is not JSON: ${(error as Error).message}`, { cause: error })
  }
  return update.mergePatch ? [updated] : [null, updated]
}

/** The state with each patch merged in, in order (a null patch resets it). */
export function applyStatePatches(state: unknown, patches: readonly unknown[]): unknown {
  let out = state
  for (const patch of patches) out = applyMergePatch(out, patch)
  return out ?? {}
}

/** The driver state in `file`, or the initial state when there is no such file. */
export async function readDeriveState(file: string): Promise<DeriveDriverState> {
  const value = await readStateFile(file)
  if (value === undefined) return INITIAL_DERIVE_STATE
  if (!isObject(value) || typeof value.readThrough !== 'number' || !Array.isArray(value.pending ?? [])) {
    throw new ConfigError(`state file ${file} is not a derivation state ({readThrough, connectorState, pending})`)
  }
  return { readThrough: value.readThrough, connectorState: value.connectorState ?? {}, pending: (value.pending as unknown[] | undefined) ?? [] }
}

/** Replaces the state file whole (see state-file.ts): resolves once it is on disk. */
export function writeDeriveState(file: string, state: DeriveDriverState): Promise<void> {
  return replaceStateFile(file, state)
}

/**
 * Makes a commit durable and hands its documents on, in the order that keeps a killed run
 * exact: the state (input position, connector state and the documents as `pending`) is written
 * first, then `emit` gets the documents, then the state is written again without them. A run
 * killed before the first write redoes the transaction; one killed after it emits the pending
 * documents again when it restarts (`emitPending`), so they may be emitted twice, never lost.
 * Without a file, only `emit` runs.
 */
export async function handOn(state: DeriveDriverState, file: string | undefined, emit: (documents: readonly unknown[]) => void | Promise<void>): Promise<void> {
  if (file !== undefined) await writeDeriveState(file, state)
  if (state.pending.length > 0) await emit(state.pending)
  if (file !== undefined && state.pending.length > 0) await writeDeriveState(file, { ...state, pending: [] })
}

/** The documents a run committed but may not have emitted before it stopped: emitted now, then cleared from the file. Returns the state without them. */
export async function emitPending(state: DeriveDriverState, file: string | undefined, emit: (documents: readonly unknown[]) => void | Promise<void>): Promise<DeriveDriverState> {
  if (state.pending.length === 0) return state
  await handOn(state, file, emit)
  return { ...state, pending: [] }
}
