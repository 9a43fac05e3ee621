import { parseArgs } from 'node:util'
import { UsageError } from '../errors.ts'
import { checkCapture } from '../runtime/check-capture.ts'
import { formatCheck, summarizeChecks } from '../runtime/check-result.ts'
import { printConnectorLog, SOURCE_OPTIONS, sourceOptionsOf, type SourceOptions } from './source-options.ts'

export const checkUsage = `usage: flowkit check --source FILE [--capture NAME] [--log-level LEVEL]

Runs a conformance check of a capture of the catalog FILE (a flowkit connector, a shim or an
image) as Flow's runtime would run it, and prints one line per check, pass or FAIL with the
reason, then a summary. Exits 1 when any check fails.

  spec                 Spec is valid; its config and resource config schemas are valid JSON
                       Schema, which the capture's config and resource configs satisfy
  discover             every discovered binding has a valid document schema declaring its key
  validate             Validate accepts the discovered bindings, with distinct resource paths
  apply                Apply runs twice without error
  session-opened       a session starts with Opened
  session-checkpoints  every transaction ends with a checkpoint carrying state; the session
                       ends cleanly
  session-documents    committed documents match their collection's schema and key
  resume               a second session resumes from the first one's state
  acknowledgements     when requested, every Acknowledge is taken in time
  sigterm              SIGTERM after the first checkpoint ends the connector with whole frames

A session that has not ended after 30 s is stopped (its stdin closed), and killed if it has not
ended 10 s later. The connector's logs go to stderr.

  --source FILE       catalog (flow.yaml or JSON); its imports are followed
  --capture NAME      the capture to check; may be left out when the catalog has one
  --log-level LEVEL   the connector's LOG_LEVEL: error, warn, info, debug, trace
                      (default: the capture's shards.logLevel, else warn)`

export function parseCheckArgs(args: string[]): SourceOptions {
  const { values } = parseArgs({ args, options: SOURCE_OPTIONS, strict: true })
  const options = sourceOptionsOf(values)
  if (options.materialization !== undefined) throw new UsageError('flowkit check checks captures; --materialization is not supported')
  return options
}

/** Runs the checks, writing each line as its check completes; resolves to the exit code: 0 when none failed, else 1. */
export async function check(options: SourceOptions, output: NodeJS.WritableStream): Promise<number> {
  const results = await checkCapture(options.source, {
    ...(options.capture === undefined ? {} : { capture: options.capture }),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    onLog: printConnectorLog,
    onResult: (result) => output.write(formatCheck(result) + '\n'),
  })
  output.write(summarizeChecks(results) + '\n')
  return results.some((result) => result.status === 'fail') ? 1 : 0
}
