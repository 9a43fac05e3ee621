// Fuzz target: the Airbyte shim's reading of a source's stdout lines (`parseMessage`).
import fc from 'fast-check'
import { parseMessage } from '../../lib/shims/airbyte/messages.ts'
import { runProperty, type RunResult } from './harness.ts'
import { lineCases, messageLine, parsesOrSkips } from './shim-lines.ts'

export const name = 'airbyte-lines'

const valid = messageLine(['RECORD', 'STATE', 'LOG', 'TRACE', 'SPEC', 'CATALOG', 'CONNECTION_STATUS', 'record'], ({ stream, value }) => ({
  record: { stream, namespace: stream, data: value, emitted_at: 1 },
  state: { type: 'STREAM', stream: { stream_descriptor: { name: stream }, stream_state: value } },
  log: { level: 'INFO', message: stream },
}))

export const property = fc.asyncProperty(lineCases(valid), (line) => parsesOrSkips(parseMessage, (m) => m.record?.dataBytes, line))

export function run(runs: number): Promise<RunResult> {
  return runProperty(name, property, runs)
}
