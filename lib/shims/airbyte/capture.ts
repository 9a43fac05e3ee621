/**
 * `airbyteCapture`: an Airbyte source as a Flow capture. The source is a command run as a child
 * process, an AirbyteSource object, or a faros-airbyte-cdk source object run in this process
 * (`delegate`, see delegate.ts). Spec is the source's SPEC, Discover its
 * CATALOG (a binding per stream), Validate its `check`, Apply a no-op, and a session its `read`:
 * RECORD → document, STATE → checkpoint, LOG → a log line, TRACE ERROR or CONNECTION_STATUS
 * FAILED → the capture fails at once, committing nothing after the last STATE.
 */
import type { CaptureConnector, CaptureSession } from '../../capture/connector.ts'
import { ConfigError, ConnectorError } from '../../errors.ts'
import type { Logger } from '../../io/log.ts'
import { redactingLogger, redactSecrets } from '../../io/redact.ts'
import { parseJsonField } from '../../json/config-schema.ts'
import type { CaptureApply, CaptureDiscover, CaptureOpen, CaptureResponse, CaptureValidate } from '../../protocol/index.ts'
import { discoveredBindings, parseResource, resourcePathOf, type OpenBinding, type StreamOptions } from './catalog.ts'
import { logLine, traceError, type AirbyteMessage } from './messages.ts'
import { readEvents, type RecordOptions } from './read.ts'
import { commandSource, type AirbyteSource, type CommandOptions } from './source.ts'
import { delegateSource, type AirbyteDelegate, type DelegateOptions } from './delegate.ts'
import { flowSpec, secretValues, type SpecPatch } from './spec.ts'
import { stateFile, type StateForm } from './state.ts'
import { parseConfig, scrubbed, scrubbing } from '../config.ts'

/**
 * Options of `airbyteCapture`: the source (a command, a source object or an in-process
 * faros-airbyte-cdk source), changes to its spec, which streams it offers and how its state is
 * kept.
 */
export interface AirbyteCaptureOptions extends RecordOptions, CommandOptions, DelegateOptions {
  /** The source's command (program and arguments), to which `spec`, `check`, `discover` and `read` are added. */
  readonly command?: readonly string[]
  /** Or a source object instead of a child process. */
  readonly source?: AirbyteSource
  /** Or a faros-airbyte-cdk source object (an `AirbyteSourceBase`), run in this process. */
  readonly delegate?: AirbyteDelegate
  /** Changes to the spec the source gives. */
  readonly spec?: SpecPatch
  /** Which streams discover offers, and their keys. */
  readonly streams?: StreamOptions
  /** How the state file is written for `read`. Default `auto`: in the form the source emitted it. */
  readonly stateForm?: StateForm
}

/** A capture connector that runs an Airbyte source. */
export function airbyteCapture(options: AirbyteCaptureOptions): CaptureConnector {
  return new AirbyteCapture(options)
}

class AirbyteCapture implements CaptureConnector {
  readonly #options: AirbyteCaptureOptions
  readonly #source: AirbyteSource
  #spec: Promise<Record<string, unknown>> | undefined

  constructor(options: AirbyteCaptureOptions) {
    this.#options = options
    this.#source = sourceOf(options)
  }

