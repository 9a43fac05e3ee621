import { parseArgs } from 'node:util'
import { serveCapture } from '../capture/serve.ts'
import { UsageError } from '../errors.ts'
import { runProcess } from '../io/process.ts'
import { airbyteCapture, type AirbyteCaptureOptions } from '../shims/airbyte/capture.ts'
import type { StateForm } from '../shims/airbyte/state.ts'
import { parseDuration } from './preview.ts'

export const shimUsage = `usage: flowkit shim airbyte [options] -- COMMAND [ARGS...]

Serves Flow's capture protocol on stdin/stdout (FLOW_RUNTIME_CODEC=json: JSON lines, else
protobuf; or --codec) for the Airbyte source that COMMAND runs: Spec from its spec, Discover
from its discover, Validate from its check, and capture sessions from its read. Use it as an
image's ENTRYPOINT, or as endpoint.local.command in a flow.yaml.

  --state-form auto|legacy|stream
                      how the state is handed back to read --state: as the source emitted it
                      (auto, the default), always a bare object (legacy), or always a list of
                      state messages (stream)
  --include STREAM    offer only this stream in discover (repeatable; name or namespace/name)
  --omit STREAM       leave this stream out of discover (repeatable)
  --key STREAM=POINTER[,POINTER...]
                      the collection key of a stream, as JSON pointers (repeatable)
  --skip-records-with NAME
                      drop records whose data has a truthy top-level NAME, such as heartbeat
                      records (repeatable)
  --idle-timeout DURATION
                      fail when the source writes nothing for this long, e.g. 30m (default: none)
  --max-line-bytes N  longest line the source may write (default 67108864)
  --documentation-url URL
                      the documentation URL of the Spec, instead of the source's
  --codec json|proto  the Flow codec, instead of FLOW_RUNTIME_CODEC`

/** Parses `shim airbyte ...` into the shim's options; the command follows `--`. */
export function parseShimArgs(args: readonly string[]): AirbyteCaptureOptions {
  const [kind, ...rest] = args
  if (kind !== 'airbyte') throw new UsageError(`flowkit shim takes the kind of connector: airbyte; got ${JSON.stringify(kind ?? '')}\n\n${shimUsage}`)
  const end = rest.indexOf('--')
  const command = end < 0 ? [] : rest.slice(end + 1)
  if (command.length === 0) throw new UsageError(`the source's command must follow --, e.g. flowkit shim airbyte -- python3 main.py\n\n${shimUsage}`)
  const { values } = parseArgs({
    args: end < 0 ? rest : rest.slice(0, end),
    options: {
      'state-form': { type: 'string' },
      include: { type: 'string', multiple: true },
      omit: { type: 'string', multiple: true },
      key: { type: 'string', multiple: true },
      'skip-records-with': { type: 'string', multiple: true },
      'idle-timeout': { type: 'string' },
      'max-line-bytes': { type: 'string' },
      'documentation-url': { type: 'string' },
      codec: { type: 'string' },
    },
    strict: true,
  })
  const stateForm = values['state-form'] ?? 'auto'
  if (!['auto', 'legacy', 'stream'].includes(stateForm)) throw new UsageError(`--state-form must be auto, legacy or stream; got ${JSON.stringify(stateForm)}`)
  const maxLine = values['max-line-bytes']
  if (maxLine !== undefined && !/^\d+$/.test(maxLine)) throw new UsageError(`--max-line-bytes must be a positive integer; got ${JSON.stringify(maxLine)}`)
  return {
    command,
    stateForm: stateForm as StateForm,
    streams: { include: values.include, omit: values.omit, keys: parseKeys(values.key ?? []) },
    skipRecordsWith: values['skip-records-with'],
    idleTimeoutMs: values['idle-timeout'] === undefined ? undefined : parseDuration(values['idle-timeout'], '--idle-timeout'),
    maxLineBytes: maxLine === undefined ? undefined : Number(maxLine),
    ...(values['documentation-url'] === undefined ? {} : { spec: { documentationUrl: values['documentation-url'] } }),
  }
}

function parseKeys(entries: readonly string[]): Record<string, string[]> {
  const keys: Record<string, string[]> = {}
  for (const entry of entries) {
    const at = entry.indexOf('=')
    const pointers = entry.slice(at + 1).split(',')
    if (at <= 0 || pointers.some((pointer) => !pointer.startsWith('/'))) {
      throw new UsageError(`--key takes STREAM=POINTER[,POINTER...], e.g. --key users=/id; got ${JSON.stringify(entry)}`)
    }
    keys[entry.slice(0, at)] = pointers
  }
  return keys
}

/** Runs the shim as this whole process: it exits when the request stream ends. */
export function shim(options: AirbyteCaptureOptions): Promise<never> {
  const connector = airbyteCapture(options)
  return runProcess((io) => serveCapture(connector, io))
}
