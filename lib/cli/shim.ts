import { parseArgs } from 'node:util'
import { serveCapture } from '../capture/serve.ts'
import type { CaptureConnector } from '../capture/connector.ts'
import { UsageError } from '../errors.ts'
import { runProcess } from '../io/process.ts'
import { airbyteCapture, type AirbyteCaptureOptions } from '../shims/airbyte/capture.ts'
import type { StateForm } from '../shims/airbyte/state.ts'
import { singerCapture, type SingerCaptureOptions } from '../shims/singer/capture.ts'
import type { CatalogFlag } from '../shims/singer/tap.ts'
import { parseDuration } from './preview.ts'

const commonUsage = `  --include STREAM    offer only this stream in discover (repeatable)
  --omit STREAM       leave this stream out of discover (repeatable)
  --key STREAM=POINTER[,POINTER...]
                      the collection key of a stream, as JSON pointers (repeatable)
  --skip-records-with NAME
                      drop records whose data has a truthy top-level NAME, such as heartbeat
                      records (repeatable)
  --idle-timeout DURATION
                      fail when the connector writes nothing for this long, e.g. 30m (default: none)
  --max-line-bytes N  longest line the connector may write (default 67108864)
  --codec json|proto  the Flow codec, instead of FLOW_RUNTIME_CODEC`

export const shimUsage = `usage: flowkit shim airbyte [options] -- COMMAND [ARGS...]
       flowkit shim singer [options] -- COMMAND [ARGS...]

Serves Flow's capture protocol on stdin/stdout (FLOW_RUNTIME_CODEC=json: JSON lines, else
protobuf; or --codec) for the foreign connector that COMMAND runs. Use it as an image's
ENTRYPOINT, or as endpoint.local.command in a flow.yaml.

airbyte: an Airbyte source. Spec from its spec, Discover from its discover, Validate from its
check, and capture sessions from its read. Streams are named by name or namespace/name.

  --state-form auto|legacy|stream
                      how the state is handed back to read --state: as the source emitted it
                      (auto, the default), always a bare object (legacy), or always a list of
                      state messages (stream)
  --documentation-url URL
                      the documentation URL of the Spec, instead of the source's
${commonUsage}

singer: a Singer tap. The config schema is an open object (every string of the config is kept
out of logs); Discover and Validate run COMMAND --discover; a session runs a sync with the
tap's catalog, the bound streams selected, and the last STATE. Streams are named by stream
name or tap_stream_id.

  --catalog-flag catalog|properties|auto
                      how a sync is given its catalog: --catalog, --properties (legacy taps),
                      or as COMMAND --help says (auto, the default)
  --documentation-url URL
                      the documentation URL of the Spec
${commonUsage}`

/** A shim to run: which kind, with its options. */
export type ShimOptions = { readonly kind: 'airbyte'; readonly options: AirbyteCaptureOptions } | { readonly kind: 'singer'; readonly options: SingerCaptureOptions }

/** Parses `shim airbyte|singer ...` into the shim's options; the command follows `--`. */
export function parseShimArgs(args: readonly string[]): ShimOptions {
  const [kind, ...rest] = args
  if (kind === 'airbyte') return { kind, options: parseAirbyteArgs(rest) }
  if (kind === 'singer') return { kind, options: parseSingerArgs(rest) }
  throw new UsageError(`flowkit shim takes the kind of connector: airbyte or singer; got ${JSON.stringify(kind ?? '')}\n\n${shimUsage}`)
}

/** The options of `shim airbyte` (what follows the kind). */
export function parseAirbyteArgs(args: readonly string[]): AirbyteCaptureOptions {
  const { command, own, documentationUrl, common } = parseKindArgs('airbyte', args, 'state-form')
  const stateForm = own ?? 'auto'
  if (!['auto', 'legacy', 'stream'].includes(stateForm)) throw new UsageError(`--state-form must be auto, legacy or stream; got ${JSON.stringify(stateForm)}`)
  return { command, stateForm: stateForm as StateForm, ...common, ...(documentationUrl === undefined ? {} : { spec: { documentationUrl } }) }
}

/** The options of `shim singer` (what follows the kind). */
export function parseSingerArgs(args: readonly string[]): SingerCaptureOptions {
  const { command, own, documentationUrl, common } = parseKindArgs('singer', args, 'catalog-flag')
  const catalogFlag = own ?? 'auto'
  if (!['auto', 'catalog', 'properties'].includes(catalogFlag)) throw new UsageError(`--catalog-flag must be catalog, properties or auto; got ${JSON.stringify(catalogFlag)}`)
  return { command, catalogFlag: catalogFlag as CatalogFlag, ...common, ...(documentationUrl === undefined ? {} : { documentationUrl }) }
}

const COMMON_OPTIONS = {
  include: { type: 'string', multiple: true },
  omit: { type: 'string', multiple: true },
  key: { type: 'string', multiple: true },
  'skip-records-with': { type: 'string', multiple: true },
  'idle-timeout': { type: 'string' },
  'max-line-bytes': { type: 'string' },
  'documentation-url': { type: 'string' },
  codec: { type: 'string' },
} as const

/** The options both kinds take, parsed. */
type CommonOptions = Pick<AirbyteCaptureOptions & SingerCaptureOptions, 'streams' | 'skipRecordsWith' | 'idleTimeoutMs' | 'maxLineBytes'>

/** The values of the options both kinds take, and the one of the kind's own. */
interface ShimValues {
  readonly include?: string[]
  readonly omit?: string[]
  readonly key?: string[]
  readonly 'skip-records-with'?: string[]
  readonly 'idle-timeout'?: string
  readonly 'max-line-bytes'?: string
  readonly 'documentation-url'?: string
  readonly [own: string]: string | string[] | undefined
}

/** Splits off the command after `--` and parses the options before it: the common ones, and `own`, a string option of the kind. */
function parseKindArgs(kind: string, args: readonly string[], own: string) {
  const end = args.indexOf('--')
  const command = end < 0 ? [] : args.slice(end + 1)
  if (command.length === 0) throw new UsageError(`the ${kind === 'airbyte' ? 'source' : 'tap'}'s command must follow --, e.g. flowkit shim ${kind} -- python3 main.py\n\n${shimUsage}`)
  const options = { ...COMMON_OPTIONS, [own]: { type: 'string' } } as const
  const values = parseArgs({ args: end < 0 ? [...args] : args.slice(0, end), options, strict: true }).values as ShimValues
  const maxLine = values['max-line-bytes']
  if (maxLine !== undefined && !/^\d+$/.test(maxLine)) throw new UsageError(`--max-line-bytes must be a positive integer; got ${JSON.stringify(maxLine)}`)
  const common: CommonOptions = {
    streams: { include: values.include, omit: values.omit, keys: parseKeys(values.key ?? []) },
    skipRecordsWith: values['skip-records-with'],
    idleTimeoutMs: values['idle-timeout'] === undefined ? undefined : parseDuration(values['idle-timeout'], '--idle-timeout'),
    maxLineBytes: maxLine === undefined ? undefined : Number(maxLine),
  }
  const value = values[own]
  return { command, own: typeof value === 'string' ? value : undefined, documentationUrl: values['documentation-url'], common }
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
export function shim(shim: ShimOptions): Promise<never> {
  const connector: CaptureConnector = shim.kind === 'airbyte' ? airbyteCapture(shim.options) : singerCapture(shim.options)
  return runProcess((io) => serveCapture(connector, io))
}
