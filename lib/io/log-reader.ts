/**
 * A connector's stderr, read as Flow's runtime reads it: each line is a log event. A JSON
 * object line gives its level (`level`/`lvl`), message (`message`/`msg`) and fields (`fields`
 * merged with any other keys); any other line is unstructured text whose level is guessed from
 * its words, and unstructured lines that come together (a stack trace) are one log event.
 */
import type { LogLevel } from './log.ts'

/**
 * One log event of a connector's stderr, as Flow's runtime reads it: a JSON log line's level,
 * message and fields, or unstructured text at a level guessed from its words.
 */
export interface ConnectorLog {
  readonly level: LogLevel
  readonly message: string
  readonly fields: Readonly<Record<string, unknown>>
  /** The producer's timestamp, when it gave one. */
  readonly ts?: string
}

const LEVELS: Readonly<Record<string, LogLevel>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'error',
  panic: 'error',
}

const ERROR_WORDS = /error|failed|panic|timeout|unable|unrecognised|unrecognized/i
const TIME_KEYS = ['ts', 'timestamp', 'time']
const PASS_THROUGH = ['shard', 'spans']

/** Reads one stderr line (without its newline); undefined for a blank line. */
export function parseLogLine(line: string): ConnectorLog | undefined {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line
  if (text.trim() === '') return undefined
  return structured(text) ?? { level: ERROR_WORDS.test(text) ? 'error' : 'warn', message: text, fields: {} }
}

/** How long after an unstructured line the next one still belongs to the same event. */
const FOLD_MS = 25
/** At most this many lines fold into one event. */
const FOLD_LINES = 200

/**
 * Reads stderr lines into log events, as `parseLogLine` does, except that unstructured lines
 * that follow one another closely (each within FOLD_MS of the last; a process writes its crash
 * report in several writes) are folded into one event, their texts joined by newlines: a stack
 * trace or a multi-line panic is one message, the last of which is what a failing connector
 * said. A structured line, a pause, FOLD_LINES lines or `flush()` ends the event.
 */
export class LogLines {
  readonly #emit: (log: ConnectorLog) => void
  #folded: string[] = []
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(emit: (log: ConnectorLog) => void) {
    this.#emit = emit
  }

  /** One stderr line, without its newline. */
  push(line: string): void {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line
    if (text.trim() === '') return
    const log = structured(text)
    if (log !== undefined) {
      this.flush()
      this.#emit(log)
      return
    }
    this.#folded.push(text)
    clearTimeout(this.#timer)
    if (this.#folded.length >= FOLD_LINES) this.flush()
    else this.#timer = setTimeout(() => this.flush(), FOLD_MS)
  }

  /** Emits the unstructured lines held, if any (at the end of the stream). */
  flush(): void {
    clearTimeout(this.#timer)
    if (this.#folded.length === 0) return
    const message = this.#folded.join('\n')
    this.#folded = []
    this.#emit({ level: ERROR_WORDS.test(message) ? 'error' : 'warn', message, fields: {} })
  }
}

function structured(text: string): ConnectorLog | undefined {
  if (!text.trimStart().startsWith('{')) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const object = value as Record<string, unknown>
  const levelName = object.level ?? object.lvl
  let level: LogLevel | undefined
  if (levelName !== undefined) {
    if (typeof levelName !== 'string') return undefined
    level = LEVELS[levelName.toLowerCase()]
    if (level === undefined || !/^[a-z]+$|^[A-Z]+$|^[A-Z][a-z]+$/.test(levelName)) return undefined
  }
  const fields: Record<string, unknown> = {}
  if (typeof object.fields === 'object' && object.fields !== null && !Array.isArray(object.fields)) Object.assign(fields, object.fields)
  let message = typeof object.message === 'string' ? object.message : typeof object.msg === 'string' ? object.msg : ''
  let ts: string | undefined
  for (const [key, member] of Object.entries(object)) {
    if (key === 'level' || key === 'lvl' || key === 'message' || key === 'msg' || key === 'fields' || PASS_THROUGH.includes(key)) continue
    if (TIME_KEYS.includes(key) && typeof member === 'string' && ts === undefined) ts = member
    else fields[key] = member
  }
  if (message === '') {
    for (const key of ['message', 'msg']) {
      if (typeof fields[key] === 'string') {
        message = fields[key] as string
        delete fields[key]
        break
      }
    }
  }
  level ??= ERROR_WORDS.test(message) ? 'error' : 'warn'
  return ts === undefined ? { level, message, fields } : { level, message, fields, ts }
}

/** One readable line, newline included: `LEVEL message {fields}`. */
export function formatLog(log: ConnectorLog): string {
  const head = `${log.level.toUpperCase()} ${log.message}`
  return Object.keys(log.fields).length === 0 ? head + '\n' : `${head} ${safeJson(log.fields)}\n`
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value)
  } catch (error) {
    return `(fields not printable: ${String(error)})`
  }
}
