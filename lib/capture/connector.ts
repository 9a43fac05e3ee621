import type { Static, TSchema } from 'typebox'
import { ConfigError } from '../errors.ts'
import type { Logger } from '../io/log.ts'
import { redactSecrets, secretTextsOfJson } from '../io/redact.ts'
import type { CaptureEvent } from '../ops/events.ts'
import { checkDistinctPaths, stringsAtPointers } from '../json/pointer.ts'
import { isObject } from '../json/values.ts'
import {
  PROTOCOL_VERSION,
  type CaptureApply,
  type CaptureDiscoveredBinding,
  type CaptureDiscover,
  type CaptureOpen,
  type CaptureResponse,
  type CaptureSpec,
  type CaptureValidate,
  type OAuth2,
} from '../protocol/index.ts'
import { compileSchema, parseJsonField, type CompiledSchema } from '../json/config-schema.ts'

/** A binding of a Discovered response, with a typed resource config. */
export interface DiscoveredBinding<R> {
  readonly recommendedName: string
  readonly resourceConfig: R
  /** JSON schema of the binding's documents. */
  readonly documentSchema: object
  /** JSON pointers of the documents' key. */
  readonly key: readonly string[]
  readonly disable?: boolean
  /** Defaults to the values at `resourcePathPointers` in the resource config. */
  readonly resourcePath?: readonly string[]
  /** True when the key is not a natural key of the source (e.g. a generated row id). */
  readonly isFallbackKey?: boolean
}

/** A binding as a connector sees it in Validate, Apply and Open. */
export interface Binding<R> {
  /** Its index: the `binding` of the documents captured for it. */
  readonly index: number
  readonly resourceConfig: R
  readonly resourcePath: readonly string[]
  /** Key under which to keep this binding's state (changes when the binding is backfilled). */
  readonly stateKey: string
  /** Increases each time the user asks for this binding to be backfilled. */
  readonly backfill: number
  /** Name of the collection the binding captures into. */
  readonly collection: string
  /** The collection's key, as JSON pointers. */
  readonly key: readonly string[]
}

/** What `discover` is given: the validated endpoint config, the capture's name and the connector's logger. */
export interface DiscoverContext<C> {
  readonly config: C
  readonly name: string
  readonly logger: Logger
}

/**
 * What `validate` is given: the validated config and the proposed bindings, resource configs
 * checked against the resource schema.
 */
export interface ValidateContext<C, R> {
  readonly config: C
  readonly name: string
  readonly bindings: readonly Binding<R>[]
  readonly logger: Logger
}

/**
 * What `apply` is given: the validated config, the capture's bindings and the version of the spec
 * being applied.
 */
export interface ApplyContext<C, R> {
  readonly config: C
  readonly name: string
  readonly version: string
  readonly bindings: readonly Binding<R>[]
  readonly logger: Logger
}

/**
 * What `open` is given for a session: config, bindings, the state every committed checkpoint built,
 * and the signal that stops it.
 */
export interface OpenContext<C, R> {
  readonly config: C
  readonly name: string
  readonly bindings: readonly Binding<R>[]
  /** The capture's persisted state, with every checkpoint applied: `{}` at first. */
  readonly state: Record<string, unknown>
  /** Aborted when the session must stop (stdin closed, SIGTERM): stop emitting and return. */
  readonly signal: AbortSignal
  readonly logger: Logger
}

/** What an author declares; see `capture()`. */
export interface CaptureDefinition<C extends TSchema, R extends TSchema> {
  /** TypeBox schema of the endpoint config; sent in Spec, checked before every other request. */
  readonly config: C
  /** TypeBox schema of a binding's resource config. */
  readonly resource: R
  readonly documentationUrl: string
  readonly oauth2?: OAuth2
  /** JSON pointers into a resource config that make up its resource path, e.g. `['/table']`. */
  readonly resourcePathPointers?: readonly string[]
  /** Ask Flow to acknowledge each committed transaction (see CheckpointEvent.acknowledged). */
  readonly explicitAcknowledgements?: boolean
  /** At most this many checkpoints written and not yet acknowledged; the source waits beyond. */
  readonly maxCheckpointsInFlight?: number
  discover(context: DiscoverContext<Static<C>>): Promise<readonly DiscoveredBinding<Static<R>>[]>
  /** Checks the bindings (e.g. that tables exist); returns their resource paths. Default: from `resourcePathPointers`. */
  validate?(context: ValidateContext<Static<C>, Static<R>>): Promise<readonly (readonly string[])[]>
  /** Prepares the endpoint; returns a description of what it did ('' if nothing). Must be idempotent. */
  apply?(context: ApplyContext<Static<C>, Static<R>>): Promise<string | void>
  /** Runs a session: an async iterable of events, single or in arrays. */
  open(context: OpenContext<Static<C>, Static<R>>): AsyncIterable<CaptureEvent | readonly CaptureEvent[]>
}

