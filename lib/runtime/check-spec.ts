/**
 * The `spec` check: the connector's Spec response is what Flow accepts, and the capture's
 * configured config and resource configs satisfy the schemas it declares.
 */
import { messageOf } from '../errors.ts'
import { isObject } from '../json/values.ts'
import { PROTOCOL_VERSION } from '../protocol/index.ts'
import { spec } from './capture-rpc.ts'
import type { CaptureTask } from './catalog.ts'
import { failed, passed, type CheckResult } from './check-result.ts'
import { compileSchema, listProblems, type SchemaCheck } from './document-check.ts'
import type { StartOptions } from './endpoint.ts'

export interface SpecChecked {
  readonly result: CheckResult
  /** The compiled resource config schema, when the check passed. */
  readonly resourceSchema?: SchemaCheck
}

/** Runs Spec with the capture's config and judges its response. */
export async function checkSpec(task: CaptureTask, options: StartOptions): Promise<SpecChecked> {
  let response
  try {
    response = (await spec(task, options)).spec
  } catch (error) {
    return { result: failed('spec', `the Spec RPC failed: ${messageOf(error)}`) }
  }
  if (response == null) return { result: failed('spec', 'the Spec response is empty') }
  if (response.protocol !== PROTOCOL_VERSION) return { result: failed('spec', `the Spec response's protocol is ${response.protocol ?? 'missing'}, not ${PROTOCOL_VERSION}`) }
  try {
    const config = compiled(response.configSchemaJson, 'configSchema')
    const resourceSchema = compiled(response.resourceConfigSchemaJson, 'resourceConfigSchema')
    const configProblems = config.problems(withDefaults(JSON.parse(response.configSchemaJson as string), task.endpoint.config ?? {}))
    if (configProblems.length > 0) {
      return { result: failed('spec', `the capture's config (with the schema's defaults for properties it leaves out) does not satisfy the connector's config schema: ${listProblems(configProblems)}`) }
    }
    for (const [index, binding] of task.bindings.entries()) {
      const problems = resourceSchema.problems(binding.resource)
      if (problems.length > 0) {
        return { result: failed('spec', `the resource config of binding ${index} (${binding.collection.name}) does not satisfy the connector's resource config schema: ${listProblems(problems)}`) }
      }
    }
    const pointers = response.resourcePathPointers ?? []
    const what = `protocol ${PROTOCOL_VERSION}; valid config and resource config schemas; the config (defaults filled in) and ${task.bindings.length} resource config(s) satisfy them`
    return { result: passed('spec', pointers.length > 0 ? `${what}; resource path pointers ${pointers.join(', ')}` : what), resourceSchema }
  } catch (error) {
    return { result: failed('spec', messageOf(error)) }
  }
}

/** A schema field of the Spec response, parsed and compiled; a ConfigError naming the field otherwise. */
function compiled(text: string | null | undefined, field: string): SchemaCheck {
  if (!text) return compileSchema(undefined, `the Spec response's ${field} (missing)`)
  return compileSchema(JSON.parse(text), `the Spec response's ${field}`)
}

/**
 * A copy of `value` with the `default` of each property the schema lists under `properties`
 * and the value leaves out, at every level of objects: the config a user gets who leaves
 * those properties alone in a form built from the schema, and what a connector that fills
 * defaults (a flowkit connector) runs with.
 */
function withDefaults(schema: unknown, value: unknown): unknown {
  if (!isObject(schema) || !isObject(schema.properties) || !isObject(value)) return value
  const out: Record<string, unknown> = { ...value }
  for (const [name, property] of Object.entries(schema.properties)) {
    if (!Object.hasOwn(out, name)) {
      if (isObject(property) && Object.hasOwn(property, 'default')) out[name] = property.default
    } else {
      out[name] = withDefaults(property, out[name])
    }
  }
  return out
}
