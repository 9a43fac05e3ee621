// The derive bench's derivation: totalsHandler (derive-totals-handler.ts) run by flowkit/derive
// as a handler per document, its totals reported as Flushed.state at each flush.
import Type from 'typebox'
import { derive, runDerive } from 'flowkit/derive'
import { totalsHandler, type Order } from './derive-totals-handler.ts'

await runDerive(
  derive({
    config: Type.Object({}),
    lambda: Type.Object({}),
    documentationUrl: 'https://example.com/bench/derive-totals',
    open({ state }) {
      const handler = totalsHandler((state.totals ?? {}) as Record<string, { total: number; orders: number }>)
      return {
        transforms: [(order: Order) => handler.read(order)],
        flush() {
          const { publish, patch } = handler.flush()
          return { publish, state: { updated: { totals: patch } } }
        },
      }
    },
  }),
)
