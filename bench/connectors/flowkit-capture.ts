/**
 * The capture definition every flowkit bench connector shares: an empty endpoint config, a
 * resource named by `/name`, and the session's events from the `open` each connector gives.
 */
import Type from 'typebox'
import { capture, type OpenContext } from 'flowkit/capture'
import type { CaptureEvent } from 'flowkit/capture'

const Config = Type.Object({})
const Resource = Type.Object({ name: Type.String() })

export type BenchOpen = (
  context: OpenContext<Type.Static<typeof Config>, Type.Static<typeof Resource>>,
) => AsyncIterable<CaptureEvent | readonly CaptureEvent[]>

export function benchCapture(open: BenchOpen) {
  return capture({
    config: Config,
    resource: Resource,
    documentationUrl: 'https://example.com/flowkit-bench',
    resourcePathPointers: ['/name'],
    async discover() {
      return ['orders', 'refunds'].map((name) => ({
        recommendedName: name,
        resourceConfig: { name },
        documentSchema: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
        key: ['/id'],
      }))
    },
    open,
  })
}
