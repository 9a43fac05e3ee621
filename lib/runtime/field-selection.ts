/**
 * Field selection, as Flow makes it from a binding's `fields` and the constraints its
 * connector answered in Validate.
 *
 * Projections are visited with the ones that must be selected first (included by the user, or
 * FIELD_REQUIRED), then the explicit ones, then the rest. A field is selected when the user
 * includes it or the connector requires it (FIELD_REQUIRED); when it is LOCATION_REQUIRED and no
 * other field of its location was selected yet; when it is LOCATION_RECOMMENDED, no field of its
 * location was selected yet and `recommended` is not false. It is not selected when the user
 * excludes it, or the connector makes it optional, forbids it or finds it incompatible. A field
 * the connector gave no constraint for is forbidden. A selected field becomes the key field of
 * its key location (the first one selected there), else the document field (the first one at
 * the root), else a value; values are sorted by name.
 *
 * Errors, all reported at once, each naming the binding and the field: an `include` of a
 * forbidden or incompatible field, an `exclude` of a required one (or of the last field of a
 * required location), an `include` or `exclude` of a field the collection does not project, a
 * constraint for a field it does not project, an unknown constraint type, a required location
 * that no field selects, a key location with no field selected.
 */
import { ConfigError } from '../errors.ts'
import type { FieldSelection, MaterializeResponse, Projection } from '../protocol/index.ts'
import type { FieldsSpec } from './materialize-catalog.ts'

/** materialize.Response.Validated.Constraint.Type; UNSATISFIABLE is the old name of INCOMPATIBLE. */
export const CONSTRAINT = { FIELD_REQUIRED: 1, LOCATION_REQUIRED: 2, LOCATION_RECOMMENDED: 3, FIELD_OPTIONAL: 4, FIELD_FORBIDDEN: 5, INCOMPATIBLE: 6, UNSATISFIABLE: 7 } as const

/** A field's constraint in a Validated response: the wire number of its type, and its reason. */
export interface FieldConstraint {
  readonly type: number
  readonly reason: string
}

type ValidatedBinding = NonNullable<NonNullable<MaterializeResponse['validated']>['bindings']>[number]

/** A binding's constraints by field: `projectionConstraints` when the connector sent them (newer runtimes read only those), else the `constraints` map. */
export function constraintsOf(validated: ValidatedBinding): Map<string, FieldConstraint> {
  const out = new Map<string, FieldConstraint>()
  const listed = validated.projectionConstraints ?? []
  if (listed.length > 0) for (const { field, constraint } of listed) out.set(field ?? '', { type: constraint?.type ?? 0, reason: constraint?.reason ?? '' })
  else for (const [field, constraint] of Object.entries(validated.constraints ?? {})) out.set(field, { type: constraint.type ?? 0, reason: constraint.reason ?? '' })
  return out
}

/**
 * What a binding's field selection is made from: its key, projections, the connector's constraints
 * and the catalog's `fields`.
 */
export interface SelectionInput {
  /** How errors name the binding, e.g. `binding 0 (acmeCo/greetings)`. */
  readonly where: string
  /** The collection's key pointers. */
  readonly key: readonly string[]
  readonly projections: readonly Projection[]
  readonly constraints: ReadonlyMap<string, FieldConstraint>
  readonly fields: FieldsSpec
}

