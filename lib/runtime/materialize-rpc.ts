/**
 * The materialize protocol's RPCs, played as Flow's runtime plays them: each in a connector
 * process of its own, which first gets the internal Spec (empty config) and must answer it with
 * a Spec. A unary RPC then gets its request and EOF on stdin, and must answer with exactly one
 * response of the matching kind and exit cleanly.
 */
import { materializationSpec, materializeRequest, materializeResponse, type FieldSelection, type MaterializationSpec, type MaterializeRequest, type MaterializeResponse } from '../protocol/index.ts'
import { Connection } from './connection.ts'
import { startEndpoint, type StartOptions } from './endpoint.ts'
import type { MaterializationTask } from './materialize-catalog.ts'
import { applyStateUpdate, type DriverState } from './materialize-state.ts'
import { applyRequest, fieldSelections, internalSpecRequest, materializationSpecOf, specRequest, validateRequest } from './materialize-requests.ts'

/** A running materialization connector, spoken to as the runtime speaks to it. */
export type MaterializeConnection = Connection<MaterializeRequest, MaterializeResponse>

const RESPONSE_KINDS = ['spec', 'validated', 'applied', 'opened', 'loaded', 'flushed', 'startedCommit', 'acknowledged'] as const
export type MaterializeResponseKind = (typeof RESPONSE_KINDS)[number]

/** The kind of a response: the one sub-message it carries, or undefined if none. */
export function materializeResponseKind(response: MaterializeResponse): MaterializeResponseKind | undefined {
  return RESPONSE_KINDS.find((kind) => response[kind] != null)
}

/**
 * Starts the connector (LOG_LEVEL: the option, else `shards.logLevel`, else info) and plays the
 * internal Spec, whose response must be a Spec.
 */
export async function connectMaterialization(task: MaterializationTask, options: StartOptions): Promise<MaterializeConnection> {
  const started = await startEndpoint(task.endpoint, { ...options, logLevel: options.logLevel ?? task.logLevel })
  const connection: MaterializeConnection = new Connection(started, materializeRequest, materializeResponse)
  try {
    connection.send(internalSpecRequest(task))
    const response = await connection.next()
    if (response === undefined) throw connection.unexpectedEof('a Spec response to the internal Spec request was due')
    if (response.spec == null) {
      throw connection.violation('PROTOCOL_ORDER', `the first response must be a Spec (the answer to the runtime's internal Spec request), not ${materializeResponseKind(response) ?? 'an empty message'}`)
    }
    return connection
  } catch (error) {
    throw await connection.failure(error)
  }
}

const NAMES: Record<MaterializeResponseKind, string> = {
  spec: 'Spec', validated: 'Validated', applied: 'Applied', opened: 'Opened', loaded: 'Loaded', flushed: 'Flushed', startedCommit: 'StartedCommit', acknowledged: 'Acknowledged',
}

/** The name of a response kind as errors give it. */
export function responseName(kind: MaterializeResponseKind | undefined): string {
  return kind === undefined ? 'an empty message' : NAMES[kind]
}

/** Spec with the materialization's config. */
export function materializeSpec(task: MaterializationTask, options: StartOptions = {}): Promise<MaterializeResponse> {
  return unary(task, options, 'spec', specRequest(task))
}

/** Validate (with the materialization applied last, if any); a Validated answer with a binding count other than the request's is a protocol error. */
export async function materializeValidate(task: MaterializationTask, options: StartOptions = {}, last?: MaterializationSpec): Promise<MaterializeResponse> {
  return unary(task, options, 'validated', validateRequest(task, last), (response, connection) => {
    const answered = response.validated?.bindings?.length ?? 0
    if (answered !== task.bindings.length) throw connection.violation('PROTOCOL_VIOLATION', `Validated has ${answered} bindings, but Validate had ${task.bindings.length}`)
  })
}

/** What Validate and the field selection give: the spec that Apply and Open carry. */
export interface Prepared {
  readonly materialization: MaterializationSpec
  readonly selections: readonly FieldSelection[]
}

/** Validate, then the field selection: the materialization as it will be applied. */
export async function prepareMaterialization(task: MaterializationTask, options: StartOptions = {}, last?: MaterializationSpec): Promise<Prepared> {
  const validated = (await materializeValidate(task, options, last)).validated!
  const selections = fieldSelections(task, validated)
  return { materialization: materializationSpecOf(task, validated, selections), selections }
}

/** Apply of a prepared materialization, with the connector state the runtime holds and the materialization applied before it. */
export function materializeApply(task: MaterializationTask, materialization: MaterializationSpec, state: unknown, options: StartOptions = {}, last?: MaterializationSpec): Promise<MaterializeResponse> {
  return unary(task, options, 'applied', applyRequest(materialization, state, last))
}

/** What `applyMaterialization` did. */
export interface AppliedMaterialization {
  readonly materialization: MaterializationSpec
  /** The Applied response's action description ('' when there was nothing to do). */
  readonly description: string
  /** The driver state to open with: Applied's state update applied, and this materialization recorded as the last applied. */
  readonly state: DriverState
}

/**
 * Validate, the field selection and Apply, as the runtime runs them before a session: both
 * requests carry the materialization the driver state says was applied last.
 */
export async function applyMaterialization(task: MaterializationTask, state: DriverState, options: StartOptions = {}): Promise<AppliedMaterialization> {
  const last = state.lastMaterialization === undefined ? undefined : materializationSpec.fromJson(JSON.stringify(state.lastMaterialization))
  const { materialization } = await prepareMaterialization(task, options, last)
  const applied = (await materializeApply(task, materialization, state.connectorState, options, last)).applied
  return {
    materialization,
    description: applied?.actionDescription ?? '',
    state: {
      ...state,
      connectorState: applyStateUpdate(state.connectorState, applied?.state),
      lastMaterialization: JSON.parse(materializationSpec.toJson(materialization)) as unknown,
    },
  }
}

async function unary(
  task: MaterializationTask,
  options: StartOptions,
  expected: MaterializeResponseKind,
  request: MaterializeRequest,
  check?: (response: MaterializeResponse, connection: MaterializeConnection) => void,
): Promise<MaterializeResponse> {
  const connection = await connectMaterialization(task, options)
  return connection.unary(request, NAMES[expected], (response) => responseName(materializeResponseKind(response)), check && ((response) => check(response, connection)))
}
