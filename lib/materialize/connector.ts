import type { Static, TSchema } from 'typebox'
import { ConfigError } from '../errors.ts'
import type { Logger } from '../io/log.ts'
import { secretTextsOfJson } from '../io/redact.ts'
import { compileSchema, parseJsonField, type CompiledSchema } from '../json/config-schema.ts'
import { checkDistinctPaths, stringsAtPointers } from '../json/pointer.ts'
import { isObject } from '../json/values.ts'
import {
  PROTOCOL_VERSION,
  type MaterializationBinding,
  type MaterializationSpec,
  type MaterializeApply,
  type MaterializeOpen,
  type MaterializeResponse,
  type MaterializeValidate,
  type OAuth2,
} from '../protocol/index.ts'
import { CONSTRAINT_NUMBERS, fieldProjection, standardConstraints, type Constraint, type FieldProjection } from './constraints.ts'
import type { Transactor } from './transactor.ts'

/** A binding's collection, as a materialization sees it. */
export interface BindingCollection {
  readonly name: string
  /** The collection's key, as JSON pointers. */
  readonly key: readonly string[]
  readonly projections: readonly FieldProjection[]
}

/** A binding in Validate. */
export interface ValidateBinding<R> {
  readonly index: number
  readonly resourceConfig: R
  readonly resourcePath: readonly string[]
  readonly deltaUpdates: boolean
  readonly collection: BindingCollection
  /** Per-field configuration the user gave, by field name. */
  readonly fieldConfig: Readonly<Record<string, unknown>>
  readonly backfill: number
  /** The same binding (same resource path) in the last materialization, if there was one. */
  readonly last?: MaterializeBinding<R>
}

/** What Validate answers for a binding. */
export interface ValidatedBinding {
  /** A constraint per field of the collection's projections; a field left out is forbidden. */
  readonly constraints: Readonly<Record<string, Constraint>>
  /** Defaults to the binding's resource path. */
  readonly resourcePath?: readonly string[]
  /** Defaults to the resource config's `x-delta-updates` property. */
  readonly deltaUpdates?: boolean
}

/** A binding in Apply and Open: the fields Flow selected, in the order Load and Store give their values. */
export interface MaterializeBinding<R> {
  readonly index: number
  readonly resourceConfig: R
  readonly resourcePath: readonly string[]
  readonly deltaUpdates: boolean
  readonly collection: BindingCollection
  /** Key fields, in the order of `Store.key`. */
  readonly keys: readonly string[]
  /** Value fields, in the order of `Store.values`. */
  readonly values: readonly string[]
  /** The field of the root document, or '' when the document is not materialized. */
  readonly document: string
  readonly fieldConfig: Readonly<Record<string, unknown>>
}

/** A connector state update: a merge patch over the state (default), or the new state whole. */
export interface StateUpdate {
  readonly updated: unknown
  readonly mergePatch?: boolean
}

/**
 * What `validate` is given: the validated config and the proposed bindings, each with its resource
 * config and collection.
 */
export interface ValidateContext<C, R> {
  readonly config: C
  readonly name: string
  readonly bindings: readonly ValidateBinding<R>[]
  readonly logger: Logger
}

/**
 * What `apply` is given: the validated config, the bindings to apply with their field selections,
 * the spec's version and the bindings applied last.
 */
export interface ApplyContext<C, R> {
  readonly config: C
  readonly name: string
  readonly version: string
  readonly bindings: readonly MaterializeBinding<R>[]
  /** The bindings of the last materialization applied, if any. */
  readonly lastBindings: readonly MaterializeBinding<R>[]
  readonly logger: Logger
}

/**
 * What `open` is given for a session: the applied config and bindings, the state every committed
 * update built, the shard's key range and the stop signal.
 */
export interface OpenContext<C, R> extends Omit<ApplyContext<C, R>, 'lastBindings'> {
  /** The connector's persisted state, with every update applied: `{}` at first. */
  readonly state: Record<string, unknown>
  /** The key range of this shard; `{keyBegin: 0, keyEnd: 0xffffffff}` for the whole. */
  readonly range: { readonly keyBegin: number; readonly keyEnd: number }
  /** Aborted when the session must stop. */
  readonly signal: AbortSignal
}

/** What an author declares; see `materialize()`. */
export interface MaterializeDefinition<C extends TSchema, R extends TSchema> {
  readonly config: C
  /** A binding's resource config; annotate its table property `x-collection-name: true` and its delta-updates flag `x-delta-updates: true`. */
  readonly resource: R
  readonly documentationUrl: string
  readonly oauth2?: OAuth2
  /** Pointers of the resource path in a resource config. Default: the properties annotated `x-schema-name`, then `x-collection-name`. */
  readonly resourcePathPointers?: readonly string[]
  /** Constraints per binding. Default: `standardConstraints` for each. */
  validate?(context: ValidateContext<Static<C>, Static<R>>): Promise<readonly ValidatedBinding[]>
  /** Prepares the endpoint (creates tables); returns what it did ('' if nothing). Must be idempotent. */
  apply?(context: ApplyContext<Static<C>, Static<R>>): Promise<string | void>
  /** Opens a session: the transactor that runs its transactions. */
  open(context: OpenContext<Static<C>, Static<R>>): Promise<Transactor>
}

