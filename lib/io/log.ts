/**
 * Structured logs on stderr, one JSON object per line in the shape Flow's runtime parses:
 * `{"ts":"…","level":"info","message":"…","fields":{…}}`. The level comes from `LOG_LEVEL`
 * (error, warn, info, debug, trace; default info), as Flow sets it for every connector.
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace'

const RANK: Record<LogLevel, number> = { error: 1, warn: 2, info: 3, debug: 4, trace: 5 }

/**
 * Structured fields of a log line, written as its `fields` object (bigints as strings, errors as
 * their name and message).
 */
export type LogFields = Readonly<Record<string, unknown>>

/**
 * Writes one JSON line per call, `{"ts","level","message","fields"}`, as Flow's runtime parses a
 * connector's stderr; calls more verbose than `level` write nothing.
 */
export interface Logger {
  readonly level: LogLevel
  /** True if a line at `level` would be written. */
  enabled(level: LogLevel): boolean
  error(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  debug(message: string, fields?: LogFields): void
  trace(message: string, fields?: LogFields): void
}

/** Options of `createLogger()`: the level and where lines go. */
export interface LoggerOptions {
  /** Default: `LOG_LEVEL` from the environment, else info. */
  readonly level?: string | undefined
  /** Where each line goes (with its newline). Default: synchronous writes to stderr. */
  readonly write?: (line: string) => void
}

/** Reads a level name leniently (`WARNING`, `Info`); unknown names give `info`. */
export function parseLogLevel(value: string | undefined): LogLevel {
  const name = (value ?? '').trim().toLowerCase()
  if (name === 'warning') return 'warn'
  if (name === 'fatal' || name === 'panic') return 'error'
  return name in RANK ? (name as LogLevel) : 'info'
}

/**
 * A logger at `options.level` (else `LOG_LEVEL`, else info): each call at or below that level
 * writes one whole line, with one write.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = parseLogLevel(options.level ?? process.env.LOG_LEVEL)
  const threshold = RANK[level]
  const write = options.write ?? ((line: string) => process.stderr.write(line))
  const emit = (lineLevel: LogLevel) => (message: string, fields?: LogFields) => {
    if (RANK[lineLevel] > threshold) return
    write(formatLogLine(lineLevel, message, fields))
  }
  return {
    level,
    enabled: (l) => RANK[l] <= threshold,
    error: emit('error'),
    warn: emit('warn'),
    info: emit('info'),
    debug: emit('debug'),
    trace: emit('trace'),
  }
}

/** One log line, newline included. Fields that cannot be serialized are described, not thrown. */
export function formatLogLine(level: LogLevel, message: string, fields?: LogFields, now = new Date()): string {
  const head = `{"ts":"${now.toISOString()}","level":"${level}","message":${JSON.stringify(message)}`
  if (fields === undefined || Object.keys(fields).length === 0) return head + '}\n'
  let text: string
  try {
    text = JSON.stringify(fields, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value instanceof Error ? { name: value.name, message: value.message } : value))
  } catch (error) {
    text = JSON.stringify({ unserializable: String(error) })
  }
  return head + ',"fields":' + text + '}\n'
}
