// examples/derive-balances, spawned in both codecs and driven by hand as Flow's runtime drives
// a derivation: transfers read in transactions, balances published at each flush, state
// committed at StartCommit. The balances equal an independent computation over the same
// transfers, and a second session opened with the state Flow would have merged from the first
// session's commits goes on as if nothing had stopped.
import t from 'tap'
import Long from 'long'
import { applyMergePatch } from '../../lib/json/merge-patch.ts'
import type { DeriveRequest, DeriveResponse } from '../../lib/protocol/index.ts'
import { startDerivation, type Codec } from '../helpers/connector-process.ts'

const main = new URL('../../examples/derive-balances/main.ts', import.meta.url).pathname

interface Transfer {
  id: number
  sender: string
  recipient: string
  amount: number
}

/** Transfers among a few accounts, some of them overdrafts; the same every run. */
function transfers(count: number): Transfer[] {
  let seed = 7
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const accounts = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']
  return Array.from({ length: count }, (_, id) => {
    const sender = accounts[Math.floor(next() * accounts.length)] as string
    let recipient = accounts[Math.floor(next() * accounts.length)] as string
    if (recipient === sender) recipient = accounts[(accounts.indexOf(sender) + 1) % accounts.length] as string
    return { id, sender, recipient, amount: Math.round(next() * 9000) / 100 + 1 }
  })
}

/** The balances after `list`, from `start`: what the derivation must compute, written independently of it. */
function replay(list: readonly Transfer[], start: ReadonlyMap<string, number>, initial: number) {
  const balances = new Map(start)
  const touched = new Set<string>()
  let overdrafts = 0
  for (const { sender, recipient, amount } of list) {
    for (const account of [sender, recipient]) {
      touched.add(account)
      if (!balances.has(account)) balances.set(account, initial)
    }
    const from = balances.get(sender) as number
    if (from < amount) {
      overdrafts++
      continue
    }
    balances.set(sender, from - amount)
    balances.set(recipient, (balances.get(recipient) as number) + amount)
  }
  return { balances, touched, overdrafts }
}

const collection = {
  name: 'acmeCo/balances',
  key: ['/account'],
  writeSchemaJson: '{"type":"object","properties":{"account":{"type":"string"},"balance":{"type":"number"}},"required":["account","balance"]}',
}
const source = {
  name: 'acmeCo/transfers',
  key: ['/id'],
  writeSchemaJson: '{"type":"object","properties":{"id":{"type":"integer"},"sender":{"type":"string"},"recipient":{"type":"string"},"amount":{"type":"number","exclusiveMinimum":0}},"required":["id","sender","recipient","amount"]}',
}

function open(config: object, state: unknown): DeriveRequest {
  return {
    open: {
      collection: { ...collection, derivation: { configJson: JSON.stringify(config), transforms: [{ name: 'fromTransfers', collection: source, lambdaConfigJson: '{}' }] } },
      version: 'v1',
      range: { keyEnd: 0xffffffff, rClockEnd: 0xffffffff },
      stateJson: JSON.stringify(state),
    },
  }
}

function readOf(codec: Codec, transfer: Transfer): DeriveRequest {
  const shuffle = codec === 'json' ? { keyJson: '[]', hash: 1 } : { hash: 1 }
  return { read: { transform: 0, uuid: { node: Long.fromNumber(1, true), clock: Long.fromNumber(16 * (transfer.id + 1), true) }, shuffle, docJson: JSON.stringify(transfer) } }
}

/**
 * One session: a transaction per group of transfers, each Read* → Flush → StartCommit, waiting
 * for StartedCommit before the next as the runtime does. Returns what each transaction
 * published and committed, and the process's logs.
 */
