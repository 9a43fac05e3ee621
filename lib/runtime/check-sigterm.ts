/**
 * The `sigterm` check: a connector sent SIGTERM in the middle of a session (right after its
 * first checkpoint) ends within a grace period, its output ending on a frame boundary. How it
 * exits (0, or by the signal itself) is reported, not judged.
 */
import { FramingError, messageOf } from '../errors.ts'
import { captureSpecOf, openRequest } from './capture-requests.ts'
import { connect, type CaptureConnection } from './capture-rpc.ts'
import type { CaptureTask } from './catalog.ts'
import { failed, passed, skipped, type CheckResult } from './check-result.ts'
import type { StartOptions } from './endpoint.ts'
import type { ConnectorExit } from './process.ts'

export interface SigtermOptions extends StartOptions {
  /** How long the connector may take to end after SIGTERM before it is killed and the check fails. */
  readonly graceMs: number
}

/** Opens a session from `{}`, sends SIGTERM after the first checkpoint, and reads the output to its end. */
export async function checkSigterm(task: CaptureTask, options: SigtermOptions): Promise<CheckResult> {
  let connection: CaptureConnection
  try {
    const connected = await connect(task, options)
    connection = connected.connection
    connection.send(openRequest(captureSpecOf(task, connected.spec.resourcePathPointers ?? []), {}))
  } catch (error) {
    return failed('sigterm', `the session could not be started: ${messageOf(error)}`)
  }
  const reading = await readUntilEnd(connection, options.graceMs)
  connection.end()
  if (reading.signalledAt === undefined) {
    connection.kill('SIGKILL')
    return skipped('sigterm', `the session ended before its first checkpoint, so no SIGTERM was sent${reading.error ? ` (${messageOf(reading.error)})` : ''}`)
  }
  if (reading.timedOut) return failed('sigterm', `the connector did not end within ${options.graceMs / 1000} s of SIGTERM; it was killed`)
  if (reading.error instanceof FramingError && reading.error.code === 'FRAME_TRUNCATED') {
    connection.kill('SIGKILL')
    return failed('sigterm', `after SIGTERM the connector's output ended inside a frame: ${reading.error.message}`)
  }
  if (reading.error !== undefined) {
    connection.kill('SIGKILL')
    return failed('sigterm', `after SIGTERM the connector's output could not be read: ${messageOf(reading.error)}`)
  }
  const exit = await within(connection.exited, options.graceMs)
  if (exit === undefined) {
    connection.kill('SIGKILL')
    return failed('sigterm', `the connector closed its output but did not exit within ${options.graceMs / 1000} s of SIGTERM; it was killed`)
  }
  const how = exit.code !== null ? `exited with code ${exit.code}` : `was ended by ${exit.signal}`
  return passed('sigterm', `sent after checkpoint 1; the connector ${how} ${Date.now() - reading.signalledAt} ms later, its output whole (${reading.checkpoints} checkpoint(s) in all)`)
}

interface Reading {
  readonly checkpoints: number
  /** When SIGTERM was sent; undefined if the output ended before the first checkpoint. */
  readonly signalledAt?: number
  readonly timedOut: boolean
  readonly error?: unknown
}

/**
 * Reads responses to the end of the output, acknowledging checkpoints when asked to, and sends
 * SIGTERM after the first; SIGKILL when the output has not ended `graceMs` after it.
 */
async function readUntilEnd(connection: CaptureConnection, graceMs: number): Promise<Reading> {
  let explicit = false
  let checkpoints = 0
  let signalledAt: number | undefined
  let timedOut = false
  let timer: NodeJS.Timeout | undefined
  const result = (error?: unknown): Reading => ({ checkpoints, timedOut, ...(signalledAt === undefined ? {} : { signalledAt }), ...(error === undefined ? {} : { error }) })
  try {
    for (let response = await connection.next(); response !== undefined; response = await connection.next()) {
      if (response.opened != null) explicit = response.opened.explicitAcknowledgements === true
      if (response.checkpoint == null) continue
      checkpoints++
      if (explicit) connection.send({ acknowledge: { checkpoints: 1 } })
      if (signalledAt !== undefined) continue
      signalledAt = Date.now()
      connection.kill('SIGTERM')
      timer = setTimeout(() => {
        timedOut = true
        connection.kill('SIGKILL')
      }, graceMs)
    }
    return result()
  } catch (error) {
    return result(error)
  } finally {
    clearTimeout(timer)
  }
}

/** The exit, or undefined when it has not come within `ms`. */
async function within(exited: Promise<ConnectorExit>, ms: number): Promise<ConnectorExit | undefined> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([exited, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))])
  } finally {
    clearTimeout(timer)
  }
}
