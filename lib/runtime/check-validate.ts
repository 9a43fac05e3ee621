/**
 * The `validate` check: Validate of the bindings Discover proposed, as Flow sends it once a
 * user has published them, is accepted, with one distinct resource path per binding.
 */
import { messageOf } from '../errors.ts'
import { checkDistinctPaths } from '../json/pointer.ts'
import type { CaptureDiscoveredBinding } from '../protocol/index.ts'
import { validate } from './capture-rpc.ts'
import type { CaptureTask } from './catalog.ts'
import { failed, passed, type CheckResult } from './check-result.ts'
import type { StartOptions } from './endpoint.ts'

/** Runs Validate of the discovered bindings and judges the resource paths it returns. */
export async function checkValidate(task: CaptureTask, discovered: readonly CaptureDiscoveredBinding[], options: StartOptions): Promise<CheckResult> {
  let answered
  try {
    answered = (await validate(discoveredTask(task, discovered), options)).validated?.bindings ?? []
  } catch (error) {
    return failed('validate', `the Validate RPC of the ${discovered.length} discovered binding(s) failed: ${messageOf(error)}`)
  }
  if (answered.length !== discovered.length) return failed('validate', `Validate of ${discovered.length} binding(s) answered for ${answered.length}; it must answer for each, in order`)
  const paths = answered.map((binding) => binding.resourcePath ?? [])
  const empty = paths.findIndex((path) => path.length === 0)
  if (empty >= 0) return failed('validate', `binding ${empty} (${discovered[empty]?.recommendedName}) was given an empty resource path`)
  try {
    checkDistinctPaths(paths)
  } catch (error) {
    return failed('validate', messageOf(error))
  }
  return passed('validate', `${paths.length} distinct resource path(s): ${paths.map((path) => JSON.stringify(path)).join(', ')}`)
}

/**
 * The capture with the discovered bindings in place of its own: each binding's collection named
 * after its recommended name (under the capture's prefix), with its key and document schema.
 */
export function discoveredTask(task: CaptureTask, discovered: readonly CaptureDiscoveredBinding[]): CaptureTask {
  const prefix = task.name.slice(0, task.name.lastIndexOf('/') + 1)
  return {
    ...task,
    bindings: discovered.map((binding) => ({
      resource: JSON.parse(binding.resourceConfigJson || '{}'),
      collection: { name: `${prefix}${binding.recommendedName}`, key: [...(binding.key ?? [])], writeSchema: JSON.parse(binding.documentSchemaJson || '{}') },
      backfill: 0,
    })),
  }
}
