/**
 * The rule by which Flow's runtime fails a connector that asked for acknowledgements but does
 * not read them: an Acknowledge written to its stdin and not taken within the timeout.
 */
import type { ProtocolError } from '../errors.ts'
import type { Connection } from './connection.ts'

/** How long Flow's runtime gives a connector to take an Acknowledge. */
export const ACK_TIMEOUT_MS = 10_000

/** The errors AckWatch raised: a ProtocolError like any other, told apart by the checks. */
const refusals = new WeakSet<object>()

/** Whether `error` is an AckWatch's `refused`: the connector asked for acknowledgements and did not take one in time. */
export function isAcknowledgementRefusal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && refusals.has(error)
}

/**
 * Watches the connector's stdin after each `sent()`: when what was written is not taken within
 * `timeoutMs`, the connector is killed and `refused` holds the ProtocolError that explains it.
 * Requests written after what was taken are watched anew. `close()` stops watching.
 */
export class AckWatch<Req, Res> {
  readonly #connection: Connection<Req, Res>
  readonly #timeoutMs: number
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false
  refused: ProtocolError | undefined

  constructor(connection: Connection<Req, Res>, timeoutMs = ACK_TIMEOUT_MS) {
    this.#connection = connection
    this.#timeoutMs = timeoutMs
  }

  /** Call after writing an Acknowledge. */
  sent(): void {
    const connection = this.#connection
    if (this.#closed || this.#timer !== undefined || connection.inputBacklog === 0) return
    this.#timer = setTimeout(() => {
      const rule = `the connector requested acknowledgements but is not processing its input: an Acknowledge was not taken within ${this.#timeoutMs / 1000} s`
      this.refused = connection.violation('PROTOCOL_VIOLATION', rule)
      refusals.add(this.refused)
      connection.kill('SIGKILL')
    }, this.#timeoutMs)
    void connection.inputTaken().then(() => {
      clearTimeout(this.#timer)
      this.#timer = undefined
      this.sent()
    })
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
  }
}
