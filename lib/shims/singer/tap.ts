/**
 * A Singer tap the shim drives, run as a child process: `--discover` for its catalog,
 * `--help` to learn how it takes a catalog, and a sync whose stdout is a stream of messages.
 * Each run's files live in a private temporary directory, removed when the run ends, and each
 * run's child is stopped and waited for when its consumer stops early (see child.ts).
 */
import { ConnectorError, messageOf } from '../../errors.ts'
import type { LogFields, Logger, LogLevel } from '../../io/log.ts'
import type { Buffer } from 'node:buffer'
import { ChildFiles, lineExcerpt, runChild, type ChildOptions } from '../child.ts'
import { parseCatalog, parseSingerMessage, type SingerCatalog, type SingerMessage } from './messages.ts'

/** How a sync is given its catalog: `--catalog`, `--properties` (legacy taps), or `auto` (ask `--help`). */
export type CatalogFlag = 'catalog' | 'properties' | 'auto'

/**
 * Options of `commandTap`: the child process's line and idle limits and how long it may take to
 * stop.
 */
export type TapCommandOptions = Omit<ChildOptions, 'logger' | 'signal'>

/**
 * A Singer tap as the shim drives it: discovery, the flag its catalog is passed with, and syncs
 * that yield its messages in batches, in order.
 */
export interface SingerTap {
  /** `COMMAND --config F --discover`: the catalog it prints. */
  discover(config: unknown, logger: Logger): Promise<SingerCatalog>
  /** The flags a sync passes the catalog file with; `auto` runs `COMMAND --help` once per tap object. */
  catalogFlags(logger: Logger): Promise<readonly string[]>
  /**
   * `COMMAND --config F FLAG F... [--state F]`: its messages, in batches as they come; `state`
   * undefined: no state file. Aborting `signal` stops the tap at once.
   */
  sync(config: unknown, catalog: SingerCatalog, flags: readonly string[], state: unknown, logger: Logger, signal?: AbortSignal): AsyncIterable<SingerMessage[]>
}

/** A file a run gets: written as JSON, its path passed after each of `flags`. */
type RunFile = readonly [flags: readonly string[], name: string, value: unknown]

/** The tap that `command` runs. */
export function commandTap(command: readonly string[], catalogFlag: CatalogFlag, options: TapCommandOptions = {}): SingerTap {
  const run = async function* (logger: Logger, files: readonly RunFile[], extra: readonly string[] = [], signal?: AbortSignal): AsyncGenerator<Buffer[]> {
    const dir = await ChildFiles.create()
    try {
      const args: string[] = []
      for (const [flags, name, value] of files) {
        const path = await dir.json(name, value)
        for (const flag of flags) args.push(flag, path)
      }
      yield* runChild([...command, ...args, ...extra], { ...options, logger: pythonLevels(logger), signal })
    } finally {
      await dir.remove()
    }
  }
  let flags: Promise<readonly string[]> | undefined
  return {
    async discover(config, logger) {
      const lines: string[] = []
      for await (const batch of run(logger, [[['--config'], 'config.json', config]], ['--discover'])) for (const line of batch) lines.push(line.toString('utf8'))
      return parseCatalog(catalogJson(lines, logger))
    },
    catalogFlags(logger) {
      if (catalogFlag !== 'auto') return Promise.resolve([`--${catalogFlag}`])
      flags ??= helpText(command, options, logger).then((help) => {
        const chosen = catalogFlagsFromHelp(help)
        logger.info('chose how to pass the catalog from the tap\'s --help', { flags: chosen })
        return chosen
      })
      return flags
    },
    async *sync(config, catalog, catalogFlags, state, logger, signal) {
      const files: RunFile[] = [[['--config'], 'config.json', config], [catalogFlags, 'catalog.json', catalog]]
      if (state !== undefined) files.push([['--state'], 'state.json', state])
      for await (const lines of run(logger, files, [], signal)) yield messagesOf(lines, logger)
    },
  }
}

/**
 * The catalog flags a tap's help text calls for: `--catalog` when it names only that (Meltano
 * SDK taps), `--properties` when it does not name `--catalog` (legacy taps), and both, given
 * the same file, when it names both: singer-python's argument parser offers both and each tap
 * reads one of them (tap-postgres reads only `--properties`, newer singer-io taps `--catalog`).
 */
