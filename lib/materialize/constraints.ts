/**
 * What a materialization answers in Validate for each field of a binding's collection: a
 * constraint per projected field. Flow selects fields from these: required fields always,
 * recommended ones by default, optional ones when the user includes them, never forbidden or
 * incompatible ones.
 */
import type { Projection } from '../protocol/index.ts'

/** The kinds of constraint a materialization puts on a field in Validate, as Flow names them. */
export type ConstraintType =
  | 'FIELD_REQUIRED'
  | 'LOCATION_REQUIRED'
  | 'LOCATION_RECOMMENDED'
  | 'FIELD_OPTIONAL'
  | 'FIELD_FORBIDDEN'
  | 'INCOMPATIBLE'

/** A field's constraint in a Validated response, with the reason Flow shows the user. */
export interface Constraint {
  readonly type: ConstraintType
  readonly reason: string
}

/** The wire numbers of the constraint types (materialize.Response.Validated.Constraint.Type). */
export const CONSTRAINT_NUMBERS: Readonly<Record<ConstraintType, number>> = {
  FIELD_REQUIRED: 1,
  LOCATION_REQUIRED: 2,
  LOCATION_RECOMMENDED: 3,
  FIELD_OPTIONAL: 4,
  FIELD_FORBIDDEN: 5,
  INCOMPATIBLE: 6,
}

/** A projection of a collection, as Validate and Apply give it. */
export interface FieldProjection {
  readonly field: string
  /** JSON pointer of the location; '' for the root document. */
  readonly ptr: string
  readonly isPrimaryKey: boolean
  /** JSON types the location may hold (`string`, `integer`, `number`, `boolean`, `object`, `array`, `null`). */
  readonly types: readonly string[]
  /** True when the location always exists in a valid document. */
  readonly mustExist: boolean
}

/** Options of `standardConstraints()`: delta updates, and the fields the endpoint already holds. */
export interface StandardConstraintsOptions {
  /** Delta-update bindings do not need the root document; it is recommended instead of required. */
  readonly deltaUpdates?: boolean
  /**
   * The binding's fields as the endpoint holds them now (e.g. from the last materialization):
   * a field whose new types the endpoint cannot hold is INCOMPATIBLE. Default: nothing is held.
   */
  readonly existing?: ReadonlyMap<string, readonly string[]>
}

const EXISTS_MUST = 1

/** A projection from the wire, with the fields a policy looks at. */
export function fieldProjection(projection: Projection): FieldProjection {
  return {
    field: projection.field ?? '',
    ptr: projection.ptr ?? '',
    isPrimaryKey: projection.isPrimaryKey ?? false,
    types: projection.inference?.types ?? [],
    mustExist: projection.inference?.exists === EXISTS_MUST,
  }
}

/**
 * The common policy: the collection key's fields are required; the root document is required
 * (recommended for delta updates); top-level scalar fields are recommended, so that each
 * becomes a column by default; every other field is optional. A field the endpoint holds with
 * types the new ones do not fit is INCOMPATIBLE.
 */
export function standardConstraints(projections: readonly FieldProjection[], options: StandardConstraintsOptions = {}): Record<string, Constraint> {
  const out: Record<string, Constraint> = {}
  for (const projection of projections) {
    const held = options.existing?.get(projection.field)
    const problem = held === undefined ? undefined : typeChange(held, projection.types)
    out[projection.field] = problem !== undefined ? { type: 'INCOMPATIBLE', reason: problem } : standardConstraint(projection, options.deltaUpdates ?? false)
  }
  return out
}

function standardConstraint(projection: FieldProjection, deltaUpdates: boolean): Constraint {
  if (projection.isPrimaryKey) return { type: 'LOCATION_REQUIRED', reason: 'the collection key identifies each row' }
  if (projection.ptr === '') {
    return deltaUpdates
      ? { type: 'LOCATION_RECOMMENDED', reason: 'the root document, stored with each row' }
      : { type: 'LOCATION_REQUIRED', reason: 'the root document is loaded and stored to reduce each key' }
  }
  const topLevel = projection.ptr.lastIndexOf('/') === 0
  const scalar = projection.types.length > 0 && projection.types.every((type) => type !== 'object' && type !== 'array')
  if (topLevel && scalar) return { type: 'LOCATION_RECOMMENDED', reason: 'a top-level scalar, materialized as its own column' }
  return { type: 'FIELD_OPTIONAL', reason: 'may be materialized if selected' }
}

/**
 * Why values of `after` types cannot go where values of `before` types went; undefined when
 * they can: every new type was there before (null aside, which any nullable column holds), or
 * integers go where numbers went.
 */
export function typeChange(before: readonly string[], after: readonly string[]): string | undefined {
  const held = new Set(before.filter((type) => type !== 'null'))
  const fits = (type: string) => type === 'null' || held.has(type) || (type === 'integer' && held.has('number'))
  const misfits = after.filter((type) => !fits(type))
  if (misfits.length === 0) return undefined
  return `the field now holds ${misfits.join(', ')}, which its existing column of ${[...held].join(', ') || 'nothing'} cannot hold`
}
