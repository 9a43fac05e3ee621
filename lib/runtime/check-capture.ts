/**
 * A conformance run against any capture (a flowkit connector, a shim, an image), played as
 * Flow's runtime plays it: Spec, Discover, Validate of the discovered bindings, Apply twice,
 * two sessions the second of which resumes from the first one's state, and a session stopped
 * with SIGTERM. Each rule is judged on its own, so one broken rule fails one check; a check
 * that needs what an earlier one failed to give is skipped.
 */
import { ACK_TIMEOUT_MS } from './ack-watch.ts'
import { loadCapture, type CaptureTask } from './catalog.ts'
import { checkApply } from './check-apply.ts'
import { checkDiscover } from './check-discover.ts'
import { judgeAcknowledgements } from './check-acknowledgements.ts'
import { skipped, type CheckResult } from './check-result.ts'
import { judgeResume } from './check-resume.ts'
import { watchSession, type WatchOptions } from './check-session.ts'
import { judgeSessions } from './check-session-rules.ts'
import { checkSigterm } from './check-sigterm.ts'
import { checkSpec } from './check-spec.ts'
import { checkValidate } from './check-validate.ts'
import type { StartOptions } from './endpoint.ts'

/**
 * Options of `checkCapture`: which capture, the connector's log level, and the bounds and timeouts
 * of the sessions the checks run.
 */
export interface CheckOptions extends Omit<StartOptions, 'inspect'> {
  /** The connector's LOG_LEVEL. Default: the capture's `shards.logLevel`, else warn. */
  readonly logLevel?: string | undefined
  /** The capture to check when the catalog has several. */
  readonly capture?: string
  /** A session is asked to stop (its stdin closed) after this many transactions. Default 100,000. */
  readonly maxTransactions?: number
  /** ... or after this long. Default 30 s. */
  readonly sessionTimeoutMs?: number
  /** Once asked to stop, how long a session may take to end before the connector is killed. Default 10 s. */
  readonly stopGraceMs?: number
  /** How long an Acknowledge may wait to be taken. Default 10 s, as in Flow. */
  readonly ackTimeoutMs?: number
  /** How long the connector may take to end after SIGTERM. Default 10 s. */
  readonly sigtermGraceMs?: number
  /** Called with each result as soon as it is known, in order. */
  readonly onResult?: (result: CheckResult) => void
}

/**
 * Runs every check against the capture `source` (a catalog file, or a task built in code) and
 * returns the results in order. Rejects only when the catalog cannot be loaded; whatever the
 * connector does is a result.
 */
export async function checkCapture(source: string | CaptureTask, options: CheckOptions = {}): Promise<CheckResult[]> {
  const task = typeof source === 'string' ? loadCapture(source, options.capture) : source
  const start: StartOptions = { logLevel: options.logLevel ?? task.logLevel ?? 'warn', onLog: options.onLog }
  const results: CheckResult[] = []
  const report = (result: CheckResult) => {
    results.push(result)
    options.onResult?.(result)
  }

  const spec = await checkSpec(task, start)
  report(spec.result)
  const discover = await checkDiscover(task, start, spec.resourceSchema)
  report(discover.result)
  report(discover.bindings ? await checkValidate(task, discover.bindings, start) : skipped('validate', 'Discover gave no bindings to validate (see discover)'))
  report(await checkApply(task, start))

  const ackTimeoutMs = options.ackTimeoutMs ?? ACK_TIMEOUT_MS
  const watch: WatchOptions = {
    ...start,
    maxTransactions: options.maxTransactions ?? 100_000,
    timeoutMs: options.sessionTimeoutMs ?? 30_000,
    stopGraceMs: options.stopGraceMs ?? 10_000,
    ackTimeoutMs,
  }
  const first = await watchSession(task, watch)
  const second = await watchSession(task, { ...watch, state: first.state, watchKeys: first.firstKeys })
  for (const result of judgeSessions([first, second])) report(result)
  report(judgeResume(first, second))
  report(judgeAcknowledgements([first, second], ackTimeoutMs))
  report(await checkSigterm(task, { ...start, graceMs: options.sigtermGraceMs ?? 10_000 }))
  return results
}
