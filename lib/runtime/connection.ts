/**
 * The runtime's end of one connector RPC, for any of the three protocols: requests framed onto
 * the connector's stdin and responses read from its stdout in the endpoint's codec, errors
 * that name the offending response, and the rules for ending the RPC.
 */
import { encodeFrame, readFrames, type Codec, type FrameCodec, type MessageReader } from '../codec/frames.ts'
import { FramingError, ProtocolError } from '../errors.ts'
import type { StartedEndpoint } from './endpoint.ts'
import { exitProblem, EXIT_GRACE_MS, stopConnector, waitForExit, type ConnectorExit } from './process.ts'

/** The output ended where a response was due. */
class ConnectorEof extends ProtocolError {}

/** How many characters of a response an error message quotes. */
const QUOTED_CHARS = 240

export class Connection<Req, Res> {
  readonly codec: Codec
  /** The argv that was started: the local command, or `docker run ...` for an image. */
  readonly command: readonly string[]
  readonly debugging: boolean
  readonly exited: Promise<ConnectorExit>
  readonly #started: StartedEndpoint
  readonly #requests: FrameCodec<Req>
  readonly #responses: FrameCodec<Res>
  readonly #reader: MessageReader<Res>

  constructor(started: StartedEndpoint, requests: FrameCodec<Req>, responses: FrameCodec<Res>) {
    this.#started = started
    this.#requests = requests
    this.#responses = responses
    this.codec = started.codec
    this.command = started.process.command
    this.debugging = started.debugging
    this.exited = started.process.exited
    this.#reader = readFrames(started.process.stdout, started.codec, responses)
  }

  /** Writes one request to the connector's stdin, in the background (a connector that exited is not written to). */
  send(request: Req): void {
    const stdin = this.#started.process.stdin
    if (stdin.destroyed || stdin.writableEnded) return
    stdin.write(encodeFrame(this.codec, this.#requests, request))
  }

  /** Bytes written to the connector's stdin that it has not taken yet. */
  get inputBacklog(): number {
    return this.#started.process.stdin.writableLength
  }

  /** Resolves once every request written so far has been taken by the connector (or its stdin closed). */
  inputTaken(): Promise<void> {
    const stdin = this.#started.process.stdin
    if (stdin.writableLength === 0 || stdin.destroyed) return Promise.resolve()
    return new Promise<void>((resolve) => {
      stdin.once('close', resolve)
      stdin.write('', () => resolve())
    })
  }

  /** Closes the connector's stdin. */
  end(): void {
    const stdin = this.#started.process.stdin
    if (!stdin.writableEnded) stdin.end()
  }

  /** The next response, or undefined once the connector closed its stdout. Throws a FramingError on a bad frame. */
  next(): Promise<Res | undefined> {
    return this.#reader.next()
  }

  /** The next response if one has already arrived and been decoded (it never waits), else undefined. */
  nextIfReady(): Res | undefined {
    return this.#reader.nextIfReady(() => true)
  }

  /** How many responses were read so far. */
  get received(): number {
    return this.#reader.received
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.#started.process.kill(signal)
  }

  /** A broken rule of the protocol, naming the rule and the last response read. */
  violation(code: 'PROTOCOL_ORDER' | 'PROTOCOL_VIOLATION', rule: string): ProtocolError {
    return new ProtocolError(code, `connector protocol error: ${rule} (response ${this.received}: ${this.#describeLast()})`)
  }

  /** The connector closed its output where `expected` was due. */
  unexpectedEof(expected: string): ProtocolError {
    const after = this.received === 0 ? 'before any response' : `after response ${this.received}: ${this.#describeLast()}`
    return new ConnectorEof('PROTOCOL_ORDER', `connector protocol error: the connector closed its output, but ${expected} (${after})`)
  }

  /**
   * A unary RPC on this connection: sends `request`, closes stdin, and returns the one response,
   * which must be of the kind named `expected` (as `nameOf` names a response), then the end of
   * the output and a clean exit. `check` may refuse the response. Fails as `failure` says.
   */
  async unary(request: Req, expected: string, nameOf: (response: Res) => string, check?: (response: Res) => void): Promise<Res> {
    try {
      this.send(request)
      this.end()
      const response = await this.next()
      if (response === undefined) throw this.unexpectedEof(`one ${expected} response was due`)
      const got = nameOf(response)
      if (got !== expected) throw this.violation('PROTOCOL_ORDER', `expected ${expected}, got ${got}`)
      if ((await this.next()) !== undefined) throw this.violation('PROTOCOL_ORDER', `expected exactly one ${expected} response, then the end of the output`)
      check?.(response)
      await this.finish()
      return response
    } catch (error) {
      throw await this.failure(error)
    }
  }

  /** Ends an RPC that went as it should: closes stdin, waits for the exit, fails if it was not clean. */
  async finish(): Promise<void> {
    this.end()
    const problem = exitProblem(this.#started.process, await this.#waitForExit())
    if (problem) throw problem
  }

  /**
   * Ends an RPC that went wrong and returns the error to report. When the output ended early
   * (or mid-frame), the connector's own failure, if it exited non-zero, explains it best;
   * otherwise the connector is stopped and `error` stands (a bad frame as a ProtocolError).
   */
  async failure(error: unknown): Promise<unknown> {
    if (error instanceof ConnectorEof || (error instanceof FramingError && error.code === 'FRAME_TRUNCATED')) {
      this.end()
      return exitProblem(this.#started.process, await this.#waitForExit()) ?? error
    }
    await stopConnector(this.#started.process)
    if (error instanceof FramingError) return new ProtocolError('PROTOCOL_VIOLATION', `connector protocol error: ${error.message}`, { cause: error })
    return error
  }

  /** The exit, within the exit grace; without limit for a connector under a debugger, which may hold it paused. */
  #waitForExit(): Promise<ConnectorExit | undefined> {
    return waitForExit(this.#started.process, this.debugging ? Infinity : EXIT_GRACE_MS)
  }

  #describeLast(): string {
    const last = this.#reader.last
    if (last === undefined) return 'none'
    const text = this.#responses.toJson(last)
    return text.length <= QUOTED_CHARS ? text : `${text.slice(0, QUOTED_CHARS)}… (${text.length} characters)`
  }
}
