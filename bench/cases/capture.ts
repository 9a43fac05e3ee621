/**
 * Document emission through a capture connector's whole serve path: each case spawns a
 * connector process as Flow's runtime does (`node <script bundled by esbuild>`, as a production
 * image runs it; FLOW_RUNTIME_CODEC=json or unset for protobuf), sends it the internal Spec and an Open, and
 * reads its stdout to the end, counting bytes and frames (bench/connector-session.ts). A case
 * is timed from the Opened frame to stdout's EOF, so start-up and whatever a connector builds
 * before Opened are not; each process's peak RSS comes from its session summary log line.
 *
 * Every connector emits the same documents (bench/connectors/documents.ts): ~440 B order
 * records, two bindings, a merge-patch checkpoint after every 1000. The flowkit connectors
 * are capture() + runCapture(); the baselines are plain Node scripts that ignore the requests'
 * content, write Opened, then the same JSON lines (byte for byte) as flowkit's JSON codec.
 *
 * Ratios are of documents per second (protobuf frames are smaller than JSON lines, and a case
 * that merges checkpoints writes fewer frames). Each group runs at most 3 rounds, no warm-up
 * (a process starts cold whatever came before). The memory group is opt-in: ~80 s.
 */
import { connectorScript, runBenchSession, sessionRequests, type Codec, type SessionOptions } from '../connector-session.ts'
import type { CaptureRequest } from '../../lib/protocol/index.ts'
import { bundled } from '../bundle.ts'
import type { BenchCase, BenchGroup, Work } from '../harness.ts'

const M = 1_000_000
/** Slow cases (several µs per document) emit fewer documents, to keep the suite short. */
const SLOW = 500_000

function label(documents: number): string {
  return documents % M === 0 ? `${documents / M}M` : `${documents / 1000}k`
}

/** A case: one session of `script` (under bench/connectors/); it fails unless every document and a checkpoint arrived. */
export function connectorCase(
  name: string,
  script: string,
  codec: Codec,
  documents: number,
  options: Partial<Pick<SessionOptions, 'readBytesPerSecond' | 'requests' | 'env'>> = {},
): BenchCase {
  return {
    name: `${name} ${codec} ${label(documents)}`,
    async run(): Promise<Work> {
      const session = await runBenchSession({ script: bundled(connectorScript(script)), tsx: false, codec, documents, ...options })
      if (session.docs !== documents || (documents > 0 && session.checkpoints === 0)) {
        throw new Error(`${name}: ${session.docs} of ${documents} documents and ${session.checkpoints} checkpoints arrived`)
      }
      return {
        bytes: session.bytes,
        frames: session.frames,
        docs: session.docs,
        seconds: session.seconds,
        ...(session.peakRssMB === undefined ? {} : { peakRssMB: session.peakRssMB }),
      }
    },
  }
}

/** The replay case's Open: its bindings name the sample stream's collections. */
const replayRequests: CaptureRequest[] = sessionRequests.map((request) => {
  const capture = request.open?.capture
  if (!capture) return request
  const bindings = (capture.bindings ?? []).map((binding) => ({ ...binding, resourceConfigJson: JSON.stringify({ collection: binding.collection?.name }) }))
  return { open: { ...request.open, capture: { ...capture, bindings } } }
})

export function groups(): BenchGroup[] {
  const handWritten = connectorCase('capture hand-written batched loop', 'baseline-batched.ts', 'json', M)
  const naive = connectorCase('capture naive per-document write', 'baseline-naive.ts', 'json', SLOW)
  const objects = (['json', 'proto'] as const).map((codec) => connectorCase('capture emit object docs', 'flowkit-objects.ts', codec, M))
  const ixPipe = connectorCase('capture ix pipe with flowkit operators', 'flowkit-ix-pipe.ts', 'json', M)
  const ixMap = connectorCase('capture ix map per document', 'flowkit-ix-map.ts', 'json', SLOW)

  const ceiling = connectorCase('capture pre-serialized ceiling', 'baseline-preserialized.ts', 'json', M)
  const texts = (['json', 'proto'] as const).map((codec) => connectorCase('capture emit text docs', 'flowkit-text.ts', codec, M))
  const handWrittenText = connectorCase('capture hand-written batched loop, text docs', 'baseline-batched-text.ts', 'json', M)
  const replays = (['json', 'proto'] as const).map((codec) => connectorCase('capture replay sample stream', 'flowkit-replay.ts', codec, M, { requests: replayRequests }))

  const memoryFull = connectorCase('memory object docs full speed', 'flowkit-objects.ts', 'json', 10 * M)
  const memoryThrottled = connectorCase('memory object docs reader 20 MB/s', 'flowkit-objects.ts', 'json', 2 * M, {
    readBytesPerSecond: 20e6,
  })

  return [
    {
      ceiling: handWritten,
      cases: [...objects, naive, ixPipe, ixMap],
      maxRuns: 3,
      warmUp: false,
      targets: [
        ...objects.flatMap((c) => [
          { case: c.name, atLeast: 0.9 },
          { case: c.name, versus: naive.name, atLeast: 3 },
        ]),
        { case: ixPipe.name, atLeast: 0.83 },
        { case: ixMap.name, versus: ixPipe.name },
      ],
    },
    {
      ceiling,
      cases: [...texts, handWrittenText, ...replays],
      maxRuns: 3,
      warmUp: false,
      targets: [...[...texts, ...replays].map((c) => ({ case: c.name, atLeast: 0.8 })), ...texts.map((c) => ({ case: c.name, versus: handWrittenText.name }))],
    },
    {
      ceiling: memoryFull,
      cases: [memoryThrottled],
      maxRuns: 1,
      warmUp: false,
      optIn: true,
      targets: [memoryFull, memoryThrottled].map((c) => ({ case: c.name, peakRssBelowMB: 150 })),
    },
  ]
}
