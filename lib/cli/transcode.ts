import { parseArgs } from 'node:util'
import { decodeFrames, encodeFrames, type Codec } from '../codec/frames.ts'
import { UsageError } from '../errors.ts'
import { sink } from '../io/sink.ts'
import { messageCodec, PROTOCOLS, type MessageKind, type ProtocolName } from '../protocol/index.ts'

export const transcodeUsage = `usage: flowkit transcode --protocol capture|materialize|derive --message request|response
                        --from json|proto --to json|proto [--max-frame-bytes N]

Reads frames of Flow messages on stdin and writes the same messages on stdout in the other codec,
or in the same codec, normalised: json = one compact JSON object per line (Flow's JSON mapping),
proto = protobuf, each message preceded by its length as a 4-byte little-endian integer.`

export interface TranscodeOptions {
  readonly protocol: ProtocolName
  readonly message: MessageKind
  readonly from: Codec
  readonly to: Codec
  readonly maxFrameBytes?: number
}

export function parseTranscodeArgs(args: string[]): TranscodeOptions {
  const { values } = parseArgs({
    args,
    options: {
      protocol: { type: 'string' },
      message: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'max-frame-bytes': { type: 'string' },
    },
    strict: true,
  })
  const pick = <T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T => {
    if (value === undefined) throw new UsageError(`--${name} is required (${allowed.join(' | ')})`)
    if (!allowed.includes(value as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`)
    return value as T
  }
  const options: TranscodeOptions = {
    protocol: pick('protocol', values.protocol, PROTOCOLS),
    message: pick('message', values.message, ['request', 'response'] as const),
    from: pick('from', values.from, ['json', 'proto'] as const),
    to: pick('to', values.to, ['json', 'proto'] as const),
  }
  const max = values['max-frame-bytes']
  if (max === undefined) return options
  if (!/^\d+$/.test(max) || Number(max) < 1) throw new UsageError(`--max-frame-bytes must be a positive integer; got ${JSON.stringify(max)}`)
  return { ...options, maxFrameBytes: Number(max) }
}

/** Decodes every frame of `input` and writes it to `output` in the target codec. */
export async function transcode(options: TranscodeOptions, input: AsyncIterable<Uint8Array>, output: NodeJS.WritableStream): Promise<void> {
  const codec = messageCodec(options.protocol, options.message)
  const messages = decodeFrames(input, options.from, codec, { maxFrameBytes: options.maxFrameBytes })
  await sink(output as import('node:stream').Writable)(encodeFrames(options.to, codec)(messages))
}
