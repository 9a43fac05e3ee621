/**
 * Redaction of secrets for logs. A value is secret when its JSON schema says `"secret": true`
 * (Flow's annotation) or `"airbyte_secret": true`; redaction follows `properties`,
 * `additionalProperties`, `items`, `oneOf`/`anyOf`/`allOf` and local `$ref`s into `$defs`.
 */
import { locate, parsePointer } from '../json/pointer.ts'
import { isObject } from '../json/values.ts'
import type { LogFields, Logger, LogLevel } from './log.ts'

/** What `redactSecrets` puts in place of a secret value. */
export const REDACTED = '[redacted]'

type Schema = Readonly<Record<string, unknown>>

/**
 * A copy of `value` with each value its JSON schema marks `secret` or `airbyte_secret` replaced by
 * `REDACTED`; `value` itself is not changed.
 */
export function redactSecrets(schema: unknown, value: unknown): unknown {
  return redact(schema, value, schema, 0, undefined)
}

/** The values `redactSecrets` replaces, as texts: strings as they are, other values as JSON. */
export function secretTexts(schema: unknown, value: unknown): string[] {
  const found: unknown[] = []
  redact(schema, value, schema, 0, found)
  return found.filter((secret) => secret !== null).map((secret) => (typeof secret === 'string' ? secret : JSON.stringify(secret)))
}

/** The secret texts of a config given as JSON text (as a request carries it); none when the text is not JSON. */
export function secretTextsOfJson(schema: unknown, configJson: string | null | undefined): string[] {
  if (!configJson) return []
  let config: unknown
  try {
    config = JSON.parse(configJson)
  } catch {
    return []
  }
  return secretTexts(schema, config)
}

function redact(schema: unknown, value: unknown, root: unknown, depth: number, found: unknown[] | undefined): unknown {
  if (!isObject(schema) || depth > 64) return value
  const s = resolve(schema, root)
  if (s.secret === true || s.airbyte_secret === true) {
    if (value !== undefined) found?.push(value)
    return value === undefined ? value : REDACTED
  }
  let result = value
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const branches = s[key]
    if (Array.isArray(branches)) for (const branch of branches) result = redact(branch, result, root, depth + 1, found)
  }
  if (Array.isArray(result)) {
    const items = s.items
    return isObject(items) ? result.map((item) => redact(items, item, root, depth + 1, found)) : result
  }
  if (!isObject(result)) return result
  const properties = isObject(s.properties) ? s.properties : {}
  const additional = s.additionalProperties
  let copy: Record<string, unknown> | undefined
  for (const [key, inner] of Object.entries(result)) {
    const propertySchema = key in properties ? properties[key] : additional
    const redacted = redact(propertySchema, inner, root, depth + 1, found)
    if (redacted !== inner) (copy ??= { ...result })[key] = redacted
  }
  return copy ?? result
}

function resolve(schema: Schema, root: unknown): Schema {
  const ref = schema.$ref
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return schema
  let node: unknown
  try {
    node = locate(root, parsePointer(ref.slice(1))).value
  } catch {
    return schema // not a pointer: nothing to follow
  }
  return isObject(node) ? { ...node, ...schema, $ref: undefined } : schema
}

/**
 * A logger that writes through `logger` with every occurrence of the given texts (secret config
 * values, of 4 characters or more) replaced by REDACTED, in messages and in fields: for the logs
 * of a foreign connector, which flowkit cannot redact by schema.
 */
export function redactingLogger(logger: Logger, secrets: readonly string[]): Logger {
  const scrub = textRedactor(secrets)
  if (scrub === undefined) return logger
  const at = (level: LogLevel) => (message: string, fields?: LogFields) =>
    logger[level](scrub(message), fields === undefined ? undefined : (scrubValue(fields, scrub, 0) as LogFields))
  return { level: logger.level, enabled: logger.enabled, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace') }
}

/**
 * Texts a process must never write to its logs, learnt as it reads configs (their secret
 * values): the logger `runProcess` gives a connector replaces each of them (of 4 characters or
 * more) by REDACTED, in every line, its last error and a crash included.
 */
export class SecretTexts {
  readonly #texts = new Set<string>()
  #scrub: ((text: string) => string) | undefined

  /** Adds texts to keep out of the logs from now on. */
  add(texts: readonly string[]): void {
    const size = this.#texts.size
    for (const text of texts) this.#texts.add(text)
    if (this.#texts.size !== size) this.#scrub = textRedactor([...this.#texts])
  }

  /** `text` without the secrets. */
  scrub(text: string): string {
    return this.#scrub === undefined ? text : this.#scrub(text)
  }

  /** A logger that writes through `logger` with the secrets known at each line's time replaced, in messages and fields. */
  logger(logger: Logger): Logger {
    const at = (level: LogLevel) => (message: string, fields?: LogFields) => {
      const scrub = this.#scrub
      if (scrub === undefined) logger[level](message, fields)
      else logger[level](scrub(message), fields === undefined ? undefined : (scrubValue(fields, scrub, 0) as LogFields))
    }
    return { level: logger.level, enabled: logger.enabled, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace') }
  }
}

/** `value` with `scrub` applied to every string in it, keys included; what is unchanged is shared. */
function scrubValue(value: unknown, scrub: (text: string) => string, depth: number): unknown {
  if (typeof value === 'string') return scrub(value)
  if (depth > 64 || typeof value !== 'object' || value === null) return value
  if (value instanceof Error) return { name: value.name, message: scrub(value.message) }
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, scrub, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) out[scrub(key)] = scrubValue(inner, scrub, depth + 1)
  return out
}

/** A function that replaces every occurrence of the secrets (of 4 characters or more) by REDACTED; undefined when there are none. */
export function textRedactor(secrets: readonly string[]): ((text: string) => string) | undefined {
  const texts = [...new Set(secrets.filter((secret) => secret.length >= 4))]
  if (texts.length === 0) return undefined
  return (text) => texts.reduce((out, secret) => out.split(secret).join(REDACTED), text)
}
