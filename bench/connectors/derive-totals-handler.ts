/**
 * The handler of the derive bench, shared by the spawned derivation (derive-totals.ts) and the
 * plain loop it is measured against: running totals of `amount` per customer city, kept in
 * state; each transaction publishes the totals of the cities it touched. No flowkit imports.
 */

/** What the handler reads of a bench document. */
export interface Order {
  readonly amount: number
  readonly customer: { readonly city: string }
}

export interface Total {
  readonly city: string
  readonly total: number
  readonly orders: number
}

/** A session's totals: `read` per document, `flush` per transaction (the documents to publish, the state patch). */
export function totalsHandler(start: Readonly<Record<string, { total: number; orders: number }>> = {}) {
  const totals = new Map(Object.entries(start).map(([city, t]) => [city, { ...t }]))
  let touched = new Set<string>()
  return {
    read(order: Order): void {
      const city = order.customer.city
      const entry = totals.get(city)
      if (entry === undefined) totals.set(city, { total: order.amount, orders: 1 })
      else {
        entry.total += order.amount
        entry.orders++
      }
      touched.add(city)
    },
    flush(): { publish: Total[]; patch: Record<string, { total: number; orders: number }> } {
      const publish: Total[] = []
      const patch: Record<string, { total: number; orders: number }> = {}
      for (const city of touched) {
        const { total, orders } = totals.get(city) as { total: number; orders: number }
        publish.push({ city, total, orders })
        patch[city] = { total, orders }
      }
      touched = new Set()
      return { publish, patch }
    },
  }
}
