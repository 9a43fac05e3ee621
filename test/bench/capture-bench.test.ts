// The capture benchmarks measure what they claim: a small session of a flowkit connector and of
// a baseline, through the same case and harness functions as `npm run bench`, deliver every
// document and checkpoint, and the reader's frame counting holds however stdout is chunked.
import t from 'tap'
import { Buffer } from 'node:buffer'
import { FrameCounter } from '../../bench/connector-session.ts'
import { connectorCase } from '../../bench/cases/capture.ts'
import { measureGroup } from '../../bench/harness.ts'
import { encodeFrame } from '../../lib/codec/frames.ts'
import { captureResponse, type CaptureResponse } from '../../lib/protocol/index.ts'

const DOCS = 2000

t.test('a flowkit connector and a baseline emit the same documents and frames, and are compared by documents per second', async (t) => {
  const baseline = connectorCase('hand-written batched loop', 'baseline-batched.ts', 'json', DOCS)
  const json = connectorCase('emit object docs', 'flowkit-objects.ts', 'json', DOCS)
  const proto = connectorCase('emit object docs', 'flowkit-objects.ts', 'proto', DOCS)
  const measured = await measureGroup(
    { ceiling: baseline, cases: [json, proto], maxRuns: 1, warmUp: false, targets: [{ case: json.name, atLeast: 0 }] },
    [json, proto],
    { runs: 7 },
  )
  t.same(
    measured.map((m) => [m.case, m.docs, m.frames]),
    [
      ['hand-written batched loop json 2k', DOCS, DOCS + DOCS / 1000],
      ['emit object docs json 2k', DOCS, DOCS + DOCS / 1000],
      ['emit object docs proto 2k', DOCS, DOCS + DOCS / 1000],
    ],
    'every document and a checkpoint per 1000, after Opened',
  )
  const [b, j, p] = measured
  t.equal(j?.bytes, b?.bytes, 'in the JSON codec, flowkit writes as many bytes as the baseline (the same lines)')
  t.ok((p?.bytes ?? 0) > 0 && (p?.bytes ?? 0) < (j?.bytes ?? 0), 'protobuf frames are smaller than JSON lines')
  for (const m of measured) {
    t.ok(m.seconds > 0 && Number.isFinite(m.docsPerSec ?? NaN), `${m.case}: timed`)
    t.ok((m.peakRssMB ?? 0) > 10, `${m.case}: peak RSS from the session summary (${m.peakRssMB} MB)`)
    t.ok(m.ratioToCeiling > 0 && Number.isFinite(m.ratioToCeiling), `${m.case}: ratio ${m.ratioToCeiling}`)
  }
  t.equal(j?.targets?.[0]?.versus, baseline.name)
  t.equal(j?.targets?.[0]?.met, true)
})

t.test('frames are counted and told apart in both codecs, whatever the chunking', async (t) => {
  const responses: CaptureResponse[] = [
    { spec: { protocol: 3032023, configSchemaJson: '{}', resourceConfigSchemaJson: '{}', documentationUrl: 'x' } },
    { opened: {} },
    { captured: { docJson: '{"id":1}' } },
    { captured: { binding: 1, docJson: `{"id":2,"text":"${'é'.repeat(300)}"}` } },
    { checkpoint: { state: { updatedJson: '{"cursor":2}', mergePatch: true } } },
    { captured: { docJson: '{}' } },
    { checkpoint: {} },
  ]
  const json = Buffer.concat(responses.map((r) => encodeFrame('json', captureResponse, r)))
  const proto = Buffer.concat(responses.map((r) => encodeFrame('proto', captureResponse, r)))
  for (const [codec, bytes] of [['json', json], ['proto', proto]] as const) {
    const afterOpened = bytes.length - (codec === 'json' ? json.indexOf('{"captured"') : proto.indexOf(Buffer.from(captureResponse.toProto(responses[2] as CaptureResponse))) - 4)
    for (const size of [1, 2, 3, 5, 7, 64, bytes.length]) {
      const counter = new FrameCounter(codec)
      for (let at = 0; at < bytes.length; at += size) counter.push(bytes.subarray(at, at + size))
      counter.finish()
      t.same(
        { opened: counter.opened, frames: counter.framesAfterOpened, docs: counter.docs, checkpoints: counter.checkpoints, bytes: counter.bytes - counter.bytesThroughOpened },
        { opened: true, frames: 5, docs: 3, checkpoints: 2, bytes: afterOpened },
        `${codec} in chunks of ${size}`,
      )
    }
    const cut = new FrameCounter(codec)
    cut.push(bytes.subarray(0, bytes.length - 1))
    t.throws(() => cut.finish(), /inside a frame/, `${codec}: a stream cut inside a frame is an error`)
  }
})
