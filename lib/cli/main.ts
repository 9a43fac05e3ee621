import { FlowkitError, UsageError } from '../errors.ts'
import { bench, benchUsage, parseBenchArgs } from './bench.ts'
import { bundle, bundleUsage, parseBundleArgs } from './bundle.ts'
import { derivePreview, derivePreviewUsage, isDerivePreview, parseDerivePreviewArgs } from './derive-preview.ts'
import { check, checkUsage, parseCheckArgs } from './check.ts'
import { parseRecordArgs, record, recordUsage } from './record.ts'
import { parseReplayArgs, replay, replayUsage } from './replay.ts'
import { parseSampleArgs, sampleUsage, writeSample } from './sample.ts'
import { initUsage, parseInitArgs, runInit } from './init.ts'
import { isMaterializePreview, materializePreview, materializePreviewUsage, parseMaterializePreviewArgs } from './materialize-preview.ts'
import { parsePreviewArgs, preview, previewUsage } from './preview.ts'
import { parsePullUpstreamArgs, pullUpstream, pullUpstreamUsage } from './pull-upstream.ts'
import { parseRawArgs, raw, RAW_REQUESTS, rawUsage } from './raw.ts'
import { parseShimArgs, shim, shimUsage } from './shim.ts'
import { parseTranscodeArgs, transcode, transcodeUsage } from './transcode.ts'

const usage = `usage: flowkit <command> [options]

commands:
  init [DIR]  create a connector project to start from
              (--kind capture|airbyte|singer|materialize|derive)
  raw spec|discover|validate|apply
              run one request against a capture (or, with --materialization, a
              materialization; with --derivation, a derivation's spec or validate) of a
              catalog (flow.yaml) and print the response
  preview     run capture sessions of a catalog's capture and print the documents they commit;
              with --materialization NAME --input FILE|-, run a materialization over documents;
              with --derivation NAME --input FILE|-, run a derivation and print what it publishes
  check       run conformance checks against a capture of a catalog: one line per check,
              pass or FAIL with the reason; exits 1 when any fails
  record      run capture sessions and write what they commit as a sample stream
  replay FILE serve Flow's capture protocol for a recorded sample stream
  sample      write a generated sample stream of a set shape (small, nested, wide, mix)
  bench [STREAM ...]
              measure the replay of sample streams (or generated ones) against ceilings
              measured in the same run, and optionally a capture end to end; writes JSON,
              a markdown table and an SVG chart
  bundle ENTRY
              bundle a connector into one file for plain node (a production image)
  transcode   convert a stream of Flow protocol frames between the JSON and protobuf codecs
  shim airbyte|singer -- COMMAND
              serve Flow's capture protocol for an Airbyte source or a Singer tap run as COMMAND
  pull-upstream SOURCE_REPO SOURCE_REF SOURCE_PREFIX DEST_PREFIX --license SPDX
              import (or update) a folder of another git repository as one recorded commit

Run 'flowkit <command> --help' for a command's options.`

/** Runs the `flowkit` command line; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv
  const own = args.includes('--') ? args.slice(0, args.indexOf('--')) : args
  const wantsHelp = own.includes('--help') || own.includes('-h')
  try {
    switch (command) {
      case 'init':
        if (wantsHelp) return help(initUsage)
        runInit(parseInitArgs(args), process.stdout)
        return 0
      case 'raw':
        if (wantsHelp) return help(rawUsage)
        await raw(parseRawArgs(args), process.stdout)
        return 0
      case 'preview':
        if (isDerivePreview(own)) {
          if (wantsHelp) return help(derivePreviewUsage)
          return (await derivePreview(parseDerivePreviewArgs(args))) === 'interrupted' ? 130 : 0
        }
        if (isMaterializePreview(own)) {
          if (wantsHelp) return help(materializePreviewUsage)
          return (await materializePreview(parseMaterializePreviewArgs(args))) === 'interrupted' ? 130 : 0
        }
        if (wantsHelp) return help(previewUsage)
        return (await preview(parsePreviewArgs(args), process.stdout)) === 'interrupted' ? 130 : 0
      case 'check':
        if (wantsHelp) return help(checkUsage)
        return await check(parseCheckArgs(args), process.stdout)
      case 'shim':
        if (wantsHelp) return help(shimUsage)
        return await shim(parseShimArgs(args))
      case 'record': {
        if (wantsHelp) return help(recordUsage)
        const recorded = await record(parseRecordArgs(args))
        process.stderr.write(`recorded ${recorded.documents} documents in ${recorded.transactions} transactions\n`)
        return 0
      }
      case 'sample': {
        if (wantsHelp) return help(sampleUsage)
        const options = parseSampleArgs(args)
        const bytes = await writeSample(options)
        process.stderr.write(`wrote ${options.documents} ${options.shape} documents to ${options.out} (${Math.round(bytes / 1024)} KiB)\n`)
        return 0
      }
      case 'bench':
        if (wantsHelp) return help(benchUsage)
        return await bench(parseBenchArgs(args), process.stdout)
      case 'replay':
        if (wantsHelp) return help(replayUsage)
        return await replay(parseReplayArgs(args))
      case 'bundle': {
        if (wantsHelp) return help(bundleUsage)
        const written = await bundle(parseBundleArgs(args))
        process.stdout.write(`wrote ${written.path} (${Math.round(written.bytes / 1024)} KiB)\n`)
        return 0
      }
      case 'pull-upstream':
        if (wantsHelp) return help(pullUpstreamUsage)
        return await pullUpstream(parsePullUpstreamArgs(args), process.stdout, process.stderr)
      case 'transcode':
        if (wantsHelp) return help(transcodeUsage)
        await transcode(parseTranscodeArgs(args), process.stdin, process.stdout)
        return 0
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        return help(usage, command === undefined ? 2 : 0)
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}\n\n${usage}`)
    }
  } catch (error) {
    const usageError = error instanceof UsageError || isParseArgsError(error)
    const hint = isParseArgsError(error) ? ` (run 'flowkit ${command} --help' for its options)` : ''
    process.stderr.write(`flowkit ${label(command, args)}: ${describe(error)}${hint}\n`)
    return usageError ? 2 : 1
  }
}

/** The command as errors name it: `raw spec`, `preview`. */
function label(command: string | undefined, args: string[]): string {
  const request = args.find((arg) => !arg.startsWith('-'))
  if (command === 'raw' && request !== undefined && (RAW_REQUESTS as readonly string[]).includes(request)) return `raw ${request}`
  return command ?? ''
}

function help(text: string, code = 0): number {
  ;(code === 0 ? process.stdout : process.stderr).write(text + '\n')
  return code
}

/** An unknown option, a missing option value or a stray argument, as node:util's parseArgs reports them. */
function isParseArgsError(error: unknown): error is Error {
  return error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')
}

function describe(error: unknown): string {
  if (error instanceof FlowkitError || isParseArgsError(error)) return error.message
  if (error instanceof Error) return error.stack ?? error.message
  return String(error)
}