  async spec(logger: Logger): Promise<CaptureResponse> {
    return flowSpec(await this.#sourceSpec(logger), this.#options.spec)
  }

  async discover(request: CaptureDiscover, logger: Logger): Promise<CaptureResponse> {
    const config = parseConfig(request.configJson)
    const catalog = await this.#single(logger, config, 'CATALOG', (log) => this.#source.discover(config, log))
    return { discovered: { bindings: discoveredBindings(catalog.catalog?.streams ?? [], this.#options.streams) } }
  }

  async validate(request: CaptureValidate, logger: Logger): Promise<CaptureResponse> {
    const config = parseConfig(request.configJson)
    const resources = (request.bindings ?? []).map((binding, index) => parseResource(parseJsonField(binding.resourceConfigJson, `binding ${index} resource config`), index))
    const status = await this.#single(logger, config, 'CONNECTION_STATUS', (log) => this.#source.check(config, log))
    if (status.connectionStatus?.status !== 'SUCCEEDED') {
      throw new ConfigError(`the source's connection check failed: ${status.connectionStatus?.message ?? `status ${status.connectionStatus?.status ?? 'missing'}`}`)
    }
    const paths = resources.map(resourcePathOf)
    const seen = new Set<string>()
    for (const path of paths) {
      if (seen.has(JSON.stringify(path))) throw new ConfigError(`two bindings capture the stream ${JSON.stringify(path)}`)
      seen.add(JSON.stringify(path))
    }
    return { validated: { bindings: paths.map((resourcePath) => ({ resourcePath })) } }
  }

  async apply(_request: CaptureApply): Promise<CaptureResponse> {
    return { applied: { actionDescription: '' } }
  }

  async open(request: CaptureOpen, signal: AbortSignal, logger: Logger): Promise<CaptureSession> {
    const spec = request.capture
    const config = parseConfig(spec?.configJson)
    const state = parseJsonField(request.stateJson, 'the state in Open') ?? {}
    const bindings: OpenBinding[] = (spec?.bindings ?? []).map((binding, index) => ({
      resource: parseResource(parseJsonField(binding.resourceConfigJson, `binding ${index} resource config`), index),
      key: binding.collection?.key ?? [],
      writeSchema: parseJsonField(binding.collection?.writeSchemaJson, `binding ${index} collection schema`),
      stateKey: binding.stateKey ?? String(index),
    }))
    const schema = (await this.#sourceSpec(logger)).connectionSpecification
    const secrets = secretValues(schema, config)
    const log = redactingLogger(logger, secrets)
    const handback = stateFile(state, this.#options.stateForm ?? 'auto')
    return {
      name: spec?.name ?? '',
      resourcePaths: bindings.map((binding) => resourcePathOf(binding.resource)),
      explicitAcknowledgements: false,
      maxCheckpointsInFlight: 64,
      redactedConfig: redactSecrets(schema, config),
      events: scrubbing(readEvents(this.#source, { config, bindings, state, handback, logger: log, options: this.#options, signal }), secrets),
    }
  }

  /** The source's SPEC payload, asked once per process. */
  #sourceSpec(logger: Logger): Promise<Record<string, unknown>> {
    this.#spec ??= collectOne(this.#source.spec(logger), 'SPEC', logger).then((message) => message.spec ?? {})
    this.#spec.catch(() => (this.#spec = undefined))
    return this.#spec
  }

  /** Runs a command whose answer is one message of `type`, its logs and errors redacted of the config's secrets. */
  async #single(logger: Logger, config: unknown, type: string, run: (logger: Logger) => AsyncIterable<AirbyteMessage[]>): Promise<AirbyteMessage> {
    const secrets = secretValues((await this.#sourceSpec(logger)).connectionSpecification, config)
    try {
      return await collectOne(run(redactingLogger(logger, secrets)), type, redactingLogger(logger, secrets))
    } catch (error) {
      throw scrubbed(error, secrets)
    }
  }
}

/** The one source the options give: a command, a source object or a delegate. */
function sourceOf(options: AirbyteCaptureOptions): AirbyteSource {
  const command = options.command && options.command.length > 0 ? options.command : undefined
  const given = [command, options.source, options.delegate].filter((source) => source !== undefined).length
  if (given !== 1) throw new ConfigError(`airbyteCapture needs exactly one source: a command, a source object or a delegate; got ${given}`)
  if (command) return commandSource(command, options)
  return options.source ?? delegateSource(options.delegate as AirbyteDelegate, options)
}

/** Reads a command's messages to the end and returns the first of `type`; LOG lines are logged, a TRACE ERROR fails it. */
async function collectOne(batches: AsyncIterable<AirbyteMessage[]>, type: string, logger: Logger): Promise<AirbyteMessage> {
  let found: AirbyteMessage | undefined
  for await (const batch of batches) {
    for (const message of batch) {
      if (message.type === type) found ??= message
      else if (message.type === 'LOG') logLine(logger, message)
      else if (message.type === 'TRACE' && message.trace?.type === 'ERROR') throw traceError(message)
    }
  }
  if (found === undefined) throw new ConnectorError(`the source wrote no ${type} message`)
  return found
}
