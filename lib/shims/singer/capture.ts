/**
 * `singerCapture`: a Singer tap as a Flow capture. Spec comes from the options (a tap has no
 * spec), Discover and Validate from `--discover`, Apply does nothing, and a session is a sync
 * given the tap's own catalog with the bound streams selected and the last STATE value.
 */
import type { CaptureConnector, CaptureSession } from '../../capture/connector.ts'
import { ConfigError } from '../../errors.ts'
import type { Logger } from '../../io/log.ts'
import { redactingLogger } from '../../io/redact.ts'
import { parseJsonField } from '../../json/config-schema.ts'
import type { CaptureApply, CaptureDiscover, CaptureOpen, CaptureResponse, CaptureValidate } from '../../protocol/index.ts'
import { discoveredBindings, parseResource, resourcePathOf, type SingerStreamOptions } from './catalog.ts'
import type { SingerCatalog } from './messages.ts'
import { streamBindings, syncEvents, type SyncBinding, type SyncOptions } from './read.ts'
import { selectedCatalog } from './selection.ts'
import { configSecrets, redactedConfig, singerSpec } from './spec.ts'
import { parseFlowState } from './state.ts'
import { parseConfig, scrubbed, scrubbing } from '../config.ts'
import { commandTap, type CatalogFlag, type SingerTap, type TapCommandOptions } from './tap.ts'

/**
 * Options of `singerCapture`: the tap (a command or a tap object), how it is given its catalog, its
 * config schema, which streams it offers and how syncs run.
 */
export interface SingerCaptureOptions extends SyncOptions, TapCommandOptions {
  /** The tap's command (program and arguments), to which `--config`, `--discover`, `--catalog`... are added. */
  readonly command?: readonly string[]
  /** Or a tap object instead of a child process. */
  readonly tap?: SingerTap
  /** How a sync is given its catalog. Default `auto`: as the tap's `--help` says. */
  readonly catalogFlag?: CatalogFlag
  /**
   * JSON schema of the config, sent in Spec; its `secret` values are kept out of logs.
   * Default: an open object, and every string of the config is kept out of logs.
   */
  readonly configSchema?: object
  readonly documentationUrl?: string
  /** Which streams discover offers, and their keys. */
  readonly streams?: SingerStreamOptions
}

/** A capture connector that runs a Singer tap. */
export function singerCapture(options: SingerCaptureOptions): CaptureConnector {
  return new SingerCapture(options)
}

class SingerCapture implements CaptureConnector {
  readonly #options: SingerCaptureOptions
  readonly #tap: SingerTap

  constructor(options: SingerCaptureOptions) {
    const tap = options.tap ?? (options.command && options.command.length > 0 ? commandTap(options.command, options.catalogFlag ?? 'auto', options) : undefined)
    if (tap === undefined) throw new ConfigError('singerCapture needs the tap: a command, or a tap object')
    this.#options = options
    this.#tap = tap
  }

  async spec(): Promise<CaptureResponse> {
    return singerSpec(this.#options.configSchema, this.#options.documentationUrl)
  }

  async discover(request: CaptureDiscover, logger: Logger): Promise<CaptureResponse> {
    const catalog = await this.#catalog(parseConfig(request.configJson), logger)
    return { discovered: { bindings: discoveredBindings(catalog.streams, this.#options.streams) } }
  }

  /** Runs discover, as a tap has no check: each binding must name a stream of the catalog, and no two the same. */
  async validate(request: CaptureValidate, logger: Logger): Promise<CaptureResponse> {
    const resources = (request.bindings ?? []).map((binding, index) => parseResource(parseJsonField(binding.resourceConfigJson, `binding ${index} resource config`), index))
    const seen = new Set<string>()
    for (const { tapStreamId } of resources) {
      if (seen.has(tapStreamId)) throw new ConfigError(`two bindings capture the stream ${JSON.stringify(tapStreamId)}`)
      seen.add(tapStreamId)
    }
    selectedCatalog(await this.#catalog(parseConfig(request.configJson), logger), resources)
    return { validated: { bindings: resources.map((resource) => ({ resourcePath: resourcePathOf(resource) })) } }
  }

  async apply(_request: CaptureApply): Promise<CaptureResponse> {
    return { applied: { actionDescription: '' } }
  }

  async open(request: CaptureOpen, signal: AbortSignal, logger: Logger): Promise<CaptureSession> {
    const spec = request.capture
    const config = parseConfig(spec?.configJson)
    const state = parseFlowState(parseJsonField(request.stateJson, 'the state in Open'))
    const bindings: SyncBinding[] = (spec?.bindings ?? []).map((binding, index) => ({
      resource: parseResource(parseJsonField(binding.resourceConfigJson, `binding ${index} resource config`), index),
      key: binding.collection?.key ?? [],
      stateKey: binding.stateKey ?? String(index),
    }))
    streamBindings(bindings)
    const secrets = configSecrets(config, this.#options.configSchema)
    const log = redactingLogger(logger, secrets)
    const catalog = selectedCatalog(await this.#catalog(config, logger), bindings.map((binding) => binding.resource))
    const flags = await this.#tap.catalogFlags(log)
    const messages = this.#tap.sync(config, catalog, flags, state.singer, log, signal)
    const context = { bindings, state, logger: log, options: this.#options, maxLineBytes: this.#options.maxLineBytes ?? 64 * 1024 * 1024 }
    return {
      name: spec?.name ?? '',
      resourcePaths: bindings.map((binding) => resourcePathOf(binding.resource)),
      explicitAcknowledgements: false,
      maxCheckpointsInFlight: 1,
      redactedConfig: redactedConfig(config, this.#options.configSchema),
      events: scrubbing(syncEvents(messages, context), secrets),
    }
  }

  /** The tap's discovered catalog, its logs and errors redacted of the config's secrets. */
  async #catalog(config: Record<string, unknown>, logger: Logger): Promise<SingerCatalog> {
    const secrets = configSecrets(config, this.#options.configSchema)
    try {
      return await this.#tap.discover(config, redactingLogger(logger, secrets))
    } catch (error) {
      throw scrubbed(error, secrets)
    }
  }
}
