/** The `apply` check: Apply of the capture succeeds, and succeeds again, as Flow may repeat it. */
import { messageOf } from '../errors.ts'
import { apply } from './capture-rpc.ts'
import type { CaptureTask } from './catalog.ts'
import { failed, passed, type CheckResult } from './check-result.ts'
import type { StartOptions } from './endpoint.ts'

/** Runs Apply of the catalog's capture twice, each in a process of its own. */
export async function checkApply(task: CaptureTask, options: StartOptions): Promise<CheckResult> {
  const descriptions: string[] = []
  for (const run of ['first', 'second']) {
    try {
      descriptions.push((await apply(task, options)).applied?.actionDescription ?? '')
    } catch (error) {
      return failed('apply', `the ${run} Apply failed: ${messageOf(error)}`)
    }
  }
  const said = descriptions.map((text) => (text === '' ? '(no action)' : JSON.stringify(text.length > 80 ? `${text.slice(0, 79)}…` : text)))
  return passed('apply', `applied twice: ${said.join(', then ')}`)
}
