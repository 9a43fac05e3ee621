// derive-balances: account balances derived from a collection of transfers. Every account
// starts at `initialBalance`; transfers apply in the order they are read, and a transfer that
// would take its sender below zero is not applied (logged at debug). The balances live in the
// derivation's state: at each flush the derivation publishes the new balance of every account
// the transaction touched and reports the balances it changed as a merge patch (Flushed.state),
// which Flow commits with the transaction; the next session starts from the state Flow merged.
// Flow's newest runtime sends StartCommit only to derivations that keep their own checkpoint
// (this one does not); an older runtime sends it to every derivation and commits the state of
// StartedCommit instead, so StartCommit, when it comes, repeats the flush's patch.
//
//   node --import tsx examples/derive-balances/main.ts     (speaks Flow's protocol on stdin/stdout)
import Type from 'typebox'
import { derive, runDerive, type ReadInfo } from 'flowkit/derive'

const Config = Type.Object({
  initialBalance: Type.Number({ default: 100, description: 'The balance of an account when it first appears.' }),
})

// The transform needs no configuration of its own.
const Lambda = Type.Object({})

const State = Type.Object({
  balances: Type.Record(Type.String(), Type.Number(), { default: {}, description: 'Every account seen, with its balance.' }),
})

/** A document of acmeCo/transfers. */
interface Transfer {
  id: number
  sender: string
  recipient: string
  amount: number
}

await runDerive(
  derive({
    config: Config,
    lambda: Lambda,
    state: State,
    documentationUrl: 'https://github.com/flowkit/flowkit/tree/main/examples/derive-balances',
    open({ config, state, logger }) {
      const balances = new Map<string, number>(Object.entries(state.balances))
      /** Accounts this transaction touched: published at its flush. */
      let touched = new Set<string>()
      /** Accounts whose balance this transaction set: committed with its flush. */
      let changed = new Set<string>()
      /** The last flush's state patch, for a runtime that asks for it again at StartCommit. */
      let flushed: { balances: Record<string, number> } | undefined

      const open = (account: string) => {
        touched.add(account)
        if (!balances.has(account)) {
          balances.set(account, config.initialBalance)
          changed.add(account)
        }
        return balances.get(account) as number
      }

      return {
        transforms: [
          (transfer: Transfer, read: ReadInfo) => {
            const from = open(transfer.sender)
            open(transfer.recipient)
            if (from - transfer.amount < 0) {
              logger.debug('overdraft: transfer not applied', { id: transfer.id, sender: transfer.sender, balance: from, amount: transfer.amount, uuid: read.uuidText })
              return
            }
            balances.set(transfer.sender, from - transfer.amount)
            balances.set(transfer.recipient, (balances.get(transfer.recipient) as number) + transfer.amount)
            changed.add(transfer.sender).add(transfer.recipient)
          },
        ],
        flush() {
          const publish = [...touched].sort().map((account) => ({ account, balance: balances.get(account) as number }))
          flushed = { balances: Object.fromEntries([...changed].sort().map((account) => [account, balances.get(account) as number])) }
          touched = new Set()
          changed = new Set()
          return { publish, state: { updated: flushed } }
        },
        startCommit() {
          const updated = flushed ?? { balances: {} }
          flushed = undefined
          return { updated }
        },
        reset() {
          balances.clear()
          touched = new Set()
          changed = new Set()
          flushed = undefined
        },
      }
    },
  }),
)