/**
 * What the serve loop needs of a capture connector: each request of the protocol answered.
 * `capture()` builds one from an author's definition; the Airbyte and Singer shims build one
 * around a child process.
 */
export interface CaptureConnector {
  spec(logger: Logger): Promise<CaptureResponse>
  discover(request: CaptureDiscover, logger: Logger): Promise<CaptureResponse>
  validate(request: CaptureValidate, logger: Logger): Promise<CaptureResponse>
  apply(request: CaptureApply, logger: Logger): Promise<CaptureResponse>
  /** Starts a session: checks the Open request and returns the session's events, not yet pulled. */
  open(request: CaptureOpen, signal: AbortSignal, logger: Logger): Promise<CaptureSession>
  /**
   * The values of a request's config that its schema marks secret, which the serve loop keeps
   * out of the logs from then on; none for a config that does not parse.
   */
  secrets?(configJson: string | null | undefined): readonly string[]
}

/** A session a connector opened. */
export interface CaptureSession {
  readonly name: string
  /** The resource path of each binding, for logs. */
  readonly resourcePaths: readonly (readonly string[])[]
  /** Ask Flow to acknowledge each committed transaction. */
  readonly explicitAcknowledgements: boolean
  /** At most this many checkpoints written and not yet acknowledged; the source waits beyond. */
  readonly maxCheckpointsInFlight: number
  /** The config with its secrets redacted, for the debug log. */
  readonly redactedConfig: unknown
  /** The events, single or in arrays; pulled only once Opened has been written. */
  readonly events: AsyncIterable<CaptureEvent | readonly CaptureEvent[]>
}

/**
 * Defines a capture connector from TypeBox schemas and a few async functions. flowkit answers
 * Spec from the schemas, checks the config (filling its defaults) before discover, validate,
 * apply and open run, types the bindings, and runs `open`'s events through the protocol.
 */
export function capture<C extends TSchema, R extends TSchema>(definition: CaptureDefinition<C, R>): CaptureConnector {
  return new CompiledCapture(definition)
}

type SpecBinding = NonNullable<CaptureSpec['bindings']>[number]

class CompiledCapture<C extends TSchema, R extends TSchema> implements CaptureConnector {
  readonly definition: CaptureDefinition<C, R>
  readonly configSchema: CompiledSchema<C>
  readonly resourceSchema: CompiledSchema<R>
  readonly #pointers: readonly string[]

  constructor(definition: CaptureDefinition<C, R>) {
    this.definition = definition
    this.configSchema = compileSchema(definition.config)
    this.resourceSchema = compileSchema(definition.resource)
    this.#pointers = definition.resourcePathPointers ?? []
  }

