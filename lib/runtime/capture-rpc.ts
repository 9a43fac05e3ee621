/**
 * The capture protocol's RPCs, played as Flow's runtime plays them. Every RPC runs in a
 * connector process of its own, which first gets the internal Spec (empty config) and must
 * answer it with a Spec. A unary RPC then gets the request and EOF on stdin, and must answer
 * with exactly one response of the matching kind and exit cleanly.
 */
import { captureRequest, captureResponse, type CaptureRequest, type CaptureResponse } from '../protocol/index.ts'
import { applyRequest, captureSpecOf, discoverRequest, internalSpecRequest, specRequest, validateRequest } from './capture-requests.ts'
import type { CaptureTask, Endpoint } from './catalog.ts'
import { Connection } from './connection.ts'
import { startEndpoint, type StartOptions } from './endpoint.ts'

/** A running capture connector, spoken to as the runtime speaks to it. */
export type CaptureConnection = Connection<CaptureRequest, CaptureResponse>

/** Starts the endpoint's capture connector (see `startEndpoint`). */
export async function startCapture(endpoint: Endpoint, options: StartOptions = {}): Promise<CaptureConnection> {
  return new Connection(await startEndpoint(endpoint, options), captureRequest, captureResponse)
}

const RESPONSE_KINDS = ['spec', 'discovered', 'validated', 'applied', 'opened', 'captured', 'sourcedSchema', 'checkpoint', 'backfillBegin', 'backfillComplete'] as const
export type CaptureResponseKind = (typeof RESPONSE_KINDS)[number]

/** The kind of a response: the one sub-message it carries, or undefined if none. */
export function responseKind(response: CaptureResponse): CaptureResponseKind | undefined {
  return RESPONSE_KINDS.find((kind) => response[kind] != null)
}

/**
 * Starts the connector (LOG_LEVEL: the option, else the capture's `shards.logLevel`, else
 * info) and plays the runtime's first exchange of every capture stream: the internal Spec,
 * whose response must be a Spec. Returns the connection and that response's `spec` (its
 * resourcePathPointers are used to build bindings).
 */
export async function connect(task: CaptureTask, options: StartOptions): Promise<{ connection: CaptureConnection; spec: NonNullable<CaptureResponse['spec']> }> {
  const connection = await startCapture(task.endpoint, { ...options, logLevel: options.logLevel ?? task.logLevel })
  try {
    connection.send(internalSpecRequest(task))
    const response = await connection.next()
    if (response === undefined) throw connection.unexpectedEof('a Spec response to the internal Spec request was due')
    if (response.spec == null) {
      throw connection.violation('PROTOCOL_ORDER', `the first response must be a Spec (the answer to the runtime's internal Spec request), not ${responseKind(response) ?? 'an empty message'}`)
    }
    return { connection, spec: response.spec }
  } catch (error) {
    throw await connection.failure(error)
  }
}

/** Spec with the capture's config. */
export function spec(task: CaptureTask, options: StartOptions = {}): Promise<CaptureResponse> {
  return unary(task, options, 'spec', () => specRequest(task))
}

/**
 * The Discover RPC with the capture's config: starts the connector, sends Spec then Discover, and
 * resolves to its Discovered response; rejects naming what the connector did wrong.
 */
export function discover(task: CaptureTask, options: StartOptions = {}): Promise<CaptureResponse> {
  return unary(task, options, 'discovered', () => discoverRequest(task))
}

/** The Validate RPC. */
export function validate(task: CaptureTask, options: StartOptions = {}): Promise<CaptureResponse> {
  return unary(task, options, 'validated', () => validateRequest(task))
}

/** Apply of the capture, its bindings' resource paths taken from the connector's Spec response. */
export function apply(task: CaptureTask, options: StartOptions = {}): Promise<CaptureResponse> {
  return unary(task, options, 'applied', (pointers) => applyRequest(captureSpecOf(task, pointers)))
}

const EXPECTED: Record<string, string> = { spec: 'Spec', discovered: 'Discovered', validated: 'Validated', applied: 'Applied' }

async function unary(task: CaptureTask, options: StartOptions, expected: CaptureResponseKind, build: (resourcePathPointers: readonly string[]) => CaptureRequest): Promise<CaptureResponse> {
  const { connection, spec } = await connect(task, options)
  const nameOf = (response: CaptureResponse) => {
    const kind = responseKind(response)
    return kind === undefined ? 'an empty message' : (EXPECTED[kind] ?? kind)
  }
  return connection.unary(build(spec.resourcePathPointers ?? []), EXPECTED[expected] as string, nameOf)
}
