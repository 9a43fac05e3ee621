import type { Static, TSchema } from 'typebox'
import { ConfigError } from '../errors.ts'
import type { Logger } from '../io/log.ts'
import { secretTextsOfJson } from '../io/redact.ts'
import { compileSchema, parseJsonField, type CompiledSchema } from '../json/config-schema.ts'
import { isObject } from '../json/values.ts'
import {
  PROTOCOL_VERSION,
  type CollectionSpec,
  type DeriveOpen,
  type DeriveResponse,
  type DeriveValidate,
  type OAuth2,
} from '../protocol/index.ts'
import { transformStubs } from './typescript.ts'

/** A collection as a derivation sees it: a source of a transform, or the derived collection. */
export interface DeriveCollection {
  readonly name: string
  /** The collection's key, as JSON pointers. */
  readonly key: readonly string[]
  /** The JSON schema its documents are read with (the read schema, else the write schema). */
  readonly schema: unknown
  /** Where documents carry their UUID ('' if unknown). */
  readonly uuidPtr: string
}

/** A transform in Validate. */
export interface ValidateTransform<L> {
  readonly index: number
  readonly name: string
  /** The source collection it reads. */
  readonly collection: DeriveCollection
  readonly lambdaConfig: L
  /** The shuffle lambda's config, for a transform shuffled by a lambda; undefined otherwise. */
  readonly shuffleLambdaConfig: unknown
  readonly backfill: number
}

/** A transform in Open: what `open` builds a handler for. */
export interface OpenTransform<L> {
  readonly index: number
  readonly name: string
  readonly collection: DeriveCollection
  readonly lambdaConfig: L
  /** JSON pointers of the shuffle key, in the order of `ReadInfo.key`; empty when shuffled by a lambda or not at all. */
  readonly shuffleKey: readonly string[]
  readonly readOnly: boolean
}

/** What `validate` gets: the checked config, the derived collection, each transform with its checked lambda config, and where generated files go. */
export interface ValidateContext<C, L> {
  readonly config: C
  /** The derived collection. */
  readonly collection: DeriveCollection
  readonly transforms: readonly ValidateTransform<L>[]
  /** The URL of the project's root (`file:///…/`), where generated files go. */
  readonly projectRoot: string
  readonly importMap: Readonly<Record<string, string>>
  readonly logger: Logger
}

/** What Validate answers. */
export interface Validated {
  /** Per transform, in order: true when it never publishes. Default: false for each. */
  readonly readOnly?: readonly boolean[]
  /** Files to write into the project, by absolute URL. Default: `defaultGeneratedFiles(context)`. */
  readonly generatedFiles?: Readonly<Record<string, string>>
}

/** A connector state update: a merge patch over the state (default), or the new state whole. */
export interface DeriveStateUpdate {
  readonly updated: unknown
  readonly mergePatch?: boolean
}

/** UUID of a document as Flow hands it over: producer and flags (`node`) and clock. */
export interface UuidParts {
  readonly node: bigint
  readonly clock: bigint
}

/** What a handler gets beside a document. */
export interface ReadInfo {
  readonly transform: { readonly index: number; readonly name: string }
  /** The values of the transform's shuffle key, decoded the same way in both codecs. */
  readonly key: readonly unknown[]
  readonly uuid: UuidParts
  /** The document's UUID as text (from its parts). */
  readonly uuidText: string
}

/** A document read by a transform, with its shuffle key and UUID: what a pipeline iterates. */
export interface Read<D = unknown> extends ReadInfo {
  readonly doc: D
}

/** One document to publish, many, or none (void); for many, an array, or an iterable sync or async. */
export type Publish = object | readonly object[] | Iterable<object> | AsyncIterable<object | readonly object[]> | null | undefined | void

// Method signatures make the parameter types bivariant, so that an author may declare the
// document type a transform reads in the handler's own signature.
interface DocumentHandlerMethod<D> {
  handle(doc: D, read: ReadInfo): Publish | Promise<Publish>
}
interface PipelineMethod<D> {
  run(reads: AsyncIterable<readonly Read<D>[]>): AsyncIterable<object | readonly object[]>
}

/**
 * A handler called once per document, in the order Flow reads them: it returns what to
 * publish (or a promise of it), or yields it as an async generator.
 */
export type DocumentHandler<D = unknown> = DocumentHandlerMethod<D>['handle']

