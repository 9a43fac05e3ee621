// Cases "shim airbyte": flowkit's Airbyte shim over the bench emitter, as `flowkit shim airbyte`
// runs it. BENCH_SHIM_OBJECTS=1 adds an identity transform, which takes every record down the
// object path (parsed, then serialized again) instead of the text path.
import { runCapture } from 'flowkit/capture'
import { airbyteCapture } from 'flowkit/airbyte'

const emitter = process.env.BENCH_EMITTER
if (emitter === undefined) throw new Error('BENCH_EMITTER must name the bundled emitter')
const objects = process.env.BENCH_SHIM_OBJECTS === '1'
await runCapture(airbyteCapture({ command: [process.execPath, emitter], ...(objects ? { transform: (doc) => doc } : {}) }))
