/**
 * The checks judged from watched sessions: each opened with Opened (`session-opened`),
 * committed transactions that each ended with a checkpoint carrying state and ended cleanly
 * (`session-checkpoints`), and committed only documents that fit their collections
 * (`session-documents`). A rule broken in any session fails its check, naming the session.
 */
import { messageOf } from '../errors.ts'
import { isAcknowledgementRefusal } from './ack-watch.ts'
import { failed, passed, skipped, type CheckResult } from './check-result.ts'
import type { WatchedSession } from './check-session.ts'

/** `sessions` in the order they ran, named as the check lines name them ("session 1", ...). */
export function judgeSessions(sessions: readonly WatchedSession[]): CheckResult[] {
  return [judgeOpened(sessions), judgeCheckpoints(sessions), judgeDocuments(sessions)]
}

function judgeOpened(sessions: readonly WatchedSession[]): CheckResult {
  const index = sessions.findIndex((session) => !session.opened)
  if (index >= 0) return failed('session-opened', `session ${index + 1}: ${messageOf(sessions[index]?.error ?? 'the session did not open')}`)
  return passed('session-opened', `${sessions.length} session(s), each answered Open with Opened`)
}

function judgeCheckpoints(sessions: readonly WatchedSession[]): CheckResult {
  if (!sessions.some((session) => session.opened)) return skipped('session-checkpoints', 'no session opened')
  for (const [index, session] of sessions.entries()) {
    if (!session.opened) continue
    const name = `session ${index + 1}`
    if (session.error !== undefined && !isAcknowledgementRefusal(session.error)) {
      return failed('session-checkpoints', `${name}, after ${session.transactions} committed transaction(s): ${messageOf(session.error)}`)
    }
    if (session.transactions === 0) return failed('session-checkpoints', `${name} ended without a checkpoint: a session must commit what it captures with a checkpoint carrying state`)
  }
  const counts = sessions.map((session) => `${session.transactions}${session.stopped ? ' (stopped by the check)' : ''}`)
  return passed('session-checkpoints', `transactions committed per session: ${counts.join(', ')}`)
}

function judgeDocuments(sessions: readonly WatchedSession[]): CheckResult {
  if (!sessions.some((session) => session.opened)) return skipped('session-documents', 'no session opened')
  for (const [index, session] of sessions.entries()) {
    if (session.documentProblem === undefined) continue
    const more = session.documentProblems > 1 ? ` (and ${session.documentProblems - 1} more document(s) that do not fit)` : ''
    return failed('session-documents', `session ${index + 1}: ${session.documentProblem}${more}`)
  }
  const documents = sessions.reduce((sum, session) => sum + session.documents, 0)
  return passed('session-documents', `${documents} committed document(s) checked against their collections' schemas and keys`)
}
