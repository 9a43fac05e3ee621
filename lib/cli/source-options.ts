import { UsageError } from '../errors.ts'
import { formatLog, type ConnectorLog } from '../testing/logs.ts'

/** The options every command that runs a catalog's capture takes. */
export interface SourceOptions {
  /** The catalog file. */
  readonly source: string
  /** The capture to run; the catalog's only one when absent. */
  readonly capture?: string
  /** The connector's LOG_LEVEL; else the capture's `shards.logLevel`, else info. */
  readonly logLevel?: string
}

export const SOURCE_OPTIONS = {
  source: { type: 'string' },
  capture: { type: 'string' },
  'log-level': { type: 'string' },
} as const

const LEVELS = ['error', 'warn', 'info', 'debug', 'trace']

export function sourceOptionsOf(values: { source?: string | undefined; capture?: string | undefined; 'log-level'?: string | undefined }): SourceOptions {
  if (values.source === undefined) throw new UsageError('--source is required (a flow.yaml or JSON catalog)')
  const level = values['log-level']
  if (level !== undefined && !LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}; got ${JSON.stringify(level)}`)
  return {
    source: values.source,
    ...(values.capture === undefined ? {} : { capture: values.capture }),
    ...(level === undefined ? {} : { logLevel: level }),
  }
}

/** Writes a connector's log line to stderr, readably. */
export function printConnectorLog(log: ConnectorLog): void {
  process.stderr.write(formatLog(log))
}
