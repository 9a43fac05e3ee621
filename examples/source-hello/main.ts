// source-hello: a capture that emits deterministic greetings and events, keeps a cursor per
// binding in its state, and resumes after it in the next session.
//
//   node --import tsx examples/source-hello/main.ts        (speaks Flow's protocol on stdin/stdout)
import { pathToFileURL } from 'node:url'
import Type from 'typebox'
import { capture, checkpoint, document, runCapture, type CaptureEvent } from 'flowkit/capture'

const Config = Type.Object({
  count: Type.Integer({ minimum: 0, default: 1000, description: 'Documents per binding per session.' }),
  checkpointEvery: Type.Integer({ minimum: 1, default: 100, description: 'Documents per checkpoint.' }),
  docBytes: Type.Integer({ minimum: 64, maximum: 1 << 20, default: 440, description: 'Approximate size of each document.' }),
  greeting: Type.String({ default: 'hello', description: 'First word of every greeting.' }),
  apiKey: Type.Optional(Type.String({ secret: true, description: 'Not used; shows how secrets are redacted in logs.' })),
})

const Resource = Type.Object({
  name: Type.Union([Type.Literal('greetings'), Type.Literal('events')], { description: 'Which stream to capture.' }),
})

const documentSchema = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 }, stream: { type: 'string' }, message: { type: 'string' }, ts: { type: 'string', format: 'date-time' }, pad: { type: 'string' } },
  required: ['id', 'stream', 'message', 'ts'],
  additionalProperties: false,
}

interface BindingState {
  cursor?: number
}

export const connector = capture({
  config: Config,
  resource: Resource,
  documentationUrl: 'https://example.com/source-hello',
  resourcePathPointers: ['/name'],
  explicitAcknowledgements: true,

  async discover() {
    return (['greetings', 'events'] as const).map((name) => ({
      recommendedName: name,
      resourceConfig: { name },
      documentSchema,
      key: ['/id'],
    }))
  },

  async *open({ config, bindings, state, signal }) {
    const states = (state.bindingStateV1 ?? {}) as Record<string, BindingState>
    const cursors = bindings.map((b) => states[b.stateKey]?.cursor ?? 0)
    const padding = 'x'.repeat(Math.max(0, config.docBytes - 120))
    // Each round: a group of documents for each binding in turn, then one checkpoint that
    // advances the cursors of the documents it commits.
    for (let emitted = 0; emitted < config.count && !signal.aborted; emitted += config.checkpointEvery) {
      const n = Math.min(config.checkpointEvery, config.count - emitted)
      const batch: CaptureEvent[] = []
      const patch: Record<string, BindingState> = {}
      for (const binding of bindings) {
        const stream = binding.resourceConfig.name
        let id = cursors[binding.index] as number
        for (let i = 0; i < n; i++) {
          id++
          batch.push(document(binding.index, { id, stream, message: `${config.greeting} #${id} from ${stream}`, ts: timestampOf(id), pad: padding }))
        }
        cursors[binding.index] = id
        patch[binding.stateKey] = { cursor: id }
      }
      batch.push(checkpoint({ bindingStateV1: patch }))
      yield batch
    }
  },
})

/** A deterministic timestamp per id: one second apart from 2026-01-01. */
function timestampOf(id: number): string {
  return new Date(Date.UTC(2026, 0, 1) + id * 1000).toISOString()
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runCapture(connector)
