/**
 * The cases `flowkit bench` measures on a sample stream, each a connector process spawned as
 * Flow's runtime spawns one (lib/runtime/bench-session.ts: a pipe as stdout, frames counted
 * not decoded, timed from Opened to EOF), grouped so that they run interleaved:
 *
 * - `flowkit replay`: the serve path replaying the stream (`flowkit replay FILE`), in the
 *   codec asked for;
 * - `pre-serialized write` (the group's ceiling) and `JSON.parse + stringify loop`: the
 *   ceilings of bench-ceiling.ts, in the JSON codec.
 *
 * Ratios are of documents per second, so a replay in protobuf compares with the JSON ceilings.
 */
import { fileURLToPath } from 'node:url'
import type { Codec } from '../codec/frames.ts'
import { ConnectorError } from '../errors.ts'
import { runBenchSession, type BenchSessionOptions } from '../runtime/bench-session.ts'
import type { BenchCase, BenchGroup, Work } from './bench-measure.ts'
import type { CeilingMode } from './bench-ceiling.ts'
import { replayRequests, type BenchStream } from './bench-stream.ts'

export const PREBUILT = 'pre-serialized write'
export const JSON_LOOP = 'JSON.parse + stringify loop'
export const REPLAY = 'flowkit replay'

/** Running from the TypeScript sources (a checkout, through tsx) or from the compiled dist/. */
const fromSources = import.meta.url.endsWith('.ts')

/** `node` arguments that start the flowkit command, before its own arguments. */
export function flowkitCommand(): string[] {
  // From sources, lib/cli/flowkit.js loads them through tsx; compiled, the package's bin runs dist/.
  return [fileURLToPath(new URL(fromSources ? './flowkit.js' : '../../bin/flowkit.js', import.meta.url))]
}

/** `node` arguments that start a ceiling process. */
function ceilingCommand(mode: CeilingMode, file: string): string[] {
  const main = fileURLToPath(new URL(fromSources ? './bench-ceiling-main.ts' : './bench-ceiling-main.js', import.meta.url))
  return [...(fromSources ? ['--import', import.meta.resolve('tsx')] : []), main, mode, file]
}

/** A case: one session; it fails unless every document of the stream arrived. */
export function sessionCase(name: string, stream: BenchStream, session: Omit<BenchSessionOptions, 'command' | 'requests' | 'name'>): BenchCase {
  return {
    name,
    async run(): Promise<Work> {
      const result = await runBenchSession({ command: process.execPath, requests: replayRequests(stream), name: `${name} of ${stream.file}`, ...session })
      if (result.docs !== stream.documents) throw new ConnectorError(`${name} of ${stream.file}: ${result.docs} of ${stream.documents} documents arrived`)
      return {
        bytes: result.bytes,
        frames: result.frames,
        docs: result.docs,
        seconds: result.seconds,
        ...(result.peakRssMB === undefined ? {} : { peakRssMB: result.peakRssMB }),
      }
    },
  }
}

/** The replay of `stream` through `flowkit replay`, with extra node flags (e.g. --cpu-prof). */
export function replayCase(stream: BenchStream, codec: Codec, nodeArgs: readonly string[] = []): BenchCase {
  return sessionCase(REPLAY, stream, { codec, args: [...nodeArgs, ...flowkitCommand(), 'replay', stream.file] })
}

/** The stream's group: the pre-serialized ceiling, the JSON loop, the replay; the replay's ratio to the loop reported. */
export function streamGroup(stream: BenchStream, codec: Codec): BenchGroup {
  const prebuilt = sessionCase(PREBUILT, stream, { codec: 'json', args: ceilingCommand('prebuilt', stream.file) })
  const loop = sessionCase(JSON_LOOP, stream, { codec: 'json', args: ceilingCommand('json-loop', stream.file) })
  const replay = replayCase(stream, codec)
  return { ceiling: prebuilt, cases: [loop, replay], warmUp: false, targets: [{ case: replay.name, versus: loop.name }] }
}
