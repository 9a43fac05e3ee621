/**
 * The capture protocol's unary RPCs, played as Flow's runtime plays them: each runs in a
 * connector process of its own, which gets the internal Spec, then the request, then EOF on
 * stdin, and must answer with exactly one response of the matching kind and exit cleanly.
 */
import type { CaptureRequest, CaptureResponse } from '../protocol/index.ts'
import type { CaptureTask } from './catalog.ts'
import { applyRequest, captureSpecOf, discoverRequest, specRequest, validateRequest } from './requests.ts'
import { connect, failure, finish, responseKind, unexpectedEof, violation, type ResponseKind, type StartOptions } from './runtime.ts'

export type UnaryOptions = StartOptions

/** Spec with the capture's config. */
export function spec(task: CaptureTask, options: UnaryOptions = {}): Promise<CaptureResponse> {
  return unary(task, options, 'spec', () => specRequest(task))
}

export function discover(task: CaptureTask, options: UnaryOptions = {}): Promise<CaptureResponse> {
  return unary(task, options, 'discovered', () => discoverRequest(task))
}

export function validate(task: CaptureTask, options: UnaryOptions = {}): Promise<CaptureResponse> {
  return unary(task, options, 'validated', () => validateRequest(task))
}

/** Apply of the capture, its bindings' resource paths taken from the connector's Spec response. */
export function apply(task: CaptureTask, options: UnaryOptions = {}): Promise<CaptureResponse> {
  return unary(task, options, 'applied', (pointers) => applyRequest(captureSpecOf(task, pointers)))
}

const EXPECTED: Record<string, string> = { spec: 'Spec', discovered: 'Discovered', validated: 'Validated', applied: 'Applied' }

async function unary(
  task: CaptureTask,
  options: UnaryOptions,
  expected: ResponseKind,
  build: (resourcePathPointers: readonly string[]) => CaptureRequest,
): Promise<CaptureResponse> {
  const { connection, spec } = await connect(task, options)
  const name = EXPECTED[expected] as string
  try {
    connection.send(build(spec.resourcePathPointers ?? []))
    connection.end()
    const response = await connection.next()
    if (response === undefined) throw unexpectedEof(connection, `one ${name} response was due`)
    const kind = responseKind(response)
    if (kind !== expected) throw violation(connection, `expected ${name}, got ${kind ?? 'an empty message'}`)
    if ((await connection.next()) !== undefined) throw violation(connection, `expected exactly one ${name} response, then the end of the output`)
    await finish(connection)
    return response
  } catch (error) {
    throw await failure(connection, error)
  }
}