/** A transform as a pipeline over its reads (an ix `pipe`, or any async generator function). */
export type PipelineFunction<D = unknown> = PipelineMethod<D>['run']

/** A transform written as a pipeline: made by `pipeline()`, told apart from a document handler by being an object. */
export interface TransformPipeline<D = unknown> {
  readonly pipeline: PipelineFunction<D>
}

/**
 * Marks a transform as a pipeline over its reads instead of a handler per document. It runs
 * once per transaction: its input is the transaction's reads of this transform, in batches, and
 * ends at Flush; Flow's Flushed waits until it has returned and all it yielded is published.
 */
export function pipeline<D = unknown>(run: PipelineFunction<D>): TransformPipeline<D> {
  return { pipeline: run }
}

/** A transform's handler: a function per document, or `pipeline(fn)` over the reads. */
export type TransformHandler = DocumentHandler<never> | TransformPipeline<never>

/** What `flush` returns. */
export interface FlushResult {
  /** Documents held back until the transaction's end, published before Flushed. */
  readonly publish?: Publish
  /** Ask Flow for another flush round in this transaction. */
  readonly more?: boolean
  /** A state update sent with Flushed (runtimes that send no StartCommit commit it with the transaction). */
  readonly state?: DeriveStateUpdate
}

/** What `flush` gets: which transaction and round it is, and the state patches of the round before. */
export interface FlushContext {
  /** Transactions of the session, from 1. */
  readonly transaction: number
  /** Flush rounds of this transaction, from 1. */
  readonly round: number
  /** Every shard's Flushed state patches of the previous round (empty in the first). */
  readonly statePatches: readonly unknown[]
}

/** What `startCommit` gets: the transaction committing and Flow's runtime checkpoint. */
export interface StartCommitContext {
  /** Transactions of the session, from 1. */
  readonly transaction: number
  /** Flow's runtime checkpoint (consumer.Checkpoint) as protobuf bytes; advisory. */
  readonly runtimeCheckpoint: Uint8Array
}

/** A derivation's session, as `open` returns it. */
export interface Derivation {
  /** A handler per transform: in transform order, or by transform name. */
  readonly transforms: readonly TransformHandler[] | Readonly<Record<string, TransformHandler>>
  /** After the reads of a transaction (each round of it): publish what was held back, maybe ask for more rounds. */
  flush?(context: FlushContext): FlushResult | void | Promise<FlushResult | void>
  /** The transaction commits: the state update to commit with it (sent as StartedCommit.state). */
  startCommit?(context: StartCommitContext): DeriveStateUpdate | void | Promise<DeriveStateUpdate | void>
  /** Forget all state (Flow's tests send Reset between transactions). Without it, the session is opened anew with an empty state. */
  reset?(): void | Promise<void>
  /** The session ends (stdin closed, a failure, or a Reset without `reset`). */
  close?(): void | Promise<void>
}

/** The state `open` gets: typed by the definition's `state` schema, or a plain object. */
export type DeriveState<S> = [S] extends [TSchema] ? Static<S> : Record<string, unknown>

/** What `open` gets: the checked config, each transform with its checked lambda config, the state typed by the state schema, and the session's signal and logger. */
export interface OpenContext<C, L, S> {
  readonly config: C
  readonly collection: DeriveCollection
  readonly transforms: readonly OpenTransform<L>[]
  /** The derivation's state as Flow merged it from every update committed: `{}` (or the schema's defaults) at first. */
  readonly state: S
  readonly version: string
  readonly range: { readonly keyBegin: number; readonly keyEnd: number; readonly rClockBegin: number; readonly rClockEnd: number }
  /** Aborted when the session must stop. */
  readonly signal: AbortSignal
  readonly logger: Logger
}

/** What an author declares; see `derive()`. */
export interface DeriveDefinition<C extends TSchema, L extends TSchema, S extends TSchema | undefined = undefined> {
  readonly config: C
  /** The config of each transform's lambda (`lambda:` of a transform in flow.yaml). */
  readonly lambda: L
  /** The derivation's state; its defaults fill the state Open gives. Default: any object. */
  readonly state?: S
  readonly documentationUrl: string
  readonly oauth2?: OAuth2
  /** Default: no transform is read-only, and `defaultGeneratedFiles`. */
  validate?(context: ValidateContext<Static<C>, Static<L>>): Validated | Promise<Validated>
  open(context: OpenContext<Static<C>, Static<L>, DeriveState<S>>): Derivation | Promise<Derivation>
}

