// Fuzz target: the Singer shim's reading of a tap's stdout lines (`parseSingerMessage`).
import fc from 'fast-check'
import { parseSingerMessage } from '../../lib/shims/singer/messages.ts'
import { runProperty, type RunResult } from './harness.ts'
import { lineCases, messageLine, parsesOrSkips } from './shim-lines.ts'

export const name = 'singer-lines'

const valid = messageLine(['RECORD', 'record', 'SCHEMA', 'STATE', 'ACTIVATE_VERSION', 'BATCH'], ({ stream, value }) => ({
  stream,
  record: value,
  schema: { type: 'object' },
  key_properties: ['id'],
  value,
  version: 1,
}))

export const property = fc.asyncProperty(lineCases(valid), (line) => parsesOrSkips(parseSingerMessage, (m) => m.recordBytes, line))

export function run(runs: number): Promise<RunResult> {
  return runProperty(name, property, runs)
}
