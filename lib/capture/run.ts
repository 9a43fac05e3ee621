import { runProcess } from '../io/process.ts'
import type { CaptureConnector } from './connector.ts'
import { serveCapture } from './serve.ts'

/**
 * Runs a capture connector as a process: serves the protocol on stdin/stdout in the codec Flow
 * chose (FLOW_RUNTIME_CODEC, or `--codec json|proto`), logs on stderr, stops a session on
 * SIGTERM or SIGINT, and exits 0 when all went well. On error, the error is the last line
 * logged and the exit status is 1 (Flow shows that line as the task's error).
 */
export function runCapture(connector: CaptureConnector): Promise<never> {
  return runProcess((io) => serveCapture(connector, io))
}