/** What the serve loop needs of a derivation. */
export interface DeriveConnector {
  spec(logger: Logger): Promise<DeriveResponse>
  validate(request: DeriveValidate, logger: Logger): Promise<DeriveResponse>
  open(request: DeriveOpen, signal: AbortSignal, logger: Logger): Promise<DeriveSession>
  /** The texts of the config's values under properties marked secret, to be scrubbed from every log. */
  secrets?(configJson: string | null | undefined): readonly string[]
}

/** A transform of an open session, with its handler. */
export interface SessionTransform {
  readonly index: number
  readonly name: string
  readonly handler: TransformHandler
  readonly collection: DeriveCollection
}

/** An open session as the serve loop runs it: the author's derivation and each transform's handler, in transform order. */
export interface DeriveSession {
  readonly name: string
  readonly derivation: Derivation
  readonly transforms: readonly SessionTransform[]
  /** Opens the session anew with an empty state (a Reset of a derivation without `reset`). */
  reopen(): Promise<DeriveSession>
}

/**
 * Defines a derivation from TypeBox schemas and a few functions. flowkit answers Spec from the
 * schemas, checks the config and each transform's lambda config, generates typed stubs of the
 * source documents in Validate, and runs the transforms' handlers through Flow's transactions.
 */
export function derive<C extends TSchema, L extends TSchema, S extends TSchema | undefined = undefined>(definition: DeriveDefinition<C, L, S>): DeriveConnector {
  return new CompiledDerivation(definition)
}

/** Validate's default files: a TypeScript module per transform declaring the documents it reads. */
export function defaultGeneratedFiles(context: Pick<ValidateContext<unknown, unknown>, 'collection' | 'transforms' | 'projectRoot'>): Record<string, string> {
  return transformStubs(context.projectRoot, context.collection.name, context.transforms)
}

class CompiledDerivation<C extends TSchema, L extends TSchema, S extends TSchema | undefined> implements DeriveConnector {
  readonly definition: DeriveDefinition<C, L, S>
  readonly configSchema: CompiledSchema<C>
  readonly lambdaSchema: CompiledSchema<L>
  readonly stateSchema: CompiledSchema<TSchema> | undefined

  constructor(definition: DeriveDefinition<C, L, S>) {
    this.definition = definition
    this.configSchema = compileSchema(definition.config)
    this.lambdaSchema = compileSchema(definition.lambda)
    this.stateSchema = definition.state ? compileSchema(definition.state as TSchema) : undefined
  }

  async spec(): Promise<DeriveResponse> {
    const { definition } = this
    return {
      spec: {
        protocol: PROTOCOL_VERSION,
        configSchemaJson: JSON.stringify(definition.config),
        resourceConfigSchemaJson: JSON.stringify(definition.lambda),
        documentationUrl: definition.documentationUrl,
        ...(definition.oauth2 ? { oauth2: definition.oauth2 } : {}),
      },
    }
  }

  async validate(request: DeriveValidate, logger: Logger): Promise<DeriveResponse> {
    const linked = request.linkedCollections ?? []
    const transforms = (request.transforms ?? []).map((t, index): ValidateTransform<Static<L>> => ({
      index,
      name: t.name ?? '',
      collection: collectionOf(resolveCollection(t.collection, t.collectionIndex, linked, `transform ${t.name ?? index}`)),
      lambdaConfig: this.#lambda(index, t.name, t.lambdaConfigJson),
      shuffleLambdaConfig: parseJsonField(t.shuffleLambdaConfigJson, `transform ${t.name ?? index} shuffle lambda config`),
      backfill: t.backfill ?? 0,
    }))
    const context: ValidateContext<Static<C>, Static<L>> = {
      config: this.#config(request.configJson),
      collection: collectionOf(request.collection),
      transforms,
      projectRoot: request.projectRoot ?? '',
      importMap: request.importMap ?? {},
      logger,
    }
    const answer = this.definition.validate ? await this.definition.validate(context) : {}
    const readOnly = answer.readOnly ?? transforms.map(() => false)
    if (readOnly.length !== transforms.length) throw new ConfigError(`validate answered readOnly for ${readOnly.length} transforms of ${transforms.length}`)
    return {
      validated: {
        transforms: readOnly.map((flag) => (flag ? { readOnly: true } : {})),
        generatedFiles: { ...(answer.generatedFiles ?? defaultGeneratedFiles(context)) },
      },
    }
  }

