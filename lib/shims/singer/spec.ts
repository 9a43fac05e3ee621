/**
 * Flow's Spec for a Singer tap, which has no spec of its own: the config schema is the one
 * the author gives, else an open object; a binding's resource names a catalog entry by its
 * `tap_stream_id`, which is the resource path. And which config values count as secrets.
 */
import { REDACTED, redactSecrets } from '../../io/redact.ts'
import { isObject } from '../../json/values.ts'
import { PROTOCOL_VERSION, type CaptureResponse } from '../../protocol/index.ts'
import { secretValues } from '../airbyte/spec.ts'

export const RESOURCE_SCHEMA = {
  type: 'object',
  properties: {
    stream: { type: 'string', description: 'Name of the stream, as its records name it.' },
    tapStreamId: { type: 'string', description: 'tap_stream_id of the catalog entry.' },
    replicationMethod: { type: 'string', enum: ['FULL_TABLE', 'INCREMENTAL', 'LOG_BASED'], description: 'How the tap replicates the stream.' },
    replicationKey: { type: 'string', description: 'Field an INCREMENTAL stream is bookmarked by.' },
  },
  required: ['stream', 'tapStreamId'],
} as const

export const RESOURCE_PATH_POINTERS = ['/tapStreamId']

/** The config schema of a tap whose author gives none. */
export const OPEN_CONFIG_SCHEMA = { type: 'object' } as const

/** The Flow Spec response. */
export function singerSpec(configSchema: object | undefined, documentationUrl: string | undefined): CaptureResponse {
  return {
    spec: {
      protocol: PROTOCOL_VERSION,
      configSchemaJson: JSON.stringify(configSchema ?? OPEN_CONFIG_SCHEMA),
      resourceConfigSchemaJson: JSON.stringify(RESOURCE_SCHEMA),
      documentationUrl: documentationUrl ?? '',
      resourcePathPointers: RESOURCE_PATH_POINTERS,
    },
  }
}

/** Values that are not secrets, and whose text stands in many an unrelated log line (a port, a flag). */
const JSON_SYNTAX = /^(?:[-+.\deE]*|true|false|null)$/

/**
 * The config's secrets, to keep out of logs: the values the author's schema marks secret,
 * or, without a schema, every string in the config (a tap declares none) but those that are
 * only digits and number signs or `true`/`false`/`null`, such as a port `"5432"`.
 */
export function configSecrets(config: unknown, configSchema: object | undefined): string[] {
  if (configSchema !== undefined) return secretValues(configSchema, config)
  const out: string[] = []
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (!JSON_SYNTAX.test(value)) out.push(value)
    } else if (Array.isArray(value)) value.forEach(visit)
    else if (isObject(value)) Object.values(value).forEach(visit)
  }
  visit(config)
  return out
}

/** The config for the debug log: secrets as the schema marks them, or, without a schema, every string, redacted. */
export function redactedConfig(config: unknown, configSchema: object | undefined): unknown {
  if (configSchema !== undefined) return redactSecrets(configSchema, config)
  const redact = (value: unknown): unknown => {
    if (typeof value === 'string') return REDACTED
    if (Array.isArray(value)) return value.map(redact)
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redact(inner)]))
    return value
  }
  return redact(config)
}
