import { runProcess } from '../io/process.ts'
import type { MaterializeConnector } from './connector.ts'
import { serveMaterialize } from './serve.ts'

/**
 * Runs a materialization as a process: serves the protocol on stdin/stdout in the codec Flow
 * chose (FLOW_RUNTIME_CODEC, or `--codec json|proto`), logs on stderr, and exits 0 when all went
 * well; on error, the error is the last line logged and the exit status is 1.
 */
export function runMaterialize(connector: MaterializeConnector): Promise<never> {
  return runProcess((io) => serveMaterialize(connector, io))
}
