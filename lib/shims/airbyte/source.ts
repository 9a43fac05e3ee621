/**
 * An Airbyte source the shim drives: its four commands, each a stream of messages. A source
 * is a child process (`commandSource`); the capture does not care which.
 */
import type { Buffer } from 'node:buffer'
import type { Logger } from '../../io/log.ts'
import { ChildFiles, lineExcerpt, runChild, type ChildOptions } from '../child.ts'
import { parseMessage, type AirbyteMessage } from './messages.ts'

/**
 * An Airbyte source as the shim drives it: each verb yields the source's messages in batches, in
 * the order it wrote them.
 */
export interface AirbyteSource {
  spec(logger: Logger): AsyncIterable<AirbyteMessage[]>
  check(config: unknown, logger: Logger): AsyncIterable<AirbyteMessage[]>
  discover(config: unknown, logger: Logger): AsyncIterable<AirbyteMessage[]>
  /** `state` is the content of the state file, or undefined for none; aborting `signal` stops the read. */
  read(config: unknown, catalog: unknown, state: unknown, logger: Logger, signal?: AbortSignal): AsyncIterable<AirbyteMessage[]>
}

/**
 * Options of `commandSource`: the child process's line and idle limits and how long it may take to
 * stop.
 */
export type CommandOptions = Omit<ChildOptions, 'logger' | 'signal'>

/**
 * A source run as `COMMAND spec`, `COMMAND check --config FILE`, `COMMAND discover --config
 * FILE` and `COMMAND read --config FILE --catalog FILE [--state FILE]`, its files written in a
 * private temporary directory that is removed when the command ends. Stdout lines that are not
 * Airbyte messages are logged (as warnings) and skipped.
 */
export function commandSource(command: readonly string[], options: CommandOptions = {}): AirbyteSource {
  const run = async function* (logger: Logger, verb: string, files: Record<string, unknown>, signal?: AbortSignal): AsyncGenerator<AirbyteMessage[]> {
    const dir = await ChildFiles.create()
    try {
      const args: string[] = [verb]
      for (const [flag, value] of Object.entries(files)) if (value !== undefined) args.push(`--${flag}`, await dir.json(`${flag}.json`, value))
      for await (const lines of runChild([...command, ...args], { ...options, logger, signal })) yield messagesOf(lines, logger)
    } finally {
      await dir.remove()
    }
  }
  return {
    spec: (logger) => run(logger, 'spec', {}),
    check: (config, logger) => run(logger, 'check', { config }),
    discover: (config, logger) => run(logger, 'discover', { config }),
    read: (config, catalog, state, logger, signal) => run(logger, 'read', { config, catalog, state }, signal),
  }
}

function messagesOf(lines: readonly Buffer[], logger: Logger): AirbyteMessage[] {
  const out: AirbyteMessage[] = []
  for (const line of lines) {
    const message = parseMessage(line)
    if (message) out.push(message)
    else logger.warn('the source wrote a line that is not an Airbyte message; skipped', { line: lineExcerpt(line) })
  }
  return out
}
