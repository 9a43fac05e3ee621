// flowkit/materialize: define a materialization, its constraints and its transactor, and run it.
export {
  materialize,
  type MaterializeConnector,
  type MaterializeDefinition,
  type MaterializeBinding,
  type MaterializeSession,
  type BindingCollection,
  type ValidateBinding,
  type ValidatedBinding,
  type ValidateContext,
  type ApplyContext,
  type OpenContext,
  type StateUpdate,
} from './connector.ts'
export { standardConstraints, typeChange, type Constraint, type ConstraintType, type FieldProjection, type StandardConstraintsOptions } from './constraints.ts'
export type { Transactor, LoadKey, LoadedDocument, StoreItem } from './transactor.ts'
export { serveMaterialize, type ServeOptions } from './serve.ts'
export { runMaterialize } from './run.ts'