/** What the serve loop needs of a materialization. */
export interface MaterializeConnector {
  spec(logger: Logger): Promise<MaterializeResponse>
  validate(request: MaterializeValidate, logger: Logger): Promise<MaterializeResponse>
  apply(request: MaterializeApply, logger: Logger): Promise<MaterializeResponse>
  open(request: MaterializeOpen, signal: AbortSignal, logger: Logger): Promise<MaterializeSession>
  /** The texts of the config's values under properties marked secret, to be scrubbed from every log. */
  secrets?(configJson: string | null | undefined): readonly string[]
}

/**
 * An opened session as the serve loop runs it: the task's name, how many bindings it has, and the
 * transactor of its transactions.
 */
export interface MaterializeSession {
  readonly name: string
  readonly bindings: number
  readonly transactor: Transactor
}

/**
 * Defines a materialization from TypeBox schemas and a few async functions. flowkit answers Spec
 * from the schemas, checks the config and resource configs, types the bindings with their
 * field selections, and runs the transactor's transactions through the protocol.
 */
export function materialize<C extends TSchema, R extends TSchema>(definition: MaterializeDefinition<C, R>): MaterializeConnector {
  return new CompiledMaterialization(definition)
}

class CompiledMaterialization<C extends TSchema, R extends TSchema> implements MaterializeConnector {
  readonly definition: MaterializeDefinition<C, R>
  readonly configSchema: CompiledSchema<C>
  readonly resourceSchema: CompiledSchema<R>
  readonly #pathPointers: readonly string[]
  /** The resource config's property annotated x-delta-updates. */
  readonly #deltaProperty: string | undefined