  async open(request: DeriveOpen, signal: AbortSignal, logger: Logger): Promise<DeriveSession> {
    const spec = request.collection
    const derivation = spec?.derivation
    const linked = derivation?.linkedCollections ?? []
    const transforms = (derivation?.transforms ?? []).map((t, index): OpenTransform<Static<L>> => ({
      index,
      name: t.name ?? '',
      collection: collectionOf(resolveCollection(t.collection, t.collectionIndex, linked, `transform ${t.name ?? index}`)),
      lambdaConfig: this.#lambda(index, t.name, t.lambdaConfigJson),
      shuffleKey: t.shuffleKey ?? [],
      readOnly: t.readOnly ?? false,
    }))
    const range = request.range
    const base = {
      config: this.#config(derivation?.configJson),
      collection: collectionOf(spec),
      transforms,
      version: request.version ?? '',
      range: { keyBegin: range?.keyBegin ?? 0, keyEnd: range?.keyEnd ?? 0xffffffff, rClockBegin: range?.rClockBegin ?? 0, rClockEnd: range?.rClockEnd ?? 0xffffffff },
      signal,
      logger,
    }
    const start = async (stateJson: string | null | undefined): Promise<DeriveSession> => {
      const state = this.#state(stateJson)
      const opened = await this.definition.open({ ...base, state })
      return { name: base.collection.name, derivation: opened, transforms: handlersOf(opened, transforms), reopen: () => start('{}') }
    }
    return start(request.stateJson)
  }

  secrets(configJson: string | null | undefined): readonly string[] {
    return secretTextsOfJson(this.definition.config, configJson)
  }

  #config(text: string | null | undefined): Static<C> {
    return this.configSchema.parse(parseJsonField(text, 'config') ?? {}, 'config')
  }

  #lambda(index: number, name: string | null | undefined, text: string | null | undefined): Static<L> {
    const what = `transform ${name || index} lambda config`
    return this.lambdaSchema.parse(parseJsonField(text, what) ?? {}, what)
  }

  #state(text: string | null | undefined): DeriveState<S> {
    const state = parseJsonField(text, 'state') ?? {}
    if (this.stateSchema) return this.stateSchema.parse(state, 'the state in Open') as DeriveState<S>
    if (!isObject(state)) throw new ConfigError('the state in Open is not a JSON object')
    return state as DeriveState<S>
  }
}

/** Pairs each transform with its handler, by position or by name; every transform needs one. */
function handlersOf(derivation: Derivation, transforms: readonly OpenTransform<unknown>[]): SessionTransform[] {
  const given = derivation.transforms
  const byName = !Array.isArray(given)
  const handlers = given as Readonly<Record<string, TransformHandler>> & readonly TransformHandler[]
  if (byName) {
    const names = new Set(transforms.map((t) => t.name))
    for (const name of Object.keys(handlers)) if (!names.has(name)) throw new ConfigError(`open returned a handler for ${JSON.stringify(name)}, which is not a transform of this derivation (${[...names].join(', ')})`)
  } else if (handlers.length !== transforms.length) {
    throw new ConfigError(`open returned ${handlers.length} transform handlers for ${transforms.length} transforms`)
  }
  return transforms.map((t) => {
    const handler = byName ? handlers[t.name] : handlers[t.index]
    if (typeof handler !== 'function' && !(isObject(handler) && typeof handler.pipeline === 'function')) {
      throw new ConfigError(`transform ${JSON.stringify(t.name)} has no handler: give a function of a document, or pipeline(fn)`)
    }
    return { index: t.index, name: t.name, handler, collection: t.collection }
  })
}

/** A transform's collection, inline or by index into the linked collections. */
function resolveCollection(inline: CollectionSpec | null | undefined, index: number | null | undefined, linked: readonly CollectionSpec[], what: string): CollectionSpec | undefined {
  if (linked.length === 0) return inline ?? undefined
  const found = linked[index ?? 0]
  if (!found) throw new ConfigError(`${what} names collection ${index ?? 0}, but there are ${linked.length} linked collections`)
  return found
}

function collectionOf(spec: CollectionSpec | null | undefined): DeriveCollection {
  const schema = parseJsonField(spec?.readSchemaJson || spec?.writeSchemaJson, `the schema of ${spec?.name ?? 'a collection'}`) ?? {}
  return { name: spec?.name ?? '', key: spec?.key ?? [], schema, uuidPtr: spec?.uuidPtr ?? '' }
}
