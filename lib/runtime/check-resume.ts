/**
 * The `resume` check: a session opened with the state the previous one committed carries on
 * from it rather than starting over. Documents are told apart by their binding and key. At
 * least once allows a session to capture again what followed the last checkpoint; a session
 * that commits again every document of the previous session's first transaction has ignored
 * the state.
 */
import { failed, passed, skipped, type CheckResult } from './check-result.ts'
import type { WatchedSession } from './check-session.ts'

/** Judges `second`, which opened with the state `first` ended with (and watched for `first.firstKeys`). */
export function judgeResume(first: WatchedSession, second: WatchedSession): CheckResult {
  if (!first.opened || first.error !== undefined) return skipped('resume', 'the first session failed (see the session checks)')
  if (!second.opened) return skipped('resume', 'the second session did not open (see session-opened)')
  const keys = first.firstKeys.size
  if (keys === 0) return passed('resume', 'the first session committed no documents: there is nothing the second could repeat')
  const repeated = second.seenKeys.size
  if (repeated === keys) {
    return failed(
      'resume',
      `the second session, opened with the first one's state ${shortJson(first.state)}, committed again all ${keys} document(s) of the first session's first transaction: it started over instead of resuming from the state`,
    )
  }
  return passed('resume', `opened with the first session's state, the second committed ${second.documents} document(s), ${repeated} of the ${keys} of the first session's first transaction again`)
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined'
  return text.length <= 120 ? text : `${text.slice(0, 119)}…`
}