  constructor(definition: MaterializeDefinition<C, R>) {
    this.definition = definition
    this.configSchema = compileSchema(definition.config)
    this.resourceSchema = compileSchema(definition.resource)
    this.#pathPointers = definition.resourcePathPointers ?? annotatedPointers(definition.resource, ['x-schema-name', 'x-collection-name'])
    this.#deltaProperty = annotatedProperties(definition.resource, 'x-delta-updates')[0]
    if (this.#pathPointers.length === 0) throw new ConfigError('the resource schema has no property annotated x-collection-name, and no resourcePathPointers were given')
  }

  async spec(): Promise<MaterializeResponse> {
    const { definition } = this
    return {
      spec: {
        protocol: PROTOCOL_VERSION,
        configSchemaJson: JSON.stringify(definition.config),
        resourceConfigSchemaJson: JSON.stringify(definition.resource),
        documentationUrl: definition.documentationUrl,
        ...(definition.oauth2 ? { oauth2: definition.oauth2 } : {}),
      },
    }
  }

  async validate(request: MaterializeValidate, logger: Logger): Promise<MaterializeResponse> {
    const last = this.#specBindings(request.lastMaterialization)
    const bindings = (request.bindings ?? []).map((b, index): ValidateBinding<Static<R>> => {
      const resourceConfig = this.#resource(index, b.resourceConfigJson)
      const resourcePath = stringsAtPointers(resourceConfig, this.#pathPointers, `binding ${index}`)
      const previous = last.find((l) => JSON.stringify(l.resourcePath) === JSON.stringify(resourcePath))
      return {
        index,
        resourceConfig,
        resourcePath,
        deltaUpdates: this.#delta(resourceConfig),
        collection: collectionOf(b.collection),
        fieldConfig: parseFieldConfig(b.fieldConfigJsonMap, index),
        backfill: b.backfill ?? 0,
        ...(previous ? { last: previous } : {}),
      }
    })
    const context = { config: this.#config(request.configJson), name: request.name ?? '', bindings, logger }
    const answers = this.definition.validate ? await this.definition.validate(context) : bindings.map(defaultValidated)
    if (answers.length !== bindings.length) throw new ConfigError(`validate answered for ${answers.length} bindings of ${bindings.length}`)
    checkDistinctPaths(answers.map((answer, i) => answer.resourcePath ?? (bindings[i] as ValidateBinding<unknown>).resourcePath))
    return { validated: { bindings: answers.map((answer, i) => validatedBinding(answer, bindings[i] as ValidateBinding<unknown>)) } }
  }

  async apply(request: MaterializeApply, logger: Logger): Promise<MaterializeResponse> {
    const spec = request.materialization
    const context = {
      config: this.#config(spec?.configJson),
      name: spec?.name ?? '',
      version: request.version ?? '',
      bindings: this.#specBindings(spec),
      lastBindings: this.#specBindings(request.lastMaterialization),
      logger,
    }
    const description = this.definition.apply ? await this.definition.apply(context) : ''
    return { applied: { actionDescription: description ?? '' } }
  }

  async open(request: MaterializeOpen, signal: AbortSignal, logger: Logger): Promise<MaterializeSession> {
    const spec = request.materialization
    const state = parseJsonField(request.stateJson, 'state') ?? {}
    if (!isObject(state)) throw new ConfigError('the state in Open is not a JSON object')
    const range = { keyBegin: request.range?.keyBegin ?? 0, keyEnd: request.range?.keyEnd ?? 0xffffffff }
    const bindings = this.#specBindings(spec)
    const context = { config: this.#config(spec?.configJson), name: spec?.name ?? '', version: request.version ?? '', bindings, state, range, signal, logger }
    return { name: context.name, bindings: bindings.length, transactor: await this.definition.open(context) }
  }

  secrets(configJson: string | null | undefined): readonly string[] {
    return secretTextsOfJson(this.definition.config, configJson)
  }

  #config(text: string | null | undefined): Static<C> {
    return this.configSchema.parse(parseJsonField(text, 'config') ?? {}, 'config')
  }

  #resource(index: number, text: string | null | undefined): Static<R> {
    const what = `binding ${index} resource config`
    return this.resourceSchema.parse(parseJsonField(text, what) ?? {}, what)
  }

  #delta(resource: unknown): boolean {
    return this.#deltaProperty !== undefined && isObject(resource) && resource[this.#deltaProperty] === true
  }

  #specBindings(spec: MaterializationSpec | null | undefined): MaterializeBinding<Static<R>>[] {
    return (spec?.bindings ?? []).map((b: MaterializationBinding, index) => {
      const resourceConfig = this.#resource(index, b.resourceConfigJson)
      const selection = b.fieldSelection
      return {
        index,
        resourceConfig,
        resourcePath: b.resourcePath && b.resourcePath.length > 0 ? b.resourcePath : stringsAtPointers(resourceConfig, this.#pathPointers, `binding ${index}`),
        deltaUpdates: b.deltaUpdates ?? false,
        collection: collectionOf(b.collection),
        keys: selection?.keys ?? [],
        values: selection?.values ?? [],
        document: selection?.document ?? '',
        fieldConfig: parseFieldConfig(selection?.fieldConfigJsonMap, index),
      }
    })
  }
}

/** The names of a resource schema's top-level properties annotated `annotation: true`. */
function annotatedProperties(schema: unknown, annotation: string): string[] {
  const properties = isObject(schema) && isObject(schema.properties) ? schema.properties : {}
  return Object.entries(properties).filter(([, p]) => isObject(p) && p[annotation] === true).map(([name]) => name)
}

/** Pointers of the properties carrying each of `annotations`, in that order. */
function annotatedPointers(schema: unknown, annotations: readonly string[]): string[] {
  return annotations.flatMap((annotation) => annotatedProperties(schema, annotation).map((name) => `/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`))
}

function collectionOf(collection: MaterializationBinding['collection']): BindingCollection {
  return { name: collection?.name ?? '', key: collection?.key ?? [], projections: (collection?.projections ?? []).map(fieldProjection) }
}

function parseFieldConfig(map: Readonly<Record<string, string>> | null | undefined, index: number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [field, json] of Object.entries(map ?? {})) out[field] = parseJsonField(json, `binding ${index} field config of ${field}`)
  return out
}

function defaultValidated(binding: ValidateBinding<unknown>): ValidatedBinding {
  const existing = binding.last ? new Map(binding.last.collection.projections.filter((p) => binding.last?.values.includes(p.field) || binding.last?.keys.includes(p.field)).map((p) => [p.field, p.types])) : undefined
  return { constraints: standardConstraints(binding.collection.projections, { deltaUpdates: binding.deltaUpdates, ...(existing ? { existing } : {}) }) }
}

/** Validated.Binding on the wire: both the projection list newer runtimes read and the map older ones read. */
function validatedBinding(answer: ValidatedBinding, binding: ValidateBinding<unknown>) {
  const entries = Object.entries(answer.constraints)
  const fields = new Set(binding.collection.projections.map((p) => p.field))
  for (const [field] of entries) if (!fields.has(field)) throw new ConfigError(`binding ${binding.index}: a constraint for ${JSON.stringify(field)}, which is not a field of ${binding.collection.name}`)
  const wire = (c: Constraint) => ({ type: CONSTRAINT_NUMBERS[c.type], reason: c.reason })
  return {
    constraints: Object.fromEntries(entries.map(([field, c]) => [field, wire(c)])),
    projectionConstraints: entries.map(([field, c]) => ({ field, constraint: wire(c) })),
    resourcePath: [...(answer.resourcePath ?? binding.resourcePath)],
    deltaUpdates: answer.deltaUpdates ?? binding.deltaUpdates,
  }
}
