/**
 * The outcome of one conformance check of a connector (`flowkit check`, `checkCapture`): which
 * rule, whether the connector kept it, and why it is judged so.
 */

/** pass: the rule holds; fail: it is broken; skip: it could not be judged, as an earlier check failed. */
export type CheckStatus = 'pass' | 'fail' | 'skip'

/**
 * The outcome of one conformance check: its name, its rule in words, pass, fail or skip, and why.
 */
export interface CheckResult {
  /** A stable short name: `spec`, `discover`, `session-opened`, ... */
  readonly check: string
  /** The rule, in words. */
  readonly rule: string
  readonly status: CheckStatus
  /** What was seen: for a failure, what broke the rule and where; for a skip, which check it waits on. */
  readonly reason: string
}

/** The checks of a capture, in the order they run. */
export const CAPTURE_CHECKS = {
  spec: 'Spec is valid, its config and resource config schemas are valid JSON Schema, and the configured config satisfies the config schema',
  discover: 'Discover returns bindings with valid document schemas in which every key location exists',
  validate: 'Validate accepts the discovered bindings and returns one distinct resource path for each',
  apply: 'Apply runs twice without error',
  'session-opened': 'a session starts with Opened',
  'session-checkpoints': 'every transaction ends with a checkpoint carrying state, and the session ends cleanly',
  'session-documents': "every committed document matches its collection's schema and has a value at each key location",
  resume: "a second session resumes from the first one's state",
  acknowledgements: 'acknowledgements are taken when the connector requests them',
  sigterm: 'SIGTERM mid-session ends the connector without a partial frame',
} as const

/** The name of a conformance check of a capture (a key of `CAPTURE_CHECKS`). */
export type CaptureCheck = keyof typeof CAPTURE_CHECKS

export function passed(check: CaptureCheck, reason: string): CheckResult {
  return { check, rule: CAPTURE_CHECKS[check], status: 'pass', reason }
}

export function failed(check: CaptureCheck, reason: string): CheckResult {
  return { check, rule: CAPTURE_CHECKS[check], status: 'fail', reason }
}

export function skipped(check: CaptureCheck, reason: string): CheckResult {
  return { check, rule: CAPTURE_CHECKS[check], status: 'skip', reason }
}

/** One line: `pass  spec: <reason>`, `FAIL  resume: <reason>`. */
export function formatCheck(result: CheckResult): string {
  const mark = result.status === 'pass' ? 'pass' : result.status === 'fail' ? 'FAIL' : 'skip'
  return `${mark}  ${result.check}: ${result.reason.replace(/\s*\n\s*/g, ' ')}`
}

/** `10 checks: 9 passed, 1 failed, 0 skipped`. */
export function summarizeChecks(results: readonly CheckResult[]): string {
  const count = (status: CheckStatus) => results.filter((result) => result.status === status).length
  return `${results.length} checks: ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped`
}