export function catalogFlagsFromHelp(help: string): string[] {
  const names = (flag: string) => new RegExp(`${flag}(?![\\w-])`).test(help)
  const catalog = names('--catalog')
  if (catalog && names('--properties')) return ['--catalog', '--properties']
  return catalog ? ['--catalog'] : ['--properties']
}

/** What `COMMAND --help` writes, stdout and stderr, whatever its exit status (its logs go to debug). */
async function helpText(command: readonly string[], options: TapCommandOptions, logger: Logger): Promise<string> {
  const text: string[] = []
  const at = (message: string, fields?: LogFields) => {
    text.push(message)
    logger.debug(`tap --help: ${message}`, fields)
  }
  const collect: Logger = { level: logger.level, enabled: logger.enabled, error: at, warn: at, info: at, debug: at, trace: at }
  try {
    for await (const lines of runChild([...command, '--help'], { ...options, logger: collect })) for (const line of lines) text.push(line.toString('utf8'))
  } catch (error) {
    logger.debug('the tap\'s --help failed; reading what it wrote', { error: messageOf(error) })
  }
  return text.join('\n')
}

/**
 * The JSON of a discover's stdout: all of it, else from the first line that opens an object at
 * its first column (lines a tap printed before its catalog are logged and skipped).
 */
function catalogJson(lines: readonly string[], logger: Logger): unknown {
  for (let start = 0; start < lines.length; start++) {
    if (start > 0 && !(lines[start] as string).startsWith('{')) continue
    try {
      const value: unknown = JSON.parse(lines.slice(start).join('\n'))
      if (start > 0) logger.warn('the tap wrote lines before its catalog; skipped', { lines: lines.slice(0, start).join('\n').slice(0, 400) })
      return value
    } catch {
      // not from here
    }
  }
  throw new ConnectorError(`the tap's discover output is not a JSON catalog${lines.length === 0 ? ' (it wrote nothing)' : `: ${shorten(lines.join('\n'))}`}`)
}

function messagesOf(lines: readonly Buffer[], logger: Logger): SingerMessage[] {
  const out: SingerMessage[] = []
  for (const line of lines) {
    const message = parseSingerMessage(line)
    if (message) out.push(message)
    else logger.warn('the tap wrote a line that is not a Singer message; skipped', { line: lineExcerpt(line) })
  }
  return out
}

function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}

const PYTHON_LEVEL = /^(?:[\d\-:.,T ]+\s*\|?\s*)?(DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL)\b/
/** A one-line event's level prefix (`INFO `, `... | INFO     | `), removed as its level says it. */
const PYTHON_PREFIX = /^(?:[\d\-:.,T ]+\s*\|?\s*)?(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL)\b\s*(?:\|\s*)?/
const PYTHON_LEVELS: Readonly<Record<string, LogLevel>> = { DEBUG: 'debug', INFO: 'info', WARNING: 'warn', WARN: 'warn', ERROR: 'error', CRITICAL: 'error', FATAL: 'error' }
const SEVERITY: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error']

/**
 * A logger for a tap's stderr: a plain-text event (whose level was guessed as warn or error)
 * whose every line starts with a Python logging level (`INFO ...`, `2024-05-01 12:00:00,000 |
 * INFO | ...`) is logged at the most severe of those levels instead; a one-line event without
 * its prefix.
 */
function pythonLevels(logger: Logger): Logger {
  const relevel = (guessed: LogLevel) => (message: string, fields?: LogFields) => {
    let level: LogLevel | undefined
    const lines = message.split('\n')
    for (const line of lines) {
      const named = PYTHON_LEVELS[PYTHON_LEVEL.exec(line)?.[1] ?? '']
      if (named === undefined) return logger[guessed](message, fields)
      if (level === undefined || SEVERITY.indexOf(named) > SEVERITY.indexOf(level)) level = named
    }
    logger[level ?? guessed](lines.length === 1 ? message.replace(PYTHON_PREFIX, '') : message, fields)
  }
  return { ...logger, error: relevel('error'), warn: relevel('warn') }
}
