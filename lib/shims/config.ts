/**
 * What both shims do with a foreign connector's config: read it from a request, and keep its
 * secrets out of the errors the connector's failures become (its logs go through
 * `redactingLogger`).
 */
import { ConfigError, ConnectorError } from '../errors.ts'
import { textRedactor } from '../io/redact.ts'
import { parseJsonField } from '../json/config-schema.ts'
import { isObject } from '../json/values.ts'

/** The config of a request, which must be a JSON object (`{}` when absent). */
export function parseConfig(text: string | null | undefined): Record<string, unknown> {
  const config = parseJsonField(text, 'config') ?? {}
  if (!isObject(config)) throw new ConfigError('the config must be a JSON object')
  return config
}

/** A ConnectorError (whose message may quote the connector's last log line) with the secrets replaced; any other error as it is. */
export function scrubbed(error: unknown, secrets: readonly string[]): unknown {
  const scrub = textRedactor(secrets)
  if (scrub === undefined || !(error instanceof ConnectorError) || scrub(error.message) === error.message) return error
  return new ConnectorError(scrub(error.message), { cause: error })
}

/** The events of `events`, its failure scrubbed of the secrets. */
export async function* scrubbing<T>(events: AsyncIterable<T>, secrets: readonly string[]): AsyncGenerator<T> {
  try {
    yield* events
  } catch (error) {
    throw scrubbed(error, secrets)
  }
}
