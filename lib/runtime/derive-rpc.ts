/**
 * The derive protocol's RPCs, played as Flow's runtime plays them: each in a connector process
 * of its own, which first gets the internal Spec (empty config) and must answer it with a Spec.
 * A unary RPC then gets its request and EOF on stdin, and must answer with exactly one response
 * of the matching kind and exit cleanly.
 */
import { dirname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { deriveRequest, deriveResponse, type CollectionSpec, type DeriveRequest, type DeriveResponse } from '../protocol/index.ts'
import { Connection } from './connection.ts'
import type { DerivationTask } from './derive-catalog.ts'
import { derivationSpecOf, internalSpecRequest, specRequest, validateRequest } from './derive-requests.ts'
import { startEndpoint, type StartOptions } from './endpoint.ts'

/** A running derivation connector, spoken to as the runtime speaks to it. */
export type DeriveConnection = Connection<DeriveRequest, DeriveResponse>

const RESPONSE_KINDS = ['spec', 'validated', 'opened', 'published', 'flushed', 'startedCommit'] as const
export type DeriveResponseKind = (typeof RESPONSE_KINDS)[number]

const NAMES: Record<DeriveResponseKind, string> = { spec: 'Spec', validated: 'Validated', opened: 'Opened', published: 'Published', flushed: 'Flushed', startedCommit: 'StartedCommit' }

/** The kind of a response: the one sub-message it carries, or undefined if none. */
export function deriveResponseKind(response: DeriveResponse): DeriveResponseKind | undefined {
  return RESPONSE_KINDS.find((kind) => response[kind] != null)
}

/** The name of a response kind as errors give it. */
export function deriveResponseName(kind: DeriveResponseKind | undefined): string {
  return kind === undefined ? 'an empty message' : NAMES[kind]
}

/**
 * Starts the connector (LOG_LEVEL: the option, else `shards.logLevel`, else info) and plays the
 * internal Spec, whose response must be a Spec.
 */
export async function connectDerivation(task: DerivationTask, options: StartOptions): Promise<DeriveConnection> {
  const started = await startEndpoint(task.endpoint, { ...options, logLevel: options.logLevel ?? task.logLevel })
  const connection: DeriveConnection = new Connection(started, deriveRequest, deriveResponse)
  try {
    connection.send(internalSpecRequest(task))
    const response = await connection.next()
    if (response === undefined) throw connection.unexpectedEof('a Spec response to the internal Spec request was due')
    if (response.spec == null) {
      throw connection.violation('PROTOCOL_ORDER', `the first response must be a Spec (the answer to the runtime's internal Spec request), not ${deriveResponseName(deriveResponseKind(response))}`)
    }
    return connection
  } catch (error) {
    throw await connection.failure(error)
  }
}

/** Spec with the derivation's config. */
export function deriveSpec(task: DerivationTask, options: StartOptions = {}): Promise<DeriveResponse> {
  return unary(task, options, 'spec', specRequest(task))
}

/** The file: URL of the directory of a catalog file, as Validate's projectRoot. */
export function projectRootOf(source: string): string {
  return pathToFileURL(dirname(resolve(source))).href + '/'
}

/** Validate; a Validated answer with a transform count other than the request's is a protocol error. */
export function deriveValidate(task: DerivationTask, projectRoot: string, options: StartOptions = {}): Promise<DeriveResponse> {
  return unary(task, options, 'validated', validateRequest(task, projectRoot), (response, connection) => {
    const answered = response.validated?.transforms?.length ?? 0
    if (answered !== task.transforms.length) throw connection.violation('PROTOCOL_VIOLATION', `Validated has ${answered} transforms, but Validate had ${task.transforms.length}`)
  })
}

/** Validate, then the derived collection's spec as Open carries it. */
export async function prepareDerivation(task: DerivationTask, projectRoot: string, options: StartOptions = {}): Promise<CollectionSpec> {
  const validated = (await deriveValidate(task, projectRoot, options)).validated!
  return derivationSpecOf(task, validated)
}

async function unary(
  task: DerivationTask,
  options: StartOptions,
  expected: DeriveResponseKind,
  request: DeriveRequest,
  check?: (response: DeriveResponse, connection: DeriveConnection) => void,
): Promise<DeriveResponse> {
  const connection = await connectDerivation(task, options)
  return connection.unary(request, NAMES[expected], (response) => deriveResponseName(deriveResponseKind(response)), check && ((response) => check(response, connection)))
}
