/**
 * The `discover` check: Discover answers with bindings Flow can turn into collections, each
 * with a valid document schema that declares every location of its key.
 */
import { messageOf } from '../errors.ts'
import type { CaptureDiscoveredBinding } from '../protocol/index.ts'
import { discover } from './capture-rpc.ts'
import type { CaptureTask } from './catalog.ts'
import { failed, passed, type CheckResult } from './check-result.ts'
import { compileSchema, listProblems, type SchemaCheck } from './document-check.ts'
import type { StartOptions } from './endpoint.ts'
import { schemaHasLocation } from './schema-location.ts'

export interface DiscoverChecked {
  readonly result: CheckResult
  /** The discovered bindings, when the check passed. */
  readonly bindings?: readonly CaptureDiscoveredBinding[]
}

/** Runs Discover with the capture's config and judges each binding (its resource config against `resourceSchema`, when given). */
export async function checkDiscover(task: CaptureTask, options: StartOptions, resourceSchema?: SchemaCheck): Promise<DiscoverChecked> {
  let bindings: readonly CaptureDiscoveredBinding[]
  try {
    bindings = (await discover(task, options)).discovered?.bindings ?? []
  } catch (error) {
    return { result: failed('discover', `the Discover RPC failed: ${messageOf(error)}`) }
  }
  if (bindings.length === 0) return { result: failed('discover', 'Discover returned no bindings: nothing to validate or capture') }
  for (const [index, binding] of bindings.entries()) {
    const problem = bindingProblem(binding, resourceSchema)
    if (problem !== undefined) return { result: failed('discover', `binding ${index} (${binding.recommendedName || 'no recommended name'}): ${problem}`) }
  }
  const names = bindings.map((binding) => `${binding.recommendedName} [${(binding.key ?? []).join(', ')}]`)
  return { result: passed('discover', `${bindings.length} binding(s), each key in its schema: ${names.join('; ')}`), bindings }
}

/** What is wrong with one discovered binding, or undefined. */
function bindingProblem(binding: CaptureDiscoveredBinding, resourceSchema: SchemaCheck | undefined): string | undefined {
  if (!binding.recommendedName) return 'it has no recommended name'
  const key = binding.key ?? []
  if (key.length === 0) return 'it has no key'
  let schema: unknown
  try {
    schema = JSON.parse(binding.documentSchemaJson || 'null')
    compileSchema(schema, 'its document schema')
  } catch (error) {
    return messageOf(error)
  }
  for (const pointer of key) {
    try {
      if (!schemaHasLocation(schema, pointer)) return `key ${JSON.stringify(pointer)} is not a location its document schema declares (no such property)`
    } catch (error) {
      return `key ${messageOf(error)}`
    }
  }
  if (resourceSchema !== undefined) {
    const problems = resourceSchema.problems(JSON.parse(binding.resourceConfigJson || '{}'))
    if (problems.length > 0) return `its resource config does not satisfy the connector's resource config schema: ${listProblems(problems)}`
  }
  return undefined
}
