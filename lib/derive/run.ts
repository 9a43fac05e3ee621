import { runProcess } from '../io/process.ts'
import type { DeriveConnector } from './connector.ts'
import { serveDerive } from './serve.ts'

/**
 * Runs a derivation as a process: serves the protocol on stdin/stdout in the codec Flow chose
 * (FLOW_RUNTIME_CODEC, or `--codec json|proto`), logs on stderr, and exits 0 when all went
 * well; on error, the error is the last line logged and the exit status is 1.
 */
export function runDerive(connector: DeriveConnector): Promise<never> {
  return runProcess((io) => serveDerive(connector, io))
}