/** The binding's field selection. Throws a ConfigError listing every conflict. */
export function selectFields(input: SelectionInput): FieldSelection {
  const { key, fields } = input
  const errors: string[] = []
  const fail = (field: string, problem: string) => errors.push(`${input.where}: field ${JSON.stringify(field)} ${problem}`)
  const projected = new Set(input.projections.map((p) => p.field ?? ''))
  for (const field of Object.keys(fields.include)) if (!projected.has(field)) fail(field, 'is included, but the collection has no such projection')
  for (const field of fields.exclude) if (!projected.has(field)) fail(field, 'is excluded, but the collection has no such projection')
  for (const field of input.constraints.keys()) if (!projected.has(field)) fail(field, 'has a constraint from the connector, but the collection has no such projection')

  const keys: (string | undefined)[] = key.map(() => undefined)
  const values: string[] = []
  let document = ''
  const required = new Map<string, string[]>() // required location → fields the user excluded there
  const selected = new Set<string>() // locations with a selected field
  const fieldConfig: Record<string, string> = {}

  for (const projection of visitOrder(input)) {
    const field = projection.field ?? ''
    const ptr = projection.ptr ?? ''
    const constraint = input.constraints.get(field) ?? { type: CONSTRAINT.FIELD_FORBIDDEN, reason: 'the connector gave no constraint for it' }
    if (constraint.type === CONSTRAINT.LOCATION_REQUIRED && !required.has(ptr)) required.set(ptr, [])
    const choice = choose(field, constraint, fields, selected.has(ptr))
    if (typeof choice === 'string') {
      fail(field, choice)
      continue
    }
    if (!choice) {
      if (fields.exclude.includes(field) && constraint.type === CONSTRAINT.LOCATION_REQUIRED) required.get(ptr)?.push(field)
      continue
    }
    const slot = key.indexOf(ptr)
    if (slot !== -1 && keys[slot] === undefined) keys[slot] = field
    else if (ptr === '' && document === '') document = field
    else values.push(field)
    if (Object.hasOwn(fields.include, field)) fieldConfig[field] = JSON.stringify(fields.include[field] ?? {})
    selected.add(ptr)
  }
  for (const [ptr, excluded] of required) {
    if (selected.has(ptr)) continue
    if (excluded.length > 0) for (const field of excluded) fail(field, `is excluded, but the connector requires a field at its location ${JSON.stringify(ptr)}`)
    else errors.push(`${input.where}: the connector requires a field at location ${JSON.stringify(ptr)}, and none is selected`)
  }
  keys.forEach((field, i) => field === undefined && errors.push(`${input.where}: no field is selected for key location ${JSON.stringify(key[i])}`))
  if (errors.length > 0) throw new ConfigError(`field selection failed:\n  ${errors.join('\n  ')}`)
  return { keys: keys as string[], values: values.sort(), document, fieldConfigJsonMap: fieldConfig }
}

/** Must-select fields first (included, or FIELD_REQUIRED), then explicit projections, then the rest; stable otherwise. */
function visitOrder(input: SelectionInput): Projection[] {
  const rank = (p: Projection) => {
    const field = p.field ?? ''
    const must = Object.hasOwn(input.fields.include, field) || input.constraints.get(field)?.type === CONSTRAINT.FIELD_REQUIRED
    return (must ? 0 : 2) + (p.explicit ? 0 : 1)
  }
  return input.projections.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).map(({ p }) => p)
}

/** Whether to select a field: true, false, or why the user's choice conflicts with the connector's. */
function choose(field: string, constraint: FieldConstraint, fields: FieldsSpec, locationSelected: boolean): boolean | string {
  const included = Object.hasOwn(fields.include, field)
  const excluded = fields.exclude.includes(field)
  const because = constraint.reason === '' ? '' : `: ${constraint.reason}`
  switch (constraint.type) {
    case CONSTRAINT.FIELD_FORBIDDEN:
      return included ? `is included, but the connector forbids it${because}` : false
    case CONSTRAINT.INCOMPATIBLE:
    case CONSTRAINT.UNSATISFIABLE:
      return included ? `is included, but the connector finds it incompatible${because}` : false
    case CONSTRAINT.FIELD_REQUIRED:
      return excluded ? `is excluded, but the connector requires it${because}` : true
    case CONSTRAINT.LOCATION_REQUIRED:
      return included || (!excluded && !locationSelected)
    case CONSTRAINT.LOCATION_RECOMMENDED:
      return included || (!excluded && !locationSelected && fields.recommended)
    case CONSTRAINT.FIELD_OPTIONAL:
      return included
    default:
      return `has a constraint of unknown type ${constraint.type} from the connector`
  }
}
