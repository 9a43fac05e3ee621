/**
 * The `acknowledgements` check: a connector that asks for acknowledgements (Opened's
 * `explicitAcknowledgements`) takes each one the runtime sends, within the time Flow gives it.
 * A connector that stops reading its input is found as Flow finds it: once the Acknowledges it
 * leaves unread fill its stdin, the next one is not taken in time.
 */
import { messageOf } from '../errors.ts'
import { isAcknowledgementRefusal } from './ack-watch.ts'
import { failed, passed, skipped, type CheckResult } from './check-result.ts'
import type { WatchedSession } from './check-session.ts'

export function judgeAcknowledgements(sessions: readonly WatchedSession[], ackTimeoutMs: number): CheckResult {
  const opened = sessions.filter((session) => session.opened)
  if (opened.length === 0) return skipped('acknowledgements', 'no session opened')
  const refused = sessions.findIndex((session) => isAcknowledgementRefusal(session.error))
  if (refused >= 0) return failed('acknowledgements', `session ${refused + 1}: ${messageOf(sessions[refused]?.error)}`)
  const requested = opened.filter((session) => session.explicitAcknowledgements)
  if (requested.length === 0) return passed('acknowledgements', 'not requested (Opened.explicitAcknowledgements is false): none were sent')
  if (requested.length < opened.length) return failed('acknowledgements', 'the connector requested acknowledgements in some sessions and not in others')
  const sent = requested.reduce((sum, session) => sum + session.transactions, 0)
  return passed('acknowledgements', `requested; ${sent} Acknowledge(s) sent, each taken within ${ackTimeoutMs / 1000} s`)
}
