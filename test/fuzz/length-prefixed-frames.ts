// Fuzz target: the u32-LE length-prefixed frame decoder with each protocol's Request and Response protobuf codec.
import fc from 'fast-check'
import { decodesOrRefuses, frameCases } from './frame-inputs.ts'
import { runProperty, type RunResult } from './harness.ts'

export const name = 'length-prefixed-frames'

export const property = fc.asyncProperty(frameCases('proto'), (c) => decodesOrRefuses('proto', c))

export function run(runs: number): Promise<RunResult> {
  return runProperty(name, property, runs)
}
