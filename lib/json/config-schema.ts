/**
 * Config and resource schemas declared with TypeBox, compiled once: one declaration gives the
 * JSON Schema a connector sends in Spec, the static type, and a validator that fills defaults.
 */
import type { Static, TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { Value } from 'typebox/value'
import { ConfigError, messageOf } from '../errors.ts'

/** A compiled TypeBox schema: fills defaults, checks, and explains what failed. */
export interface CompiledSchema<S extends TSchema> {
  readonly schema: S
  /**
   * Returns a copy of `value` with the schema's defaults filled in, if it then conforms;
   * otherwise throws a ConfigError listing every failing path and why.
   */
  parse(value: unknown, what: string): Static<S>
}

export function compileSchema<S extends TSchema>(schema: S): CompiledSchema<S> {
  const validator = Compile(schema)
  return {
    schema,
    parse(value, what) {
      const withDefaults = Value.Default(schema, Value.Clone(value))
      if (validator.Check(withDefaults)) return withDefaults as Static<S>
      const problems = [...validator.Errors(withDefaults)].map((error) => {
        const path = error.instancePath === '' ? '(root)' : error.instancePath
        return `${path}: ${error.message}`
      })
      throw new ConfigError(`${what} is invalid:\n  ${[...new Set(problems)].join('\n  ')}`)
    },
  }
}

/** Parses the JSON text of a raw field, naming the field when it is not JSON. */
export function parseJsonField(text: string | null | undefined, what: string): unknown {
  if (text === undefined || text === null || text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new ConfigError(`${what} is not valid JSON: ${messageOf(error)}`)
  }
}
