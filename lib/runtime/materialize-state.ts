/**
 * What the runtime side of a materialization keeps between transactions and sessions, as Flow
 * keeps it in its recovery log: how far the input was committed, the connector state, and the
 * greatest key stored per binding (keys above it were never stored, so they need no Load).
 * Also the runtime checkpoint that tells an authoritative endpoint how far the input went.
 */
import Long from 'long'
import { ConfigError, messageOf } from '../errors.ts'
import { applyMergePatch } from '../json/merge-patch.ts'
import { isObject } from '../json/values.ts'
import type { ConnectorState, RuntimeCheckpoint } from '../protocol/index.ts'
import { readStateFile, replaceStateFile } from './state-file.ts'

/** The checkpoint source under which the driver records how many input lines were committed. */
export const INPUT_SOURCE = 'flowkit/preview'

/**
 * What a materialization session commits alongside the connector: the input lines read, the
 * connector state, the greatest keys stored and the last materialization applied; a session resumed
 * from it skips what was committed.
 */
export interface DriverState {
  /** Input lines committed: a resumed session skips them. */
  readonly readThrough: number
  /** The connector state, with every update applied; `{}` at first. */
  readonly connectorState: unknown
  /** Per binding (by resource path, as JSON): the greatest key stored, packed, in base64. */
  readonly maxKeys: Readonly<Record<string, string>>
  /** The materialization applied last, in Flow's JSON: the next Validate and Apply carry it as `lastMaterialization`. */
  readonly lastMaterialization?: unknown
}

export const INITIAL_STATE: DriverState = { readThrough: 0, connectorState: {}, maxKeys: {} }

/** The consumer.Checkpoint of a transaction that read the input through line `readThrough`. */
export function checkpointOf(readThrough: number): RuntimeCheckpoint {
  return { sources: { [INPUT_SOURCE]: { readThrough: Long.fromNumber(readThrough) } } }
}

/** How far a checkpoint says the input was read: 0 when it has no such source. */
export function readThroughOf(checkpoint: RuntimeCheckpoint): number {
  const value = checkpoint.sources?.[INPUT_SOURCE]?.readThrough
  if (value === undefined || value === null) return 0
  return Long.isLong(value) ? value.toNumber() : Number(value)
}

/** A ConnectorState update applied: a merge patch, or the whole new state. Throws a ConfigError for JSON that does not parse. */
export function applyStateUpdate(state: unknown, update: ConnectorState | null | undefined): unknown {
  if (!update) return state
  let updated: unknown
  try {
    updated = JSON.parse(update.updatedJson || '{}')
  } catch (error) {
    throw new ConfigError(`a connector state update is not JSON: ${messageOf(error)}`, { cause: error })
  }
  return update.mergePatch ? applyMergePatch(state, updated) : updated
}

/** The driver state in `file`, or the initial state when there is no such file. */
export async function readDriverState(file: string): Promise<DriverState> {
  const value = await readStateFile(file)
  if (value === undefined) return INITIAL_STATE
  if (!isObject(value) || typeof value.readThrough !== 'number' || !isObject(value.maxKeys)) {
    throw new ConfigError(`state file ${file} is not a materialization state ({readThrough, connectorState, maxKeys})`)
  }
  const last = value.lastMaterialization === undefined ? {} : { lastMaterialization: value.lastMaterialization }
  return { readThrough: value.readThrough, connectorState: value.connectorState ?? {}, maxKeys: value.maxKeys as Record<string, string>, ...last }
}

/** Replaces the state file whole (see state-file.ts). */
export function writeDriverState(file: string, state: DriverState): Promise<void> {
  return replaceStateFile(file, state)
}
