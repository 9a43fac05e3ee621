// The fuzz targets' share of the test suite: each property a modest number of times (`npm run
// fuzz` runs many more), and the cases fuzzing found, kept as regressions.
import t from 'tap'
import { codecOf } from '../../lib/protocol/index.ts'
import * as airbyteLines from './airbyte-lines.ts'
import * as jsonMapping from './json-mapping.ts'
import * as lengthPrefixedFrames from './length-prefixed-frames.ts'
import * as ndjsonFrames from './ndjson-frames.ts'
import * as singerLines from './singer-lines.ts'

// The tuple target runs its share in test/json/tuple.test.ts.
const shares = [
  [ndjsonFrames, 1500],
  [lengthPrefixedFrames, 1500],
  [jsonMapping, 1500],
  [airbyteLines, 1500],
  [singerLines, 1500],
] as const

for (const [target, runs] of shares) {
  t.test(`fuzz: ${target.name}`, async (t) => {
    const result = await target.run(runs)
    t.notOk(result.failed, result.report || `${result.cases} cases in ${Math.round(result.ms)} ms`)
  })
}

t.test('a duration beyond the protobuf range is refused, not wrapped past 64 bits', async (t) => {
  const fragment = codecOf<{ refreshInterval?: { seconds?: unknown } | null }>('protocol.JournalSpec.Fragment')
  const interval = (text: string) => fragment.fromJson(`{"refreshInterval":${JSON.stringify(text)}}`)
  t.equal(String(interval('315576000000s').refreshInterval?.seconds), '315576000000')
  t.equal(String(interval('-1.5s').refreshInterval?.seconds), '-1')
  t.throws(() => interval('99999999999999999999s'), { code: 'MESSAGE_INVALID', message: /duration out of range/ })
  t.throws(() => interval('-315576000001s'), { code: 'MESSAGE_INVALID', message: /duration out of range/ })
})