async function session(codec: Codec, config: object, state: unknown, groups: readonly (readonly Transfer[])[]) {
  const c = startDerivation(['--import', 'tsx', main], codec, { LOG_LEVEL: 'debug' })
  c.send(open(config, state))
  const opened = await c.next()
  const results: { published: { account: string; balance: number }[]; committed: unknown }[] = []
  for (const group of groups) {
    for (const transfer of group) c.send(readOf(codec, transfer))
    c.send({ flush: {} })
    c.send({ startCommit: { runtimeCheckpoint: {} } })
    const published: { account: string; balance: number }[] = []
    let response: DeriveResponse | undefined
    for (response = await c.next(); response?.published; response = await c.next()) published.push(JSON.parse(response.published.docJson ?? ''))
    const flushed = response
    const started = await c.next()
    if (!flushed?.flushed || !started?.startedCommit) throw new Error(`expected Flushed then StartedCommit, got ${JSON.stringify([flushed, started])}`)
    results.push({ published, committed: JSON.parse(started.startedCommit.state?.updatedJson ?? 'null') })
  }
  c.end()
  const rest = await c.rest()
  const exit = await c.exited
  return { opened, results, rest, exit }
}

for (const codec of ['json', 'proto'] as const) {
  t.test(`${codec}: Spec and Validate`, async (t) => {
    const c = startDerivation(['--import', 'tsx', main], codec)
    c.send({ spec: { connectorType: 4, configJson: '{}' } })
    c.send({ validate: { configJson: '{"initialBalance":50}', collection, transforms: [{ name: 'fromTransfers', collection: source, lambdaConfigJson: '{}' }], projectRoot: 'file:///project/' } })
    c.end()
    const [spec, validated] = await c.rest()
    t.match(JSON.parse(spec?.spec?.configSchemaJson ?? '{}'), { properties: { initialBalance: { type: 'number', default: 100 } } })
    t.same(validated?.validated?.transforms, [{}])
    const stub = validated?.validated?.generatedFiles?.['file:///project/flow_generated/flowkit/acmeCo/balances/fromTransfers.ts']
    t.match(stub, 'export type FromTransfersSource = {\n  id: number\n  sender: string\n  recipient: string\n  amount: number\n  [property: string]: unknown\n}')
    t.equal((await c.exited).code, 0)
  })

  t.test(`${codec}: balances equal an independent computation, across two sessions joined by the committed state`, async (t) => {
    const all = transfers(60)
    const groups = [all.slice(0, 10), all.slice(10, 25), all.slice(25, 30), all.slice(30, 45), all.slice(45)]
    const first = await session(codec, {}, {}, groups.slice(0, 3))
    t.same(first.opened, { opened: {} })
    t.equal(first.exit.code, 0, first.exit.stderr)

    // Flow's runtime merges each StartedCommit's merge patch into the state the next Open gets.
    let state: unknown = {}
    for (const { committed } of first.results) state = applyMergePatch(state, committed)
    const second = await session(codec, { initialBalance: 100 }, state, groups.slice(3))
    t.equal(second.exit.code, 0, second.exit.stderr)

    let balances = new Map<string, number>()
    let overdrafts = 0
    const results = [...first.results, ...second.results]
    groups.forEach((group, i) => {
      const expected = replay(group, balances, 100)
      balances = expected.balances
      overdrafts += expected.overdrafts
      const want = [...expected.touched].sort().map((account) => ({ account, balance: expected.balances.get(account) }))
      t.same(results[i]?.published, want, `transaction ${i + 1} publishes the balance of every account it touched`)
    })
    t.ok(overdrafts > 0, `the transfers include overdrafts (${overdrafts})`)
    const logged = [first, second].flatMap((s) => s.exit.logs).filter((l) => l.message === 'overdraft: transfer not applied' && l.level === 'debug')
    t.equal(logged.length, overdrafts, 'each overdraft is logged at debug')

    // What a reader of acmeCo/balances ends with: the last balance published per account.
    const final = new Map<string, number>()
    for (const { published } of results) for (const { account, balance } of published) final.set(account, balance)
    t.same(Object.fromEntries([...final].sort()), Object.fromEntries([...balances].sort()), 'final balances')
    t.same(applyMergePatch(state, second.results.reduce<unknown>((patch, r) => applyMergePatch(patch, r.committed), {})), { balances: Object.fromEntries(balances) }, 'the state Flow would hold has every balance')
  })
}
