import { FlowkitError, UsageError } from '../errors.ts'
import { parseTranscodeArgs, transcode, transcodeUsage } from './transcode.ts'

const usage = `usage: flowkit <command> [options]

commands:
  transcode   convert a stream of Flow protocol frames between the JSON and protobuf codecs

Run 'flowkit <command> --help' for a command's options.`

/** Runs the `flowkit` command line; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv
  try {
    switch (command) {
      case 'transcode':
        if (args.includes('--help') || args.includes('-h')) return help(transcodeUsage)
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
    process.stderr.write(`flowkit ${command}: ${describe(error)}\n`)
    return error instanceof UsageError ? 2 : 1
  }
}

function help(text: string, code = 0): number {
  ;(code === 0 ? process.stdout : process.stderr).write(text + '\n')
  return code
}

function describe(error: unknown): string {
  if (error instanceof FlowkitError) return error.message
  if (error instanceof Error) return error.stack ?? error.message
  return String(error)
}