  async spec(): Promise<CaptureResponse> {
    const { definition } = this
    return {
      spec: {
        protocol: PROTOCOL_VERSION,
        configSchemaJson: JSON.stringify(definition.config),
        resourceConfigSchemaJson: JSON.stringify(definition.resource),
        documentationUrl: definition.documentationUrl,
        ...(definition.oauth2 ? { oauth2: definition.oauth2 } : {}),
        ...(this.#pointers.length ? { resourcePathPointers: [...this.#pointers] } : {}),
      },
    }
  }

  async discover(request: CaptureDiscover, logger: Logger): Promise<CaptureResponse> {
    const found = await this.definition.discover({ config: this.#config(request.configJson), name: request.name ?? '', logger })
    return { discovered: { bindings: found.map((binding) => this.#discovered(binding)) } }
  }

  async validate(request: CaptureValidate, logger: Logger): Promise<CaptureResponse> {
    const bindings = (request.bindings ?? []).map((b, index) =>
      this.#binding(index, b.resourceConfigJson, { backfill: b.backfill ?? 0, collection: b.collection?.name ?? '', key: b.collection?.key ?? [] }),
    )
    const context = { config: this.#config(request.configJson), name: request.name ?? '', bindings, logger }
    const paths = this.definition.validate ? await this.definition.validate(context) : bindings.map((b) => b.resourcePath)
    checkResourcePaths(paths, bindings.length)
    return { validated: { bindings: paths.map((path) => ({ resourcePath: [...path] })) } }
  }

  async apply(request: CaptureApply, logger: Logger): Promise<CaptureResponse> {
    const spec = request.capture
    const context = { config: this.#config(spec?.configJson), name: spec?.name ?? '', version: request.version ?? '', bindings: this.#specBindings(spec), logger }
    const description = this.definition.apply ? await this.definition.apply(context) : ''
    return { applied: { actionDescription: description ?? '' } }
  }

  async open(request: CaptureOpen, signal: AbortSignal, logger: Logger): Promise<CaptureSession> {
    const spec = request.capture
    const state = parseJsonField(request.stateJson, 'state') ?? {}
    if (!isObject(state)) throw new ConfigError('the state in Open is not a JSON object')
    const { definition } = this
    const context = { config: this.#config(spec?.configJson), name: spec?.name ?? '', bindings: this.#specBindings(spec), state, signal, logger }
    return {
      name: context.name,
      resourcePaths: context.bindings.map((binding) => binding.resourcePath),
      explicitAcknowledgements: definition.explicitAcknowledgements ?? false,
      maxCheckpointsInFlight: definition.maxCheckpointsInFlight ?? 64,
      redactedConfig: redactSecrets(definition.config, context.config),
      events: { [Symbol.asyncIterator]: () => definition.open(context)[Symbol.asyncIterator]() },
    }
  }

  secrets(configJson: string | null | undefined): readonly string[] {
    return secretTextsOfJson(this.definition.config, configJson)
  }

  #config(text: string | null | undefined): Static<C> {
    return this.configSchema.parse(parseJsonField(text, 'config') ?? {}, 'config')
  }

  #resourcePath(resource: unknown, given?: readonly string[] | null): readonly string[] {
    return given && given.length > 0 ? given : stringsAtPointers(resource, this.#pointers, 'binding')
  }

  #binding(index: number, resourceJson: string | null | undefined, fields: Partial<Binding<unknown>>, given?: readonly string[] | null): Binding<Static<R>> {
    const what = `binding ${index} resource config`
    const resourceConfig = this.resourceSchema.parse(parseJsonField(resourceJson, what) ?? {}, what)
    return {
      index,
      resourceConfig,
      resourcePath: this.#resourcePath(resourceConfig, given),
      stateKey: fields.stateKey ?? '',
      backfill: fields.backfill ?? 0,
      collection: fields.collection ?? '',
      key: fields.key ?? [],
    }
  }

  #specBindings(spec: CaptureSpec | null | undefined): Binding<Static<R>>[] {
    return (spec?.bindings ?? []).map((b: SpecBinding, index) =>
      this.#binding(index, b.resourceConfigJson, { stateKey: b.stateKey ?? '', backfill: b.backfill ?? 0, collection: b.collection?.name ?? '', key: b.collection?.key ?? [] }, b.resourcePath),
    )
  }

  #discovered(binding: DiscoveredBinding<Static<R>>): CaptureDiscoveredBinding {
    this.resourceSchema.parse(binding.resourceConfig, `discovered binding ${binding.recommendedName} resource config`)
    return {
      recommendedName: binding.recommendedName,
      resourceConfigJson: JSON.stringify(binding.resourceConfig),
      documentSchemaJson: JSON.stringify(binding.documentSchema),
      key: [...binding.key],
      disable: binding.disable ?? false,
      resourcePath: [...this.#resourcePath(binding.resourceConfig, binding.resourcePath)],
      isFallbackKey: binding.isFallbackKey ?? false,
    }
  }
}

/** Validate's answer must give one resource path per binding, no two the same. */
function checkResourcePaths(paths: readonly (readonly string[])[], bindings: number): void {
  if (paths.length !== bindings) throw new ConfigError(`validate returned ${paths.length} resource paths for ${bindings} bindings`)
  checkDistinctPaths(paths)
}
