import { ConnectorError } from '../errors.ts'

/**
 * A request that failed for good: a status the request does not accept (after any retries),
 * a timeout, or a connection error once retries ran out. Its code is CONNECTOR_FAILED; the
 * message names the method, the URL (credentials redacted) and the status.
 */
export class HttpError extends ConnectorError {
  /** The HTTP status of the last response; 0 when no response came (connection error, timeout). */
  readonly status: number
  /** The start of the last response's body (up to 1 KiB), for the message and logs. */
  readonly body: string
  /** How many attempts were made. */
  readonly attempts: number

  constructor(message: string, details: { readonly status: number; readonly body?: string; readonly attempts: number }, options?: ErrorOptions) {
    super(message, options)
    this.status = details.status
    this.body = details.body ?? ''
    this.attempts = details.attempts
  }
}

/** A request's per-attempt time limit ran out (waiting for the head, or between two chunks of the body). */
export class TimeoutError extends ConnectorError {}
