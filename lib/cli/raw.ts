import { parseArgs } from 'node:util'
import { UsageError } from '../errors.ts'
import { captureResponse, codecOf, deriveResponse, materializeResponse, type CaptureDiscoveredBinding, type CaptureResponse, type MaterializeResponse } from '../protocol/index.ts'
import { apply, discover, spec, validate } from '../runtime/capture-rpc.ts'
import { loadCapture, type CaptureTask } from '../runtime/catalog.ts'
import { loadDerivation } from '../runtime/derive-catalog.ts'
import { deriveSpec, deriveValidate, projectRootOf } from '../runtime/derive-rpc.ts'
import type { StartOptions } from '../runtime/endpoint.ts'
import { loadMaterialization } from '../runtime/materialize-catalog.ts'
import { materializeApply, materializeSpec, materializeValidate, prepareMaterialization } from '../runtime/materialize-rpc.ts'
import { extractInspect, INSPECT_USAGE, printConnectorLog, SOURCE_OPTIONS, sourceOptionsOf, type SourceOptions } from './source-options.ts'

export const rawUsage = `usage: flowkit raw spec|discover|validate|apply --source FILE [--capture NAME] [--log-level LEVEL]
                                               [--inspect[=[HOST:]PORT]] [--emit-raw]
       flowkit raw spec|validate|apply --source FILE --materialization NAME [--log-level LEVEL]
       flowkit raw spec|validate --source FILE --derivation NAME [--log-level LEVEL]

Runs one request of the capture protocol against a capture of the catalog FILE, or of the
materialize protocol against a materialization, or of the derive protocol against a
derivation (a collection with a derive section), as Flow's runtime would (the internal Spec
first, then the request), and prints the connector's response as one line of JSON. For a
materialization, apply runs Validate first and applies the fields selected from its answer.
The connector's logs go to stderr.

  --source FILE       catalog (flow.yaml or JSON); its imports are followed
  --capture NAME      the capture to run; may be left out when the catalog has one
  --materialization NAME
                      the materialization to run instead of a capture
  --derivation NAME   the derivation (derived collection) to run instead of a capture
  --log-level LEVEL   the connector's LOG_LEVEL: error, warn, info, debug, trace
                      (default: the capture's shards.logLevel, else info)
  --emit-raw          discover only: print each discovered binding as its own line of JSON
                      instead of the whole Discovered response
${INSPECT_USAGE}`

export const RAW_REQUESTS = ['spec', 'discover', 'validate', 'apply'] as const
export type RawRequest = (typeof RAW_REQUESTS)[number]

export interface RawOptions extends SourceOptions {
  readonly request: RawRequest
  /** Discover: one line per discovered binding. */
  readonly emitRaw?: boolean
}

export function parseRawArgs(args: string[]): RawOptions {
  const { args: rest, inspect } = extractInspect(args)
  const { values, positionals } = parseArgs({
    args: rest,
    options: { ...SOURCE_OPTIONS, 'emit-raw': { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  })
  const [request, ...extra] = positionals
  if (request === undefined) throw new UsageError(`a request is required: ${RAW_REQUESTS.join(', ')}\n\n${rawUsage}`)
  if (!RAW_REQUESTS.includes(request as RawRequest)) throw new UsageError(`unknown request ${JSON.stringify(request)}; expected one of ${RAW_REQUESTS.join(', ')}`)
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`)
  const emitRaw = values['emit-raw'] === true
  if (emitRaw && request !== 'discover') throw new UsageError(`--emit-raw is for discover only, not ${request}`)
  if (values.materialization !== undefined && request === 'discover') throw new UsageError('a materialization has no discover; run spec, validate or apply')
  if (values.derivation !== undefined && (request === 'discover' || request === 'apply')) throw new UsageError(`a derivation has no ${request}; run spec or validate`)
  return { request: request as RawRequest, ...sourceOptionsOf(values, inspect), ...(emitRaw ? { emitRaw } : {}) }
}

const RUN: Record<RawRequest, (task: CaptureTask, options: StartOptions) => Promise<CaptureResponse>> = { spec, discover, validate, apply }

const discoveredBinding = codecOf<CaptureDiscoveredBinding>('capture.Response.Discovered.Binding')

/**
 * Runs the request and writes its response as one JSON line (Flow's JSON mapping) to
 * `output`; with `emitRaw`, each binding of a Discovered response on its own line.
 */
export async function raw(options: RawOptions, output: NodeJS.WritableStream): Promise<void> {
  const start: StartOptions = { logLevel: options.logLevel, onLog: printConnectorLog, inspect: options.inspect }
  if (options.materialization !== undefined) return rawMaterialize(options, output, start)
  if (options.derivation !== undefined) return rawDerive(options, output, start)
  const task = loadCapture(options.source, options.capture)
  const response = await RUN[options.request](task, start)
  const text = options.emitRaw
    ? (response.discovered?.bindings ?? []).map((binding) => discoveredBinding.toJson(binding) + '\n').join('')
    : captureResponse.toJson(response) + '\n'
  if (text === '') return
  await writeText(output, text)
}

/** The request against a materialization; apply applies what Validate and the field selection give. */
async function rawMaterialize(options: RawOptions, output: NodeJS.WritableStream, start: StartOptions): Promise<void> {
  const task = loadMaterialization(options.source, options.materialization)
  let response: MaterializeResponse
  if (options.request === 'spec') response = await materializeSpec(task, start)
  else if (options.request === 'validate') response = await materializeValidate(task, start)
  else response = await materializeApply(task, (await prepareMaterialization(task, start)).materialization, {}, start)
  await writeText(output, materializeResponse.toJson(response) + '\n')
}

/** Spec or Validate against a derivation; Validate's projectRoot is the catalog file's directory. */
async function rawDerive(options: RawOptions, output: NodeJS.WritableStream, start: StartOptions): Promise<void> {
  const task = loadDerivation(options.source, options.derivation)
  const response = options.request === 'spec' ? await deriveSpec(task, start) : await deriveValidate(task, projectRootOf(options.source), start)
  await writeText(output, deriveResponse.toJson(response) + '\n')
}

function writeText(output: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => output.write(text, (error) => (error ? reject(error) : resolve())))
}
