// Fuzz target: the ndjson frame decoder with each protocol's Request and Response JSON mapping.
import fc from 'fast-check'
import { decodesOrRefuses, frameCases } from './frame-inputs.ts'
import { runProperty, type RunResult } from './harness.ts'

export const name = 'ndjson-frames'

export const property = fc.asyncProperty(frameCases('json'), (c) => decodesOrRefuses('json', c))

export function run(runs: number): Promise<RunResult> {
  return runProperty(name, property, runs)
}
